"""The pages of one hébergement × period, added to the host's blueprint and to the console's:
the same registre, import, "0 nuitée", validation and rectification, each audience with its
own access rule, its own way of finding the hébergement (the host's own only) and of saying who
acts (an agent gives a reason, kept on the draft and in the journal)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from flask import abort, flash, redirect, render_template, request, url_for

from plateforme.database import db
from plateforme.errors import UserError
from plateforme.routing import TenantBlueprint
from tenants.core.files import carried, carry, download
from tenants.core.forms import ActionForm
from tenants.core.pages import page_number
from tenants.declarations import desk, filing
from tenants.declarations.forms import (
    AgentValidateForm,
    ImportConfirmForm,
    ImportForm,
    StayForm,
    ValidateForm,
    ZeroForm,
)

ONE = "/<int:hebergement_id>/<period>"


@dataclass(frozen=True)
class Audience:
    access: Callable                 # the rule every view of the audience carries
    target: Callable                 # (hebergement_id, period key) → (hébergement, period) or 404
    context: Callable[[], desk.Context]
    page: str                        # the declaration page's template
    agent: bool = False


_ADDED: set[str] = set()


def add_routes(bp: TenantBlueprint, audience: Audience) -> None:
    """The declaration pages, on `bp`, for `audience` (once: blueprints outlive an app)."""
    if bp.name in _ADDED:
        return
    _ADDED.add(bp.name)
    target, context, agent = audience.target, audience.context, audience.agent

    def page_values(**values) -> dict:
        return {"ep": bp.name, "agent": agent, "labels": filing.labels(), **values}

    def back(hebergement, period, anchor: str = ""):
        return redirect(url_for(f"{bp.name}.declaration", hebergement_id=hebergement.id,
                                period=period.key) + anchor)

    def reason() -> str:
        return (request.form.get("reason") or "").strip()[:300] if agent else ""

    def acting(required: bool = False) -> desk.Context | None:
        """Who acts; for an agent opening or validating, None without a reason."""
        ctx = context()
        if agent and required and not reason():
            flash("Indiquez le motif : il est inscrit au journal.", "error")
            return None
        return desk.Context(ctx.session, ctx.schema, ctx.cal, ctx.by, ctx.by_name, ctx.today,
                            reason(), on_behalf=agent)

    def report(done, success: str) -> None:
        flash(done.error or success, "error" if done.error else "success")

    def declaration(hebergement_id, period):
        hebergement, chosen = target(hebergement_id, period)
        ctx = context()
        found = desk.desk(db.session, ctx.schema, hebergement, chosen, ctx.cal, ctx.today,
                          page_number(request.args.get("page")))
        return render_template(audience.page, **page_values(
            d=found, stay_form=StayForm(), import_form=ImportForm(), zero_form=ZeroForm(),
            action_form=ActionForm()))

    def stay_page(hebergement, period, form, stay, error=None):
        status = 400 if (error or form.errors) else 200
        return render_template("declarations/stay.html", **page_values(
            hebergement=hebergement, period=period, form=form, stay_form=form, stay=stay,
            error=error)), status

    def add_stay(hebergement_id, period):
        hebergement, chosen = target(hebergement_id, period)
        form = StayForm()
        if not form.validate_on_submit():
            return stay_page(hebergement, chosen, form, None)
        done = db.attempt(desk.add, acting(), hebergement, chosen, form.to_input())
        if done.error:
            return stay_page(hebergement, chosen, form, None, done.error)
        flash("Séjour enregistré.", "success")
        return back(hebergement, chosen, "#registre")

    def edit_stay(hebergement_id, period, stay_id):
        hebergement, chosen = target(hebergement_id, period)
        stay = filing.stay_of(db.session, hebergement.id, chosen.key, stay_id)
        if stay is None:
            abort(404)
        form = StayForm() if request.method == "POST" else StayForm.of(stay)
        if not form.validate_on_submit():
            return stay_page(hebergement, chosen, form, stay)
        done = db.attempt(desk.update, acting(), hebergement, chosen, stay_id, form.to_input())
        if done.error:
            return stay_page(hebergement, chosen, form, stay, done.error)
        flash("Séjour modifié.", "success")
        return back(hebergement, chosen, "#registre")

    def remove_stay(hebergement_id, period, stay_id):
        hebergement, chosen = target(hebergement_id, period)
        if ActionForm().validate_on_submit():
            report(db.attempt(desk.remove, acting(), hebergement, chosen, stay_id),
                   "Séjour supprimé.")
        return back(hebergement, chosen, "#registre")

    def zero(hebergement_id, period):
        hebergement, chosen = target(hebergement_id, period)
        form = ZeroForm()
        if form.validate_on_submit():
            # The form's `reason` is why nothing was let, never an agent's motive: an agent
            # opens the draft with theirs first.
            ctx = replace(acting(), reason="")
            report(db.attempt(desk.zero, ctx, hebergement, chosen, form.reason.data),
                   "Déclaration à 0 nuitée enregistrée : validez-la pour la transmettre.")
        else:
            flash("Choisissez la raison de la déclaration à 0 nuitée.", "error")
        return back(hebergement, chosen)

    def abandon(hebergement_id, period):
        hebergement, chosen = target(hebergement_id, period)
        if ActionForm().validate_on_submit():
            report(db.attempt(desk.abandon, acting(), hebergement, chosen),
                   "Le brouillon est abandonné.")
        return back(hebergement, chosen)

    def opening(hebergement_id, period, action, success: str):
        """A new draft: an agent says why."""
        hebergement, chosen = target(hebergement_id, period)
        ctx = acting(required=True)
        if ActionForm().validate_on_submit() and ctx is not None:
            report(db.attempt(action, ctx, hebergement, chosen), success)
        return back(hebergement, chosen)

    def rectify(hebergement_id, period):
        return opening(hebergement_id, period, desk.rectify,
                       "Rectification ouverte : corrigez les séjours puis validez-la.")

    def open_draft(hebergement_id, period):
        return opening(hebergement_id, period, desk.open_draft,
                       "Brouillon ouvert pour l'hébergeur.")

    def import_preview(hebergement_id, period):
        hebergement, chosen = target(hebergement_id, period)
        if not ImportForm().validate_on_submit():
            abort(400)
        data, extra = upload("file"), upload("extra")
        try:
            parsed = desk.read(data, extra or None)
        except UserError as refusal:
            flash(refusal.message, "error")
            return back(hebergement, chosen, "#importer")
        form = ImportConfirmForm()
        form.content.data, form.signature.data = carry(data)
        if extra:
            form.extra_content.data, form.extra_signature.data = carry(extra)
        return render_template("declarations/import_preview.html", **page_values(
            hebergement=hebergement, period=chosen, parsed=parsed, form=form,
            platforms=desk.platforms(parsed)))

    def import_confirm(hebergement_id, period):
        hebergement, chosen = target(hebergement_id, period)
        form = ImportConfirmForm()
        if not form.validate_on_submit():
            abort(400)
        data = carried(form.content.data, form.signature.data)
        extra = (carried(form.extra_content.data, form.extra_signature.data)
                 if form.extra_content.data else None)
        if data is None or (form.extra_content.data and extra is None):
            abort(400)
        done = db.attempt(desk.import_file, acting(), hebergement, chosen, data, extra,
                          collected())
        if done.error:
            flash(done.error, "error")
            return back(hebergement, chosen, "#importer")
        flash(f"{done.value.added} séjour(s) importé(s) dans le brouillon"
              + (f", dont {done.value.replaced} déjà importé(s) : remplacé(s)"
                 if done.value.replaced else "") + ".", "success")
        if done.value.elsewhere:
            flash(f"{len(done.value.elsewhere)} séjour(s) arrivé(s) hors de la période, non "
                  "importés ici : " + " ; ".join(done.value.elsewhere[:10]), "info")
        return back(hebergement, chosen, "#registre")

    def validate(hebergement_id, period):
        hebergement, chosen = target(hebergement_id, period)
        form = AgentValidateForm() if agent else ValidateForm()
        error = None
        if form.validate_on_submit():
            done = db.attempt(desk.validate, acting(), hebergement, chosen)
            if done.ok:
                flash(f"Déclaration validée : {done.value.reference}. L'état récapitulatif "
                      "est dans « Mes documents » de l'hébergeur.", "success")
                return back(hebergement, chosen)
            error = done.error
        ctx = context()
        return render_template("declarations/validate.html", **page_values(
            form=form, error=error,
            d=desk.desk(db.session, ctx.schema, hebergement, chosen, ctx.cal, ctx.today)))

    def recap(hebergement_id, period, version):
        hebergement, chosen = target(hebergement_id, period)
        found = filing.validated_version(db.session, hebergement.id, chosen.key, version)
        if found is None:
            abort(404)
        return download(found.recap_pdf,
                        f"etat-recapitulatif-{found.reference}-v{found.version}.pdf")

    for rule, view, methods in (
            (ONE, declaration, ["GET"]),
            (f"{ONE}/sejours", add_stay, ["POST"]),
            (f"{ONE}/sejours/<int:stay_id>", edit_stay, ["GET", "POST"]),
            (f"{ONE}/sejours/<int:stay_id>/supprimer", remove_stay, ["POST"]),
            (f"{ONE}/zero", zero, ["POST"]),
            (f"{ONE}/abandonner", abandon, ["POST"]),
            (f"{ONE}/rectifier", rectify, ["POST"]),
            (f"{ONE}/ouvrir", open_draft, ["POST"]),
            (f"{ONE}/import", import_preview, ["POST"]),
            (f"{ONE}/import/confirmer", import_confirm, ["POST"]),
            (f"{ONE}/valider", validate, ["GET", "POST"]),
            (f"{ONE}/etat-recapitulatif-v<int:version>.pdf", recap, ["GET"])):
        if view is open_draft and not agent:
            continue
        bp.add_url_rule(rule, view.__name__, audience.access(view), methods=methods)


def upload(name: str) -> bytes:
    found = request.files.get(name)
    return found.read() if found and found.filename else b""


def collected() -> dict[str, bool]:
    """The host's answer, per platform, to "did it collect the tax?" (`collecte-<platform>`)."""
    prefix = "collecte-"
    return {key[len(prefix):]: value == "oui" for key, value in request.form.items()
            if key.startswith(prefix)}
