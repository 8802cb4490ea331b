"""Declarations: hosts declare their nights per period (the registre du logeur, imports of
their booking platforms' exports, "0 nuitée", forfait), validate (a locked version and its état
récapitulatif), rectify; the collectivité follows every hébergement's state per period, enters
paper registers, exports, and reminds."""

from tenants.core.navigation import MenuEntry, TourStep, add_menu_entry, add_tour_step


def init_app(app) -> None:
    from plateforme.figures import add_figure
    from tenants.access.rules import agent_required, host_required
    from tenants.core.dashboard import add_home_panel
    from tenants.core.navigation import add_panel
    from tenants.declarations import commands, home, views_console, views_desk, views_host

    views_desk.add_routes(views_host.bp, views_desk.Audience(
        access=host_required, target=views_host.target, context=views_host.context,
        page="declarations/host/declaration.html"))
    views_desk.add_routes(views_console.bp, views_desk.Audience(
        access=agent_required(), target=views_console.target, context=views_console.context,
        page="declarations/console/declaration.html", agent=True))
    app.register_blueprint(views_host.bp)
    app.register_blueprint(views_console.bp)
    app.cli.add_command(commands.declarations_group)
    add_panel(app, "hosts.dashboard", views_host.dashboard_panel)
    add_panel(app, "hosts.documents", views_host.documents_panel)
    add_panel(app, "console.host_detail", views_console.host_panel)
    add_home_panel(app, 50, home.panel)
    add_figure(app, "declarations_year", "Déclarations validées cette année",
               home.validated_this_year, 30)
    add_menu_entry(app, "host", MenuEntry("Mes déclarations", "declarations.index", 15,
                                          blueprint="declarations"))
    add_menu_entry(app, "console", MenuEntry("Déclarations", "console_declarations.index", 22,
                                             blueprint="console_declarations"))
    add_tour_step(app, TourStep(
        25, "mes-declarations", "Mes déclarations",
        "Pour chaque hébergement et chaque période : l'état de la déclaration (à déclarer, en "
        "retard, brouillon, déclarée, rectifiée), l'échéance et le montant. Ouvrez-la pour "
        "saisir vos séjours, importer votre registre ou l'export de vos réservations Airbnb ou "
        "Booking.com, ou déclarer 0 nuitée, puis validez."))
