"""The collectivité's public pages: its colours and logo, its legal texts, its accessibility
statement."""

from types import SimpleNamespace

from flask import abort, make_response, render_template

from plateforme import tenancy
from plateforme.database import db
from plateforme.routing import TenantBlueprint
from plateforme.web import database_unavailable
from tenants.access.rules import public
from tenants.collectivite import legal, settings
from tenants.collectivite.accessibility import STATUSES, published_statement, recorded_status

bp = TenantBlueprint("collectivite", __name__)

#: Per process and collectivité, the support details last read: the page saying the database is
#: out of reach still gives the numbers to call, without asking the database again.
_last_known_support: dict[str, SimpleNamespace] = {}


def template_settings() -> dict:
    """Every page of a collectivité, error pages included, shows its name and support number."""
    binding = tenancy.current_binding()
    if binding is None:
        return {}
    if database_unavailable():
        known = _last_known_support.get(binding.tenant.schema)
        return {"settings": known} if known is not None else {}
    try:
        values = settings.current(db.session)
    except Exception:  # noqa: BLE001 - an error page must render even if the database failed
        db.session.rollback()
        return {}
    _last_known_support[binding.tenant.schema] = SimpleNamespace(
        support_phone=values.support_phone, tax_phone=values.tax_phone,
        contact_email=values.contact_email, opening_hours=values.opening_hours)
    return {"settings": values}


def template_accessibility() -> dict:
    """The status every footer states (RGAA: « Accessibilité : … »), as the collectivité
    declared it; left to the templates' « non conforme » when it cannot be read."""
    if tenancy.current_binding() is None or database_unavailable():
        return {}
    try:
        status = recorded_status(db.session)
    except Exception:  # noqa: BLE001 - an error page must render even if the database failed
        db.session.rollback()
        return {}
    return {"accessibility_status": STATUSES[status]}


@bp.get("/marque/couleurs.css")
@public
def brand_css():
    """The collectivité's colour, as a stylesheet (the CSP allows no inline style)."""
    colour = settings.current(db.session).brand_colour
    response = make_response(f":root {{ --brand: {colour}; }}\n")
    response.headers["Content-Type"] = "text/css; charset=utf-8"
    return response


@bp.get("/marque/logo.png")
@public
def logo():
    data = settings.get(db.session).logo_png
    if not data:
        abort(404)
    response = make_response(data)
    response.headers["Content-Type"] = "image/png"
    return response


@bp.get("/accessibilite")
@public
def accessibility():
    return render_template("accessibilite.html", statement=published_statement(db.session))


@bp.get("/conditions-generales")
@public
def cgu_text():
    return _document("cgu")


@bp.get("/politique-de-confidentialite")
@public
def privacy_text():
    return _document("privacy")


def _document(kind: str):
    document = legal.in_force(db.session, kind)
    if document is None:
        abort(404)
    return render_template("collectivite/public/legal_document.html", document=document,
                           html=document.html)
