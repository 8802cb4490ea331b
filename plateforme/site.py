"""The platform's own pages, on the apex and www."""

from dataclasses import dataclass

from flask import current_app, render_template, request

from plateforme import communes, registry
from plateforme.database import db
from plateforme.deployment import Platform
from plateforme.errors import UserError
from plateforme.limits import limit
from plateforme.registry import Collectivite
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
    return _address(collectivite)


def _address(collectivite: Collectivite) -> tuple[str, str]:
    """Its primary domain as read (with the port served) and as a link."""
    url = Platform.from_config(current_app.config).url(collectivite.primary_domain.host)
    return url.split("://", 1)[1].rstrip("/"), url


@dataclass(frozen=True)
class Found:
    """A commune of « Trouvez votre collectivité »'s results and who covers it."""

    commune: str
    postal_codes: str
    collectivite: str
    address: str
    url: str


@bp.get("/")
@limit("60 per minute", methods=("GET",))
def landing():
    """The home page, and « Trouvez votre collectivité » (a GET form: no JavaScript needed)."""
    query = request.args.get("commune")
    found = error = None
    if query is not None:
        try:
            # One more than shown: enough to say that there are more.
            rows = communes.find(db.session, query, limit=communes.FIND_LIMIT + 1)
            found = [Found(row.name, ", ".join(row.postal_code_list), collectivite.name,
                           *_address(collectivite)) for row, collectivite in rows]
        except UserError as exc:
            error = str(exc)
    return render_template("plateforme/landing.html", demo=demo_example(), query=query or "",
                           found=found, search_error=error, shown=communes.FIND_LIMIT,
                           found_heading=_heading(found, query) if found is not None else "")


def _heading(found: list[Found], query: str) -> str:
    """The results' heading, which is also the page's title: the count says it all."""
    asked = f"pour « {' '.join(query.split())} »"
    if not found:
        return f"Aucune commune trouvée {asked}"
    if len(found) > communes.FIND_LIMIT:
        return f"Plus de {communes.FIND_LIMIT} communes trouvées {asked}"
    plural = "s" if len(found) > 1 else ""
    return f"{len(found)} commune{plural} trouvée{plural} {asked}"


@bp.get("/accessibilite")
def accessibility():
    return render_template("accessibilite.html")


def init_app(app) -> None:
    app.register_blueprint(bp)
