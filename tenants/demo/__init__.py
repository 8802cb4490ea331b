"""`flask demo`: a demo collectivité built with the product's own functions, to try the
product on SQLite with nothing else installed. Above every feature; nothing imports it."""


def init_app(app) -> None:
    from plateforme import site
    from tenants.demo import commands

    app.cli.add_command(commands.demo_command)
    if app.config["ENV_NAME"] != "production":  # where `flask demo` may have made it
        site.show_demo(app, commands.DEMO_SLUG)
