"""Payments: what each host owes (validated declarations, rectifications' differences, credits),
paying it by card through PayFiP (confirmed with the service, settled once) or by transfer or
cheque recorded by an agent, the quittances, and the collectivité's accounts."""

from tenants.core.navigation import MenuEntry, TourStep, add_menu_entry, add_tour_step


def period_label(key: str) -> str:
    """"juillet 2026" for "2026-07", whatever the calendar was when it was declared."""
    from tenants.declarations.calendar import from_key

    try:
        return from_key(key).label
    except ValueError:
        return key


def init_app(app) -> None:
    from plateforme.figures import add_figure
    from tenants.core.dashboard import add_home_panel
    from tenants.core.navigation import add_panel
    from tenants.payments import commands, home, views_console, views_host
    from tenants.payments.ledger import Means, PaymentStatus

    app.register_blueprint(views_host.bp)
    app.extensions["csrf"].exempt(views_host.payfip_notification)
    app.register_blueprint(views_console.bp)
    app.cli.add_command(commands.payments_group)
    app.jinja_env.globals.update(means_label=lambda value: Means(value).label,
                                 status_label=lambda value: PaymentStatus(value).label,
                                 period_label=period_label)
    add_panel(app, "hosts.dashboard", views_host.dashboard_panel)
    add_panel(app, "hosts.documents", views_host.documents_panel)
    add_panel(app, "console.host_detail", views_console.host_panel)
    add_home_panel(app, 60, home.panel)
    add_figure(app, "collected_year", "Encaissé cette année", home.collected_this_year, 40)
    add_menu_entry(app, "host", MenuEntry("Mes paiements", "payments.index", 17,
                                          blueprint="payments"))
    add_menu_entry(app, "console", MenuEntry("Paiements", "console_payments.index", 23,
                                             blueprint="console_payments"))
    add_tour_step(app, TourStep(
        27, "mes-paiements", "Mes paiements",
        "Ce qu'il vous reste à payer pour vos déclarations validées. Payez en ligne par carte "
        "bancaire (plusieurs déclarations à la fois), ou par virement ou chèque avec la "
        "référence indiquée. Vos quittances sont dans « Mes documents »."))
