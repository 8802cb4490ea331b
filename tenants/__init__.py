"""What lives inside one collectivité's schema and on its hosts, one package per feature:
core ← audit ← access ← collectivite ← hosts, agents ← tax ← declarations ← payments ← recovery
← console (the demo above all); `tests/test_layers.py` holds the packages to that order."""


def init_app(app) -> None:
    """Each package registers its blueprints, commands and menu entries; then the tenants hand
    the platform the metadata and the seeder it provisions a collectivité with."""
    from plateforme import provisioning
    from plateforme.database import TenantModel
    from tenants import (
        access,
        agents,
        collectivite,
        console,
        core,
        declarations,
        demo,
        hosts,
        models,  # noqa: F401  (the metadata is complete before any create_all)
        payments,
        recovery,
        tax,
    )
    from tenants.collectivite import defaults

    for package in (core, access, collectivite, hosts, agents, tax, declarations, payments,
                    recovery, console, demo):
        package.init_app(app)
    provisioning.use_tenant_schema(app, metadata=TenantModel.metadata, seed=defaults.seed)
