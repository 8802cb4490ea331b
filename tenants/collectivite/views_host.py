"""First connection: the CGU and the privacy policy, each accepted in its current version
before anything else of the host's space is reachable (the gate `init_app` sets). A host who
accepted earlier versions is told what changed, and meanwhile their menu offers only what the
gate lets through."""

from types import SimpleNamespace

from flask import current_app, g, redirect, render_template, url_for

from plateforme.database import db
from plateforme.routing import TenantBlueprint
from plateforme.web import database_unavailable
from tenants.access.identity import current_host, security_event
from tenants.access.rules import HOST_BEFORE_CGU, host_required
from tenants.collectivite import legal
from tenants.collectivite.forms import CguForm
from tenants.core import hostdata
from tenants.core.dates import french_date, to_paris
from tenants.core.navigation import MenuEntry, menu

bp = TenantBlueprint("cgu", __name__)


def gate(host):
    """Where a host goes first while a current legal text awaits their acceptance."""
    if _pending(host):
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
    earlier = legal.of_host(db.session, host.id)
    return render_template("collectivite/host/cgu.html", form=form, pending=pending,
                           first_time=not earlier,
                           changes=[_change(d, earlier) for d in pending])


def _change(document, earlier):
    """What a host who accepted before is told of a new version: which, since when, and which
    version of theirs it replaces."""
    previous = max((a for a in earlier if a.kind == document.kind),
                   key=lambda a: a.version, default=None)
    return SimpleNamespace(
        document=document, previous=previous,
        published_on=french_date(to_paris(document.published_at).date()),
        previous_on=french_date(to_paris(previous.accepted_at).date()) if previous else None)


def _accept(host, pending):
    legal.accept(db.session, host.id, pending)
    security_event("cgu.accepted", host,
                   documents=",".join(f"{d.kind}:v{d.version}" for d in pending))


def template_menu() -> dict:
    return {"host_menu_before_acceptance": menu_before_acceptance}


def menu_before_acceptance() -> list[MenuEntry] | None:
    """While a text awaits the host's acceptance, their menu offers only what works then: the
    page to accept, the texts, the pages open before the gate (help); the layout adds logging
    out. None once everything is accepted: the whole menu."""
    host = current_host()
    if database_unavailable() or host is None or not _pending(host):
        return None
    opened = [entry for entry in menu("host")
              if _access(current_app.view_functions.get(entry.endpoint)) == HOST_BEFORE_CGU]
    return [MenuEntry("Accepter les conditions", "cgu.accept", 0),
            MenuEntry(legal.KINDS["cgu"], "collectivite.cgu_text", 1),
            MenuEntry(legal.KINDS["privacy"], "collectivite.privacy_text", 2), *opened]


def _pending(host) -> bool:
    """Whether texts await the host: every page of their space asks (the gate, then the menu),
    answered from memory until a text is published or they accept one, and once per request
    when it has to be read."""
    known = g.get("_legal_pending")
    if known is None or known[0] != host.id:
        known = g._legal_pending = (host.id, hostdata.kept(
            db.session, host, "legal.pending", lambda: bool(legal.pending(db.session, host.id))))
    return known[1]


def _access(view) -> str | None:
    while view is not None and not hasattr(view, "access"):
        view = getattr(view, "__wrapped__", None)
    return getattr(view, "access", None)
