"""The platform: app factory, registry, host middleware, schema binding, migrations, CLI."""

from __future__ import annotations

from flask_wtf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

import config as settings
from plateforme import memory
from plateforme.routing import App

csrf = CSRFProtect()


def create_app(config=None) -> App:
    """Build the application. `config`: None (TAXESEJOUR_ENV decides), an environment name,
    a config class, or a dict of overrides (its "ENV" key names the base environment)."""
    values = settings.load(config)
    memory.give_big_blocks_back()
    app = App(__name__, template_folder=str(settings.ROOT / "templates"),
              static_folder=str(settings.ROOT / "static"),
              instance_path=str(settings.INSTANCE))
    app.config.update(values)

    if app.config["PROXY_FIX_X_FOR"] or app.config["PROXY_FIX_X_PROTO"]:
        # X-Forwarded-Host stays untrusted: the collectivité comes from Host alone.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"],
                                x_proto=app.config["PROXY_FIX_X_PROTO"], x_host=0)

    # migrate and provisioning register their commands on the CLI's groups when imported.
    from plateforme import (  # noqa: F401
        archive,
        cli,
        jobs,
        limits,
        mail,
        migrate,
        operators,
        page_errors,
        provisioning,
        servers,
        site,
        sites,
        web,
    )
    from plateforme.database import db

    db.init_app(app)
    mail.init_app(app)
    jobs.init_app(app)
    sites.init_app(app)
    csrf.init_app(app)
    web.init_app(app)
    page_errors.init_app(app)
    migrate.init_app(app, db)  # Flask-Migrate's `flask db`, imported when it runs
    cli.init_app(app)
    site.init_app(app)
    servers.init_app(app)
    operators.init_app(app)

    # The one place the platform names the tenants: it hands them the application, and they
    # hand back their routes, commands, and the metadata and seeder provisioning builds with.
    import tenants

    tenants.init_app(app)
    limits.init_app(app)  # last: it wraps the views that declared a limit
    return app
