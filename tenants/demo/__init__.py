"""`flask demo`: a demo collectivité built with the product's own functions, to try the
product on SQLite with nothing else installed. Above every feature; nothing imports it."""


def init_app(app) -> None:
    from tenants.demo import commands

    app.cli.add_command(commands.demo_command)
