"""The collectivité's console, under /admin/ on its own hosts: the shell only (its layout,
`templates/console/base.html`, its home page, the journal). Every feature adds its own console
pages and menu entries; none imports this package."""

from tenants.core.navigation import MenuEntry, add_menu_entry


def init_app(app) -> None:
    import tenants.console.commands  # noqa: F401  (registers `flask tenants purge-audit`)
    from tenants.console import views_console

    app.register_blueprint(views_console.bp)
    app.context_processor(views_console.console_page)
    add_menu_entry(app, "console", MenuEntry("Accueil", "console.index", 10))
    add_menu_entry(app, "console", MenuEntry("Journal", "console.journal", 90, admin_only=True))
    add_menu_entry(app, "console", MenuEntry("Tâches en échec", "console.held_jobs", 95,
                                             admin_only=True))
