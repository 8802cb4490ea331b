"""The taxe de séjour itself: the law as data (`law.toml`), the collectivités' deliberations per
year (DELTA import, console), the one engine every euro goes through (`calculation`), and the
public calculator."""

from tenants.core.navigation import MenuEntry, add_menu_entry


def init_app(app) -> None:
    from tenants.core.navigation import add_panel
    from tenants.tax import commands, views_console, views_public

    app.register_blueprint(views_public.bp)
    add_panel(app, "hosts.home", views_public.home_panel)
    app.register_blueprint(views_console.bp)
    app.cli.add_command(commands.tax_group)
    add_menu_entry(app, "host", MenuEntry("Calculer la taxe", "tax.page", 35))
    add_menu_entry(app, "console", MenuEntry("Délibérations", "console_tax.index", 25,
                                             blueprint="console_tax"))
