"""What lives inside one collectivité's schema and on its hosts."""


def _tenant_settings():
    """Every page of a collectivité, error pages included, shows its name and support number."""
    from plateforme import tenancy
    from plateforme.database import db
    from tenants import settings

    if tenancy.current_binding() is None:
        return {}
    try:
        return {"settings": settings.get(db.session)}
    except Exception:  # noqa: BLE001 - an error page must render even if the database failed
        db.session.rollback()
        return {}


def init_app(app) -> None:
    import tenants.models  # noqa: F401  (the tenant metadata is complete before any create_all)
    from tenants import activation, auth, cgu, commands, dashboard, home, hosts, identity

    for module in (home, auth, activation, cgu, dashboard):
        app.register_blueprint(module.bp)
    identity.init_app(app)
    from tenants import console

    console.init_app(app)
    commands.init_app(app)
    app.context_processor(_tenant_settings)
    app.add_template_filter(hosts.format_phone, "phone")
    from markupsafe import Markup

    from tenants import branding

    # render_markdown's output went through nh3's allow-list: safe to mark as such.
    app.add_template_filter(
        lambda text: Markup(branding.render_markdown(text)), "markdown")  # noqa: S704
