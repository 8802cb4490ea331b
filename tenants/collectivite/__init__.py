"""The collectivité's own content: its settings and branding, its legal texts (CGU, privacy
policy) and their acceptance, its news, its documents and tutorials for hosts; their public,
host and console pages, and the commands operators use before the console is."""

from tenants.core.navigation import MenuEntry, add_menu_entry


def init_app(app) -> None:
    import tenants.collectivite.commands  # noqa: F401  (registers `flask tenants set`, …)
    from tenants.access.rules import add_host_gate
    from tenants.collectivite import views_console, views_host, views_public

    for module in (views_public, views_host, views_console):
        app.register_blueprint(module.bp)
    add_host_gate(app, views_host.gate)
    app.context_processor(views_public.template_settings)
    app.context_processor(views_public.template_accessibility)
    app.context_processor(views_host.template_menu)
    for order, label, endpoint, values in (
            (30, "Paramètres", "console_content.settings_page", {}),
            (40, "Actualités", "console_content.news_list", {}),
            (50, "CGU", "console_content.legal_edit", {"kind": "cgu"}),
            (60, "Confidentialité", "console_content.legal_edit", {"kind": "privacy"}),
            (70, "Documents", "console_content.library", {})):
        add_menu_entry(app, "console", MenuEntry(label, endpoint, order, values,
                                                 admin_only=True))
