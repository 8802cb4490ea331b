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
    from tenants import home

    app.register_blueprint(home.bp)
    app.context_processor(_tenant_settings)
