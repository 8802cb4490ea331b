"""The operators' pages on collectivités (list, onboarding and its progress, one collectivité:
status, domains, figures, journal) and the platform's health. Reading: any operator; changing:
role « opérateur », each change one journaled transaction."""

from __future__ import annotations

import tempfile

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from plateforme import archive, communes, figures, registry
from plateforme.database import db
from plateforme.errors import UserError
from plateforme.operators import collectivites as service
from plateforme.operators import journal
from plateforme.operators.access import current_operator, operator_required
from plateforme.operators.forms import ActionForm
from plateforme.operators.navigation import PREFIX, add_menu_entry
from plateforme.routing import PlatformBlueprint

bp = PlatformBlueprint("operators_collectivites", __name__, url_prefix=PREFIX)

REQUIRED = "Ce champ est obligatoire."
#: While a collectivité is being created, its progress page reloads itself (no JavaScript).
REFRESH_SECONDS = 3


# --- forms ----------------------------------------------------------------------------------


def _choices(labels: dict, empty: str | None = None) -> list[SelectChoice]:
    return ([SelectChoice("", empty)] if empty else []) + [
        SelectChoice(k, v) for k, v in labels.items()]


class FilterForm(FlaskForm):
    """A GET form: nothing changes, no CSRF token."""

    class Meta:
        csrf = False

    q = StringField("Rechercher", [Optional(), Length(max=100)],
                    description="Une partie de l'identifiant, du nom ou du SIREN.")
    statut = SelectField("Statut", choices=[SelectChoice("", "Tous")] + [
        SelectChoice(k, v.capitalize()) for k, v in registry.STATUS_LABELS.items()], default="")
    type = SelectField("Type", choices=_choices(registry.KINDS, "Tous"), default="")
    serveur = SelectField("Serveur", choices=[SelectChoice("", "Tous")], default="")


class TerritoryForm(FlaskForm):
    class Meta:
        csrf = False

    siren = StringField("SIREN", [Optional(), Length(max=11)],
                        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    insee = StringField("Code INSEE (commune)", [Optional(), Length(max=5)],
                        render_kw={"autocomplete": "off"})


class OnboardingForm(FlaskForm):
    slug = StringField(
        "Identifiant", [DataRequired(REQUIRED), Length(max=40)],
        description="Son adresse sera identifiant.<domaine de la plateforme> : lettres "
                    "minuscules sans accent, chiffres et tirets, 40 caractères au plus.",
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    name = StringField("Nom", [Optional(), Length(max=200)],
                       description="Tel que les hébergeurs le lisent ; laissé vide, celui du "
                                   "découpage administratif d'après le SIREN ou le code INSEE.")
    kind = SelectField("Type", choices=_choices(
        registry.KINDS, "D'après le SIREN ou le code INSEE (sinon commune)"), default="")
    siren = StringField("SIREN", [Optional(), Length(max=11)],
                        description="9 chiffres (clé de Luhn vérifiée).",
                        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    insee = StringField("Code INSEE", [Optional(), Length(max=5)],
                        description="Pour une commune : 5 caractères (ex. 07186).",
                        render_kw={"autocomplete": "off"})
    communes = TextAreaField(
        "Communes couvertes", [Optional(), Length(max=100_000)],
        description="Une commune par ligne : code INSEE ; nom ; codes postaux (séparés par "
                    "des espaces). Laissé vide : celles du découpage administratif.",
        render_kw={"rows": 6, "spellcheck": "false"})
    admin_email = EmailField(
        "Courriel du premier administrateur", [DataRequired(REQUIRED), Length(max=254)],
        description="Il reçoit l'invitation à la console de la collectivité dès que son "
                    "espace est prêt.", render_kw={"autocomplete": "off", "spellcheck": "false"})
    submit = SubmitField("Créer la collectivité")


CHANGE_LABELS = {
    "suspendre": "Suspendre : ses pages répondent « service suspendu », rien n'est effacé",
    "reactiver": "Réactiver : ses pages rouvrent",
    "archiver": "Archiver : fin du contrat, ses pages restent fermées (sans retour)",
}


class StatusForm(FlaskForm):
    change = SelectField("Action", choices=_choices(CHANGE_LABELS))
    reason = TextAreaField("Motif", [DataRequired(REQUIRED), Length(max=service.REASON_MAX)],
                           description="Gardé au journal des opérateurs.",
                           render_kw={"rows": 2})


class DeletionForm(FlaskForm):
    confirmation = StringField("Identifiant de la collectivité, tapé de nouveau",
                               [DataRequired(REQUIRED), Length(max=40)],
                               render_kw={"autocomplete": "off", "spellcheck": "false"})
    submit = SubmitField("Supprimer définitivement ses données")


class DomainForm(FlaskForm):
    host = StringField("Domaine", [DataRequired(REQUIRED), Length(max=253)],
                       description="Par exemple taxedesejour.ville-exemple.fr.",
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    primary = BooleanField("En faire le domaine principal (liens des courriels et courriers)")
    submit = SubmitField("Ajouter le domaine")


# --- the list -------------------------------------------------------------------------------


@bp.get("/collectivites/")
@operator_required()
def index():
    form = FilterForm(request.args)
    form.serveur.choices += [SelectChoice(s, s) for s in service.servers(db.session)]
    valid = form.validate()
    filters = service.Filters(
        q=form.q.data or "", status=form.statut.data or "", kind=form.type.data or "",
        server=form.serveur.data or "", page=request.args.get("page", 1, type=int)) \
        if valid else service.Filters()
    found = service.search(db.session, filters)
    kept = {k: v for k, v in (("q", filters.q), ("statut", filters.status),
                              ("type", filters.kind), ("serveur", filters.server)) if v}
    return render_template("operators/collectivites/list.html", form=form, found=found,
                           kept=kept, can_write=current_operator().can_write)


# --- onboarding -----------------------------------------------------------------------------


@bp.route("/collectivites/nouvelle", methods=["GET", "POST"])
@operator_required("operateur")
def new():
    lookup = TerritoryForm(request.args, prefix="recherche")
    form = OnboardingForm()
    error = None
    if request.method == "GET" and (lookup.siren.data or lookup.insee.data):
        try:
            found = service.territory(lookup.siren.data, lookup.insee.data)
        except UserError as refusal:
            error = refusal.message
        else:
            if found is None:
                error = "Ni ce SIREN ni ce code INSEE ne figurent au découpage administratif."
            else:
                form.name.data, form.kind.data = found.name, found.kind
                form.siren.data, form.insee.data = found.siren or "", found.insee or ""
                form.communes.data = service.communes_text(found.communes)
    if form.validate_on_submit():
        done = db.attempt(_onboard, form)
        if done.ok:
            return redirect(url_for(".creation", slug=done.value))
        error = done.error
    return render_template("operators/collectivites/new.html", form=form, lookup=lookup,
                           error=error)


def _onboard(form: OnboardingForm) -> str:
    return service.onboard(
        db.session, service.current_platform(), slug=form.slug.data, name=form.name.data,
        kind=form.kind.data, siren=form.siren.data, insee=form.insee.data,
        admin_email=form.admin_email.data, communes=service.parse_communes(form.communes.data),
        operator=current_operator()).slug


@bp.get("/collectivites/<slug>/creation")
@operator_required()
def creation(slug):
    collectivite = _require(slug)
    state = service.progress(db.session, collectivite)
    return render_template("operators/collectivites/creation.html", collectivite=collectivite,
                           progress=state, refresh=None if state.done or state.can_finish
                           else REFRESH_SECONDS, action=ActionForm(),
                           can_write=current_operator().can_write)


@bp.post("/collectivites/<slug>/creation")
@operator_required("operateur")
def finish_creation(slug):
    if not ActionForm().validate_on_submit():
        abort(400)
    done = db.attempt(service.resume_provisioning, db.session, slug, current_operator())
    if done.ok:
        flash("Création relancée.", "success")
    else:
        flash(done.error, "error")
    return redirect(url_for(".creation", slug=slug))


# --- one collectivité -----------------------------------------------------------------------


def _require(slug: str):
    collectivite = registry.get_by_slug(db.session, slug)
    if collectivite is None:
        abort(404)
    return collectivite


@bp.get("/collectivites/<slug>")
@operator_required()
def detail(slug, status_form=None, domain_form=None, deletion_form=None, error=None,
           status=200):
    collectivite = _require(slug)
    platform = service.current_platform()
    domains = [(d, service.dns_record(d.host, slug, platform)) for d in collectivite.domains]
    version = service.version_of(db.state, collectivite) if service.has_schema(collectivite) \
        else None
    tenant = registry.tenant_info(collectivite)
    shown = figures.figures_of(tenant) if service.has_schema(collectivite) else []
    return render_template(
        "operators/collectivites/detail.html", collectivite=collectivite, domains=domains,
        version=version, figures=shown, url=platform.url,
        covered=communes.covered(db.session, collectivite),
        last_change=service.last_status_change(db.session, slug),
        events=journal.entries(db.session, collectivite=slug, per_page=20),
        onboarding=service.onboarding_of(db.session, slug),
        status_form=_status_form(collectivite, status_form),
        domain_form=domain_form or DomainForm(),
        deletion_form=_deletion_form(slug, deletion_form), error=error,
        can_write=current_operator().can_write), status


def _deletion_form(slug: str, form: DeletionForm | None = None) -> DeletionForm:
    form = form or DeletionForm()
    form.confirmation.description = f"Tapez « {slug} » pour confirmer."
    return form


def _status_form(collectivite, form: StatusForm | None = None) -> StatusForm:
    """Only the changes the collectivité's status allows."""
    form = form or StatusForm()
    form.change.choices = [SelectChoice(k, v) for k, v in CHANGE_LABELS.items()
                           if collectivite.status in service.CHANGES[k][0]]
    return form


@bp.post("/collectivites/<slug>/statut")
@operator_required("operateur")
def change_status(slug):
    _require(slug)
    form = StatusForm()
    if form.validate_on_submit():
        done = db.attempt(service.change_status, db.session, slug, form.change.data,
                          form.reason.data, current_operator())
        if done.ok:
            flash(f"« {slug} » est désormais {done.value.status_label}.", "success")
            return redirect(url_for(".detail", slug=slug))
        return detail(slug, status_form=form, error=done.error, status=400)
    return detail(slug, status_form=form, status=400)


@bp.post("/collectivites/<slug>/domaines")
@operator_required("operateur")
def add_domain(slug):
    _require(slug)
    form = DomainForm()
    if form.validate_on_submit():
        done = db.attempt(service.add_domain, db.session, service.current_platform(), slug,
                          form.host.data, form.primary.data, current_operator())
        if done.ok:
            flash(f"Domaine {done.value.host} ajouté.", "success")
            return redirect(url_for(".detail", slug=slug, _anchor="domaines"))
        return detail(slug, domain_form=form, error=done.error, status=400)
    return detail(slug, domain_form=form, status=400)


@bp.post("/collectivites/<slug>/domaines/<int:domain_id>/principal")
@operator_required("operateur")
def primary_domain(slug, domain_id):
    return _domain_action(slug, service.set_primary_domain, db.session, slug, domain_id,
                          current_operator())


@bp.post("/collectivites/<slug>/domaines/<int:domain_id>/retrait")
@operator_required("operateur")
def remove_domain(slug, domain_id):
    return _domain_action(slug, service.remove_domain, db.session, service.current_platform(), slug,
                          domain_id, current_operator())


def _domain_action(slug, action, *args):
    _require(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    done = db.attempt(action, *args)
    if done.ok:
        flash("Domaines enregistrés.", "success")
        return redirect(url_for(".detail", slug=slug, _anchor="domaines"))
    return detail(slug, error=done.error, status=400)


@bp.post("/collectivites/<slug>/export")
@operator_required("operateur")
def export(slug):
    """The archive `flask tenants export` writes (personal data: operators only, not support),
    built in a temporary file and streamed; journaled by the service."""
    _require(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    spool = tempfile.TemporaryFile()  # closed by send_file once sent
    try:
        archive.export_collectivite(db.state, db.session, slug, spool)
    except UserError as refused:
        spool.close()
        db.session.rollback()
        return detail(slug, error=str(refused), status=400)
    spool.seek(0)
    stamp = registry.utcnow().strftime("%Y%m%d-%H%M")
    return send_file(spool, mimetype="application/zip", as_attachment=True,
                     download_name=f"{slug}-{stamp}.zip")


@bp.post("/collectivites/<slug>/suppression")
@operator_required("operateur")
def delete_data(slug):
    _require(slug)
    form = DeletionForm()
    if form.validate_on_submit():
        done = db.attempt(archive.delete_collectivite_data, db.state, db.session, slug,
                          form.confirmation.data)
        if done.ok:
            flash(f"Les données de « {slug} » sont supprimées ; la collectivité reste au "
                  "registre, « supprimée ».", "success")
            return redirect(url_for(".detail", slug=slug))
        return detail(slug, deletion_form=form, error=done.error, status=400)
    return detail(slug, deletion_form=form, status=400)


# --- health ---------------------------------------------------------------------------------


@bp.get("/sante")
@operator_required()
def health():
    return render_template("operators/health.html",
                           health=service.health(db.state, db.session),
                           status_label=lambda status: registry.STATUS_LABELS.get(status, status))


def init_app(app) -> None:
    app.register_blueprint(bp)
    add_menu_entry(app, "Collectivités", "operators_collectivites.index", 20)
    add_menu_entry(app, "Santé de la plateforme", "operators_collectivites.health", 30)
