"""First connection: the CGU and the privacy policy, each accepted in its current version
before anything else of the host's space is reachable (the gate `init_app` sets)."""

from flask import redirect, render_template, url_for

from plateforme.database import db
from plateforme.routing import TenantBlueprint
from tenants.access.identity import current_host, security_event
from tenants.access.rules import host_required
from tenants.collectivite import legal
from tenants.collectivite.forms import CguForm

bp = TenantBlueprint("cgu", __name__)


def gate(host):
    """Where a host goes first while a current legal text awaits their acceptance."""
    if legal.pending(db.session, host.id):
        return url_for("cgu.accept")
    return None


@bp.route("/cgu", methods=["GET", "POST"])
@host_required(before_cgu=True)
def accept():
    host = current_host()
    pending = legal.pending(db.session, host.id)
    if not pending:
        return redirect(url_for("dashboard.index"))
    form = CguForm()
    kinds = {d.kind for d in pending}
    if "cgu" not in kinds:
        del form.accept_cgu
    if "privacy" not in kinds:
        del form.accept_privacy
    if form.validate_on_submit():
        # Both boxes are required: what is accepted is every current version still pending.
        db.attempt(_accept, host, pending)
        return redirect(url_for("dashboard.index"))
    return render_template("collectivite/host/cgu.html", form=form, pending=pending,
                           first_time=len(pending) == len(legal.KINDS))


def _accept(host, pending):
    legal.accept(db.session, host.id, pending)
    security_event("cgu.accepted", host,
                   documents=",".join(f"{d.kind}:v{d.version}" for d in pending))
