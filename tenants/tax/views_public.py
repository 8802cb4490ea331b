"""The public calculator, on each collectivité's hosts, without an account: the page
(`/calculette`, a form sent by GET: it works without JavaScript) and its JSON twin
(`/api/calculette`)."""

from __future__ import annotations

from flask import jsonify, render_template, request

from plateforme.database import db
from plateforme.limits import limit
from plateforme.routing import TenantBlueprint
from plateforme.tenancy import current_tenant
from tenants.access.rules import public
from tenants.collectivite import settings
from tenants.core.dates import utcnow
from tenants.core.pages import cached_publicly
from tenants.core.validation import format_phone
from tenants.tax import calculator
from tenants.tax.calculation import ROUNDING
from tenants.tax.forms import CalculatorForm
from tenants.tax.law import law

bp = TenantBlueprint("tax", __name__)
PARAMETERS = ("date", "nature", "classement", "commune", "nuits", "personnes", "exoneres",
              "prix_nuit_ht", "capacite")


def home_panel() -> str:
    """On the hosts' home page (a panel: `hosts` does not know the tax)."""
    return render_template("tax/public/_home_panel.html")


def _no_deliberation(reason: str) -> str:
    values = settings.current(db.session)
    phone = format_phone(values.tax_phone or values.support_phone)
    contact = f" Pour toute question : {phone}." if phone else ""
    return f"Impossible de calculer la taxe : {reason}.{contact}"


@bp.get("/calculette")
@limit("60 per minute", methods=("GET",))
@public
def page():
    form = CalculatorForm(request.args)
    year = _year(request.args.get("date"))
    communes = calculator.communes(db.session, year)
    form.commune.choices = [("", "— choisir —")] + [(c.insee, f"{c.name} ({c.insee})")
                                                     for c in communes]
    answer = problem = None
    if any(request.args.get(name) for name in PARAMETERS):
        try:
            answer = calculator.quote(db.session, current_tenant().schema,
                                      calculator.parse(request.args))
        except calculator.Invalid as invalid:
            for name, message in invalid.errors.items():
                getattr(form, name).errors = [message]
        except calculator.NotFound as missing:
            problem = _no_deliberation(str(missing))
    return render_template("tax/public/calculette.html", form=form, answer=answer,
                           problem=problem, several=len({c.deliberation.id for c in communes}) > 1,
                           law=law(), rounding=ROUNDING)


@bp.get("/api/calculette")
@limit("60 per minute", methods=("GET",))
@cached_publicly(300)
@public
def api():
    try:
        answer = calculator.quote(db.session, current_tenant().schema,
                                  calculator.parse(request.args))
    except calculator.Invalid as invalid:
        return jsonify(erreurs=invalid.errors), 400
    except calculator.NotFound as missing:
        values = settings.current(db.session)
        return jsonify(erreur=_no_deliberation(str(missing)),
                       telephone=format_phone(values.tax_phone or values.support_phone)
                       or None), 404
    return jsonify(answer.as_json())


def _year(typed: str | None) -> int:
    try:
        return int((typed or "")[:4])
    except ValueError:
        return utcnow().year
