"""Recovery: the procedure of L2333-38 and R2333-48 for periods not declared and declarations not
paid — the reminder (the declarations' own), the mise en demeure, the avis de taxation d'office
with its mentions and interest — stopped by a declaration or a payment; the agents' view."""

from tenants.core.navigation import MenuEntry, add_menu_entry


def init_app(app) -> None:
    from tenants.core.dashboard import add_home_panel
    from tenants.core.navigation import add_panel
    from tenants.recovery import commands, home, views_console, views_host

    app.register_blueprint(views_host.bp)
    app.register_blueprint(views_console.bp)
    add_panel(app, "hosts.dashboard", views_host.dashboard_panel)
    app.cli.add_command(commands.recovery_group)
    add_panel(app, "console.host_detail", views_console.host_panel)
    add_home_panel(app, 70, home.panel)
    add_menu_entry(app, "console", MenuEntry("Recouvrement", "console_recovery.index", 24,
                                             blueprint="console_recovery"))
