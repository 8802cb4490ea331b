"""The host's payments: what is owed and paying it by card (PayFiP), the instructions for a
transfer or a cheque, the history and the quittances; PayFiP's return and notification."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import abort, current_app, make_response, redirect, render_template, request, url_for

from plateforme.database import db
from plateforme.routing import TenantBlueprint
from plateforme.web import CSP
from tenants.access.identity import actor, current_host
from tenants.access.rules import host_required, notification, public
from tenants.core import hostdata
from tenants.core.dates import paris_today, utcnow
from tenants.core.files import download
from tenants.core.urls import tenant_url
from tenants.payments import ledger, payfip, paying
from tenants.payments.forms import PayForm
from tenants.payments.ledger import ZERO, PaymentStatus

bp = TenantBlueprint("payments", __name__, url_prefix="/paiements")


def _minutes() -> int:
    return int(current_app.config["PAYFIP_IDOP_MINUTES"])


def _gateway() -> payfip.Gateway:
    return payfip.from_config(current_app.config)


def _page(host, form, error=None, status=200):
    """"Mes paiements". Its form posts here, then the browser is redirected to PayFiP: a
    browser applies `form-action` to the redirect too, so this page names PayFiP's origin."""
    response = make_response(render_template(
        "payments/host/index.html", host=host, form=form,
        account=paying.account(db.session, host, utcnow(), _minutes()),
        values=paying.settings_of(db.session), reference=paying.transfer_reference(host),
        error=error, today=paris_today()), status)
    page = urlsplit(_gateway().payment_url)
    response.headers["Content-Security-Policy"] = CSP.replace(
        "form-action 'self'", f"form-action 'self' {page.scheme}://{page.netloc}")
    return response


@bp.get("/")
@host_required
def index():
    return _page(current_host(), PayForm())


@bp.post("/payer")
@host_required
def pay():
    host, form = current_host(), PayForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = {int(v) for v in request.form.getlist("declaration") if v.isdigit()}
    urls = (tenant_url("payments.payfip_notification"), tenant_url("payments.payfip_return"))
    done = db.attempt(paying.start_card, db.session, _gateway(), host, chosen, utcnow(),
                      _minutes(), urls, actor())
    if done.ok:
        return redirect(_gateway().page(done.value.id_op), code=303)
    return _page(host, form, done.error, 422)


@bp.get("/payfip/retour")
@public
def payfip_return():
    """Where PayFiP sends the payer back, whatever happened; the session may have ended
    meanwhile, so the page says only what the idOp alone may tell."""
    done = db.attempt(paying.confirm, db.session, _gateway(), request.args.get("idop", ""),
                      utcnow(), _minutes(), actor())
    if done.ok and done.value is None:
        abort(404)
    payment = done.value if done.ok else None
    host = current_host()
    if payment is not None and host is not None and payment.host_id == host.id:
        return redirect(url_for(".payment", payment_id=payment.id))
    return render_template("payments/host/returned.html", payment=payment, error=done.error)


@bp.post("/payfip/notification")
@notification
def payfip_notification():
    """PayFiP's server-to-server call (`idOp=…`, unsigned): only the detail asked back is
    believed. 200 once applied (or not ours), 503 while PayFiP cannot be asked. Exempt from
    CSRF by `init_app` (a server sends no token)."""
    done = db.attempt(paying.confirm, db.session, _gateway(), request.form.get("idOp", ""),
                      utcnow(), _minutes(), actor())
    return ("", 503) if done.error else ("", 200)


@bp.get("/<int:payment_id>")
@host_required
def payment(payment_id):
    found = paying.own_payment(db.session, current_host(), payment_id)
    if found is None:
        abort(404)
    return render_template("payments/host/payment.html", payment=found,
                           allocations=ledger.allocations_of(db.session, found.id),
                           lapsed=found.status == PaymentStatus.EN_COURS
                           and found.started_at < paying.hold_since(utcnow(), _minutes()))


@bp.get("/<int:payment_id>/quittance.pdf")
@host_required
def quittance(payment_id):
    found = paying.own_payment(db.session, current_host(), payment_id)
    if found is None or found.receipt_pdf is None:
        abort(404)
    return download(found.receipt_pdf, f"quittance-{found.number}.pdf")


def dashboard_panel(**_context) -> str:
    """On the dashboard: what is left to pay, what was paid. Kept while the host's data stays
    the same, and no longer than a card payment under way holds its declarations."""
    host = current_host()
    return hostdata.kept(db.session, host, "payments.dashboard", lambda: _dashboard_panel(host),
                         until=lambda panel: panel.until)


class _Panel(str):
    until: datetime | None = None


def _dashboard_panel(host) -> _Panel:
    now, minutes = utcnow(), _minutes()
    account = paying.account(db.session, host, now, minutes)
    panel = _Panel(render_template("payments/host/_dashboard.html", account=account, zero=ZERO))
    hold = timedelta(minutes=minutes)
    panel.until = hostdata.earliest(p.started_at + hold for p in account.payments
                                    if p.status == PaymentStatus.EN_COURS
                                    and p.started_at + hold > now)
    return panel


def documents_panel(**_context) -> str:
    """"Mes documents": the quittances."""
    host = current_host()
    return hostdata.kept(db.session, host, "payments.documents", lambda: render_template(
        "payments/host/_documents.html", payments=[
            p for p in paying.account(db.session, host, utcnow(), _minutes()).payments
            if p.status == PaymentStatus.PAYEE]))
