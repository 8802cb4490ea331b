"""Payments in the console: the accounts per period (collected by means, outstanding, credits)
and their CSV, the payments' list, a host's receipts recorded and allocated, the credit applied,
the reconciliation with PayFiP, and the collectivité's payment settings."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from plateforme.database import db
from plateforme.routing import TenantBlueprint
from tenants.access.identity import actor
from tenants.access.rules import Role, agent_required
from tenants.core.dates import paris_today, utcnow
from tenants.core.files import download, french_csv
from tenants.core.forms import ActionForm
from tenants.core.money import parse_amount
from tenants.core.pages import get_or_404
from tenants.hosts.models import Host
from tenants.payments import accounts, ledger, payfip, paying
from tenants.payments.forms import ReceiptForm, SettingsForm
from tenants.payments.ledger import Means, PaymentStatus
from tenants.payments.models import Payment

bp = TenantBlueprint("console_payments", __name__, url_prefix="/admin/paiements")


def _minutes() -> int:
    return int(current_app.config["PAYFIP_IDOP_MINUTES"])


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/")
@agent_required()
def index():
    year = request.args.get("annee", paris_today().year, type=int)
    return render_template("payments/console/index.html", year=year,
                           accounts=accounts.by_period(db.session, year), means=list(Means))


@bp.get("/liste")
@agent_required()
def listing():
    means = request.args.get("moyen") if request.args.get("moyen") in set(Means) else None
    status = request.args.get("statut") \
        if request.args.get("statut") in set(PaymentStatus) else None
    rows = accounts.payments(db.session, since=_day("depuis"), until=_day("jusquau"),
                             means=means, status=status)
    return render_template("payments/console/list.html", rows=rows, means=list(Means),
                           statuses=list(PaymentStatus), total=sum(
                               (p.amount for p, _h in rows if p.status == PaymentStatus.PAYEE),
                               ledger.ZERO))


@bp.get("/export.csv")
@agent_required()
def export():
    since, until = _day("depuis"), _day("jusquau")
    rows = accounts.export_rows(db.session, since, until)
    return download(french_csv(accounts.EXPORT_COLUMNS, rows), "paiements.csv")


@bp.get("/<int:payment_id>/quittance.pdf")
@agent_required()
def quittance(payment_id):
    payment = get_or_404(Payment, payment_id)
    if payment.receipt_pdf is None:
        abort(404)
    return download(payment.receipt_pdf, f"quittance-{payment.number}.pdf")


@bp.route("/hebergeurs/<int:host_id>", methods=["GET", "POST"])
@agent_required()
def host(host_id):
    """A host's account; an agent records a transfer or cheque from the bank statement."""
    found = get_or_404(Host, host_id)
    form, error = ReceiptForm(), None
    if form.validate_on_submit():
        chosen = {int(v) for v in request.form.getlist("declaration") if v.isdigit()}
        done = db.attempt(_record, found, form, chosen)
        if done.ok:
            flash(f"Paiement {done.value.number} de {done.value.amount:.2f} € enregistré.",
                  "success")
            return redirect(url_for(".host", host_id=found.id))
        error = done.error
    return render_template("payments/console/host.html", host=found, form=form, error=error,
                           account=paying.account(db.session, found, utcnow(), _minutes()),
                           action_form=ActionForm(), today=paris_today()), 422 if error else 200


def _record(host: Host, form: ReceiptForm, chosen: set[int]):
    amount = parse_amount(form.amount.data, "Montant reçu")
    targets = None
    if chosen:
        targets = ledger.select(ledger.dues(db.session, host_id=host.id), chosen)
    return paying.record(db.session, host, amount, form.means.data, form.received_on.data,
                         form.bank_reference.data or "", actor(), targets)


@bp.post("/hebergeurs/<int:host_id>/credit")
@agent_required()
def apply_credit(host_id):
    found = get_or_404(Host, host_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    done = db.attempt(paying.apply_credit, db.session, found, actor())
    if done.ok:
        flash(f"{done.value:.2f} € de crédit imputés sur les déclarations dues.", "success")
    else:
        flash(done.error, "error")
    return redirect(url_for(".host", host_id=found.id))


@bp.route("/rapprochement", methods=["GET", "POST"])
@agent_required()
def reconcile():
    since = _day("depuis") or paris_today() - timedelta(days=30)
    form, checks, error = ActionForm(), None, None
    if form.validate_on_submit():
        try:
            since = date.fromisoformat(request.form.get("depuis", ""))
        except ValueError:
            pass  # the default: the last 30 days
        done = db.attempt(accounts.reconcile, db.session, payfip.from_config(current_app.config),
                          since, utcnow(), _minutes(), actor())
        checks, error = (done.value, None) if done.ok else (None, done.error)
    return render_template("payments/console/reconcile.html", form=form, since=since,
                           checks=checks, error=error)


@bp.route("/parametres", methods=["GET", "POST"])
@agent_required(Role.ADMINISTRATEUR)
def settings():
    current = paying.settings_of(db.session)
    form = SettingsForm(obj=None if request.method == "POST" else current)
    error = None
    if form.validate_on_submit():
        done = db.attempt(paying.configure, db.session, form.data, actor())
        if done.ok:
            flash("Les paramètres de paiement sont enregistrés.", "success")
            return redirect(url_for(".settings"))
        error = done.error
    return render_template("payments/console/settings.html", form=form, error=error), \
        422 if error else 200


def host_panel(host, **_context) -> str:
    """On the host's page of the console: their account in one line."""
    found = paying.account(db.session, host, utcnow(), _minutes())
    return render_template("payments/console/_host_panel.html", host=host, account=found)
