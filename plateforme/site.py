"""The platform's own pages, on the apex and www."""

from flask import current_app, render_template

from plateforme import registry
from plateforme.database import db
from plateforme.deployment import Platform
from plateforme.routing import PlatformBlueprint

bp = PlatformBlueprint("site", __name__)

DEMO_KEY = "taxesejour.demo_slug"


def show_demo(app, slug: str) -> None:
    """Let the landing page link the demo collectivité as the hosts' example, once it exists:
    the platform cannot name a collectivité itself, and its usual example (on taxesejour.fr)
    does not resolve on a developer's machine."""
    app.extensions[DEMO_KEY] = slug


def demo_example() -> tuple[str, str] | None:
    """The demo collectivité's address and URL (with the port served), while it is open."""
    slug = current_app.extensions.get(DEMO_KEY)
    collectivite = registry.get_by_slug(db.session, slug) if slug else None
    if collectivite is None or collectivite.status != "active" or not collectivite.domains:
        return None
    platform = Platform.from_config(current_app.config)
    url = platform.url(collectivite.primary_domain.host)
    return url.split("://", 1)[1].rstrip("/"), url


@bp.get("/")
def landing():
    return render_template("plateforme/landing.html", demo=demo_example())


@bp.get("/accessibilite")
def accessibility():
    return render_template("accessibilite.html")


def init_app(app) -> None:
    app.register_blueprint(bp)
