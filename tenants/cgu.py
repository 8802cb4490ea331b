"""First connection: the CGU and the privacy policy, each accepted in its current version
before anything else of the host's space is reachable."""

from flask import abort, redirect, render_template, url_for

from plateforme.database import db
from plateforme.routing import TenantBlueprint
from tenants import legal
from tenants.forms import CguForm
from tenants.identity import current_host, host_required, log_event, public

bp = TenantBlueprint("cgu", __name__)


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
        legal.accept(db.session, host.id, pending)
        db.session.commit()
        log_event("cgu.accepted", host,
                  documents=",".join(f"{d.kind}:v{d.version}" for d in pending))
        return redirect(url_for("dashboard.index"))
    return render_template("tenants/cgu.html", form=form, pending=pending,
                           first_time=len(pending) == len(legal.KINDS))


@bp.get("/conditions-generales")
@public
def cgu_text():
    return _document("cgu")


@bp.get("/politique-de-confidentialite")
@public
def privacy_text():
    return _document("privacy")


def _document(kind: str):
    document = legal.current(db.session, kind)
    if document is None:
        abort(404)
    return render_template("tenants/legal_document.html", document=document,
                           html=legal.render(document))
