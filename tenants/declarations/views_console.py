"""Declarations in the console: a period's page (every hébergement's state, filters, totals by
nature and category and by channel, the CSV export), a host's full history, the declaration
pages to enter or correct one on a host's behalf (`views_desk`), and the reminders' settings."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for

from plateforme.database import db
from plateforme.errors import UserError
from plateforme.routing import TenantBlueprint
from plateforme.tenancy import current_tenant
from tenants.access.identity import actor, current_agent
from tenants.access.rules import Role, agent_required
from tenants.core.dates import paris_today
from tenants.core.files import download, french_csv
from tenants.core.money import parse_amount
from tenants.core.pages import get_or_404, page_number
from tenants.declarations import desk, filing, follow, reminders
from tenants.declarations.forms import ReminderForm
from tenants.hosts.models import Hebergement, Host

bp = TenantBlueprint("console_declarations", __name__, url_prefix="/admin/declarations")
PER_PAGE = 50


def _period(cal: filing.Calendar):
    key = request.args.get("periode")
    if not key:
        return cal.of(paris_today()).previous()
    try:
        return cal.period(key)
    except UserError:
        abort(404)


def _minimum() -> Decimal | None:
    """The filter's amount as typed ("12,50"); None, no filter, when it is not one (stored
    amounts have two decimals: "0.001", "1e30" or "NaN" cannot be compared with them)."""
    try:
        return parse_amount(request.args.get("montant_min"), "Montant minimum")
    except UserError:
        return None


@bp.get("/")
@agent_required()
def index():
    cal = filing.calendar_of(db.session)
    period = _period(cal)
    page = page_number(request.args.get("page"))
    rows, count = follow.listing(db.session, period, cal, paris_today(),
                                 request.args.get("etat"), _minimum(),
                                 request.args.get("q", ""), page, PER_PAGE)
    return render_template("declarations/console/index.html", cal=cal, rows=rows, count=count,
                           o=follow.overview(db.session, period, cal, paris_today()),
                           page=page, pages=max(1, -(-count // PER_PAGE)),
                           filters=follow.FILTERS)


@bp.get("/export.csv")
@agent_required()
def export():
    cal = filing.calendar_of(db.session)
    period = _period(cal)
    rows = follow.period_rows(db.session, period, cal, paris_today())
    return download(french_csv(follow.EXPORT_COLUMNS, follow.export_rows(rows, period)),
                    f"declarations-{period.key}.csv")


@bp.get("/hebergeurs/<int:host_id>")
@agent_required()
def host_history(host_id):
    host = get_or_404(Host, host_id)
    cal = filing.calendar_of(db.session)
    return render_template("declarations/console/host.html", host=host, cal=cal,
                           entries=follow.host_entries(db.session, host, cal, paris_today()),
                           versions=follow.history(db.session, host))


@bp.route("/relances", methods=["GET", "POST"])
@agent_required(Role.ADMINISTRATEUR)
def reminder_settings():
    current = reminders.settings_of(db.session)
    form = ReminderForm(obj=None if request.method == "POST" else current)
    error = None
    if form.validate_on_submit():
        done = db.attempt(reminders.configure, db.session, form.data, actor())
        if done.ok:
            flash("Les relances sont enregistrées.", "success")
            return redirect(url_for(".reminder_settings"))
        error = done.error
    return render_template("declarations/console/reminders.html", form=form, error=error,
                           defaults=reminders.DEFAULTS)


def host_panel(host, **_context) -> str:
    """On the host's page of the console: their declarations."""
    return render_template("declarations/console/_host_panel.html", host=host)


# --- what the shared declaration pages need of the console -----------------------------


def target(hebergement_id: int, key: str):
    """Any hébergement of the collectivité, any period begun."""
    hebergement = get_or_404(Hebergement, hebergement_id)
    try:
        period = filing.calendar_of(db.session).period(key)
    except UserError:
        abort(404)
    if period.start > paris_today():
        abort(404)
    return hebergement, period


def context() -> desk.Context:
    return desk.Context(db.session, current_tenant().schema, filing.calendar_of(db.session),
                        actor(), current_agent().name, paris_today())
