"""Hébergeurs and their hébergements: the accounts (activation by letter, login, password,
reset), their space (dashboard, profile, hébergements, documents, help), and what the console
does for them (search, create, correct, import, letters, disable, GDPR)."""

from tenants.core.navigation import MenuEntry, add_menu_entry


def init_app(app) -> None:
    import tenants.hosts.commands as commands
    from plateforme.figures import add_figure
    from tenants.access.identity import Audience, register_audience
    from tenants.core.dashboard import add_home_panel
    from tenants.core.navigation import add_panel, add_tour_step
    from tenants.hosts import accounts, admin, home, views_console, views_host, views_public
    from tenants.hosts.models import Host
    from tenants.hosts.tour import TOUR

    register_audience(app, Audience(name="host", cookie_key="auth", kind=accounts.KIND,
                                    person_model=Host, blueprint_prefix=None))
    for blueprint in (*views_public.blueprints, views_host.bp, views_console.bp):
        app.register_blueprint(blueprint)
    app.cli.add_command(commands.hosts_group)
    add_panel(app, "console.legal_texts", views_console.acceptances_panel)
    add_panel(app, "console.legal_publish", views_console.publish_notice)
    add_home_panel(app, 10, home.accounts_panel)
    add_home_panel(app, 20, home.legal_panel, admin_only=True)
    add_figure(app, "hosts", "Hébergeurs", lambda session: admin.counts(session)["hosts"], 10)
    add_figure(app, "active_accounts", "Comptes actifs", admin.active_accounts, 20)
    for step in TOUR:
        add_tour_step(app, step)
    for order, label, endpoint in ((10, "Tableau de bord", "dashboard.index"),
                                   (20, "Mon compte", "dashboard.profile"),
                                   (30, "Mes documents", "dashboard.documents_page"),
                                   (40, "Besoin d'aide", "dashboard.help_page")):
        add_menu_entry(app, "host", MenuEntry(label, endpoint, order))
    add_menu_entry(app, "console", MenuEntry("Hébergeurs", "console_hosts.host_list", 20,
                                             blueprint="console_hosts"))
