"""Hosts in the console: find, create, correct, import, letters, codes, disable, reset, GDPR;
and who accepted each version of the legal texts. Agents and administrators alike ("follow
hosts and letters"); personal data exports and erasure for administrators."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from plateforme.database import db
from plateforme.errors import UserError
from plateforme.routing import TenantBlueprint
from tenants.access.identity import actor
from tenants.access.rules import Role, agent_required
from tenants.collectivite import legal
from tenants.core.files import carried, carry, download
from tenants.core.forms import ActionForm
from tenants.core.keys import current_keys
from tenants.core.pages import enum_or_404, get_or_404, page_number
from tenants.hosts import admin, gdpr, importing, letters, natures
from tenants.hosts.forms import (
    ConsoleHebergementForm,
    HostForm,
    ImportForm,
    NewHostForm,
    details_data,
)
from tenants.hosts.models import AccountState, Hebergement, Host

bp = TenantBlueprint("console_hosts", __name__)
PREFIX = "/admin/hebergeurs"
PER_PAGE = 50


def _filters() -> admin.Filters:
    args = request.args
    return admin.Filters(text=args.get("q", "").strip()[:100],
                         commune=args.get("commune", "").strip()[:100],
                         nature=args.get("nature", ""), classement=args.get("classement", ""),
                         state=args.get("etat", ""))


@bp.get(f"{PREFIX}/")
@agent_required()
def host_list():
    page = page_number(request.args.get("page"))
    rows, total = admin.search(db.session, _filters(), page, PER_PAGE)
    return render_template("hosts/console/list.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), states=list(AccountState),
                           natures=natures.NATURES, classements=natures.CLASSEMENTS,
                           action_form=ActionForm())


@bp.route(f"{PREFIX}/nouveau", methods=["GET", "POST"])
@agent_required()
def host_new():
    form = NewHostForm()
    error = None
    if form.validate_on_submit():
        data, hebergement = form.split()
        done = db.attempt(admin.create_host, db.session, data, hebergement, actor())
        if done.ok:
            flash("Hébergeur créé : produisez son courrier d'activation.", "success")
            return redirect(url_for(".host_list", q=data["last_name"]))
        error = done.error
    return render_template("hosts/console/new.html", form=form, error=error)


@bp.route(f"{PREFIX}/<int:host_id>", methods=["GET", "POST"])
@agent_required()
def host_detail(host_id):
    host = get_or_404(Host, host_id)
    form = HostForm(obj=None if request.method == "POST" else details_data(host, console=True))
    error = None
    if form.validate_on_submit():
        done = db.attempt(admin.update_host, db.session, host, form.data, actor())
        if done.ok:
            flash("Hébergeur enregistré.", "success")
            return redirect(url_for(".host_detail", host_id=host.id))
        error = done.error
    return render_template("hosts/console/detail.html", host=host, form=form, error=error,
                           state=admin.state(db.session, host), action_form=ActionForm(),
                           hebergement_form=ConsoleHebergementForm(prefix="nouveau"))


@bp.post(f"{PREFIX}/<int:host_id>/hebergements")
@agent_required()
def hebergement_add(host_id):
    host = get_or_404(Host, host_id)
    form = ConsoleHebergementForm(prefix="nouveau")
    if form.validate_on_submit():
        done = db.attempt(admin.add_hebergement, db.session, host, form.data, actor())
        flash(done.error or "Hébergement ajouté.", "error" if done.error else "success")
    else:
        flash("Hébergement non ajouté : complétez tous les champs.", "error")
    return redirect(url_for(".host_detail", host_id=host.id))


@bp.route(f"{PREFIX}/hebergements/<int:hebergement_id>", methods=["GET", "POST"])
@agent_required()
def hebergement_edit(hebergement_id):
    item = get_or_404(Hebergement, hebergement_id)
    form = ConsoleHebergementForm(obj=None if request.method == "POST" else item)
    error = None
    if form.validate_on_submit():
        done = db.attempt(admin.update_hebergement, db.session, item, form.data, actor())
        if done.ok:
            flash("Hébergement enregistré.", "success")
            return redirect(url_for(".host_detail", host_id=item.host_id))
        error = done.error
    return render_template("hosts/console/hebergement.html", form=form, item=item, error=error)


# --- account actions and letters ----------------------------------------------------------


@bp.post(f"{PREFIX}/<int:host_id>/<action>")
@agent_required()
def host_action(host_id, action):
    host, action = get_or_404(Host, host_id), enum_or_404(admin.HostAction, action)
    if not ActionForm().validate_on_submit():
        abort(400)
    if action is admin.HostAction.COURRIER:
        return _host_letter(host)
    done = db.attempt(admin.act, db.session, current_keys(), host, action, actor(),
                      current_app.config["PASSWORD_RESET_MINUTES"])
    flash(done.error or done.value, "error" if done.error else "success")
    return redirect(url_for(".host_detail", host_id=host.id))


def _host_letter(host):
    """One host's letter, at once (a page of PDF); selections go through `letter_batches`.
    A code still working is replaced only once the agent confirmed it."""
    chosen = letters.plan(db.session, [host.id])
    back = redirect(url_for(".host_detail", host_id=host.id))
    if not chosen.recipients:
        flash(f"Aucun courrier : {chosen.skipped[0][1]}.", "error")
        return back
    if chosen.revoked and request.form.get("revoke_ok") != "y":
        flash("Courrier non produit : cet hébergeur a un code d'activation encore valable. "
              "Cochez la case pour confirmer qu'il cessera de fonctionner.", "error")
        return back
    done = db.attempt(letters.produce, db.session, current_keys(), chosen.recipients, "pdf",
                      current_app.config["ACTIVATION_CODE_DAYS"], actor())
    if not done.ok:
        flash(done.error, "error")
        return back
    content, (letter,) = done.value
    flash(f"Courrier produit pour {host.full_name} (PDF) : nouveau code valable jusqu'au "
          f"{letter.expires_on.strftime('%d/%m/%Y')}"
          + (" ; le code précédent ne fonctionne plus." if chosen.revoked else "."), "success")
    return download(content, "courriers.pdf")


@bp.post(f"{PREFIX}/courriers")
@agent_required()
def selection_letters():
    """Letters for the hosts ticked in the list: first what it will do (who is skipped and why,
    how many codes still working it revokes, to be confirmed), then the batch, prepared by a
    task."""
    if not ActionForm().validate_on_submit():
        abort(400)
    ids = [int(i) for i in request.form.getlist("host") if i.isdigit() and len(i) < 10]
    if not ids:
        flash("Cochez au moins un hébergeur.", "error")
        return redirect(url_for(".host_list"))
    fmt = "csv" if request.form.get("format") == "csv" else "pdf"
    chosen = letters.plan(db.session, ids)
    error = None
    if request.form.get("confirm") and chosen.recipients:
        error = _revocation_unconfirmed(chosen.revoked)
        if error is None:
            db.attempt(letters.request_batch, db.session, chosen.recipient_ids, fmt, actor())
            flash(_batch_requested(len(chosen.recipients), fmt, chosen.revoked), "success")
            return redirect(url_for(".letter_batches"))
    return render_template("hosts/console/letters_confirm.html", plan=chosen, fmt=fmt,
                           error=error, host_ids=ids)


def _revocation_unconfirmed(revoked: int) -> str | None:
    """The refusal when codes still working would be revoked without the agent's say-so (or
    more of them than the agent was shown)."""
    shown = request.form.get("revoked", "")
    if not revoked or (request.form.get("revoke_ok") == "y" and shown.isdigit()
                       and int(shown) >= revoked):
        return None
    return (f"Confirmez que {revoked} code(s) d'activation déjà envoyé(s) cesseront de "
            "fonctionner : cochez la case avant de produire les courriers.")


def _batch_requested(count: int, fmt: str, revoked: int) -> str:
    revoked_text = (f" ; {revoked} code(s) envoyé(s) auparavant cesseront de fonctionner"
                    if revoked else "")
    return (f"Courriers en préparation : {count} courrier(s) {fmt.upper()}, chacun avec un "
            f"nouveau code{revoked_text}. Le fichier apparaît ci-dessous dès qu'il est prêt.")


@bp.get(f"{PREFIX}/courriers")
@agent_required()
def letter_batches():
    rows = db.attempt(letters.batches, db.session).value
    return render_template("hosts/console/letters.html", batches=rows, states={
        letters.PREPARING: "En préparation", letters.READY: "Prêt", letters.FAILED: "Échec"},
        keep_hours=letters.KEEP_HOURS)


@bp.post(f"{PREFIX}/courriers/<int:batch_id>/telecharger")
@agent_required()
def letter_batch_download(batch_id):
    """A POST, not a link: taking the file erases it (it holds live codes). What was taken is
    said on the next page the agent opens (this answer is the file)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    taken = db.attempt(letters.take, db.session, batch_id, actor(),
                       current_app.config["ACTIVATION_CODE_DAYS"]).value
    if taken is None:
        flash("Ce fichier n'est plus disponible : il a déjà été téléchargé ou a été effacé "
              "après 24 heures. Produisez de nouveaux courriers si besoin.", "error")
        return redirect(url_for(".letter_batches"))
    flash(f"Lot n° {batch_id} téléchargé ({taken.filename}) : {taken.letters} courrier(s), "
          f"codes valables jusqu'au {taken.codes_until.strftime('%d/%m/%Y')}. Le fichier est "
          "effacé du serveur : gardez votre copie jusqu'à l'envoi.", "success")
    return download(taken.content, taken.filename)


# --- import -------------------------------------------------------------------------------


@bp.route(f"{PREFIX}/import", methods=["GET", "POST"])
@agent_required()
def host_import():
    """Check the file and show its errors (nothing saved); then import it, all rows or none."""
    form = ImportForm()
    report = error = None
    content = ""
    if form.validate_on_submit():
        if form.confirm.data and form.content.data:
            data = carried(form.content.data, form.signature.data)
            if data is None:
                abort(400)
            done = db.attempt(importing.import_journaled, db.session, data, actor())
            if done.ok:
                report = done.value
                flash(f"{report.hosts_created} hébergeur(s) créé(s), {report.hosts_updated} "
                      f"complété(s), {report.hebergements_created} hébergement(s) créé(s).",
                      "success")
                return redirect(url_for(".host_list"))
            error, report = done.error, getattr(done.refused, "report", None)
        else:
            upload = request.files.get("file")
            data = upload.read() if upload else b""
            report, error = _dry_run(data)
            if error is None:
                content, form.signature.data = carry(data)
    return render_template("hosts/console/import.html", form=form, report=report, error=error,
                           content=content, importing=importing, natures=natures.NATURES,
                           classements=natures.CLASSEMENTS)


@bp.get(f"{PREFIX}/import/modele.csv")
@agent_required()
def import_template():
    return download(importing.template_csv(), "modele-import-hebergeurs.csv")


def _dry_run(data: bytes):
    """Every row checked, nothing kept: (report, None) or (report or None, the refusal)."""
    try:
        return importing.import_hosts(db.session, data), None
    except UserError as refusal:
        return getattr(refusal, "report", None), refusal.message
    finally:
        db.session.rollback()


# --- personal data (administrators) -------------------------------------------------------


@bp.get(f"{PREFIX}/<int:host_id>/donnees.<fmt>")
@agent_required(Role.ADMINISTRATEUR)
def host_export(host_id, fmt):
    host = get_or_404(Host, host_id)
    if fmt not in ("json", "csv"):
        abort(404)
    done = db.attempt(gdpr.export_file, db.session, host, fmt, actor())
    return download(done.value, f"hebergeur-{host.id}.{fmt}")


@bp.post(f"{PREFIX}/<int:host_id>/effacer")
@agent_required(Role.ADMINISTRATEUR)
def host_erase(host_id):
    host = get_or_404(Host, host_id)
    if ActionForm().validate_on_submit() and request.form.get("confirmation") == "EFFACER":
        db.attempt(gdpr.erase_on_request, db.session, host, actor())
        flash("Les données personnelles de l'hébergeur sont effacées ; ses hébergements et ses "
              "déclarations restent, comme la loi l'exige.", "success")
    else:
        flash("Effacement non confirmé : tapez EFFACER pour confirmer.", "error")
    return redirect(url_for(".host_detail", host_id=host.id))


# --- acceptances of the legal texts (administrators) --------------------------------------


def acceptances_panel(kind: str) -> str:
    """The collectivité's legal-text page's panel: acceptances per version."""
    return render_template("hosts/console/_acceptances.html", kind=kind,
                           stats=admin.acceptance_stats(db.session, kind))


def publish_notice(kind: str) -> str:
    """The confirmation of a new version of a legal text: how many hosts it stops."""
    return render_template("hosts/console/_publish_notice.html", kind=kind,
                           accounts=admin.active_accounts(db.session))


@bp.get("/admin/textes/<kind>/<int:version>/en-attente")
@agent_required(Role.ADMINISTRATEUR)
def legal_pending(kind, version):
    """Hosts with an account who have not accepted this version yet, and those who have."""
    document = legal.version(db.session, kind, version)
    if document is None:
        abort(404)
    waiting, done = admin.acceptances(db.session, document)
    return render_template("hosts/console/legal_pending.html", document=document,
                           hosts=waiting, accepted=done)
