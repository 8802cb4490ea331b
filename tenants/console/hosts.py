"""Hosts in the console: find, create, correct, import, letters, codes, disable, reset, GDPR.
Agents and administrators alike ("follow hosts and letters")."""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, HiddenField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from plateforme import mail
from plateforme.database import db
from plateforme.errors import UserError
from plateforme.provisioning import Platform
from plateforme.routing import TenantBlueprint
from plateforme.tenancy import current_tenant
from tenants import accounts, activation, auth, host_admin, hosts, importing, letters
from tenants.console.access import agent_required, record
from tenants.console.forms import ActionForm
from tenants.forms import HebergementForm, PersonalForm
from tenants.hosts import Hebergement, Host
from tenants.identity import keys

bp = TenantBlueprint("console_hosts", __name__, url_prefix="/admin/hebergeurs")

PER_PAGE = 50


class HostForm(PersonalForm):
    email = EmailField("Courriel (identifiant ; facultatif)", [Optional(), Length(max=254)],
                       render_kw={"autocomplete": "off"})
    reference = StringField("Référence de la collectivité (facultative)", [Length(max=64)])
    submit = SubmitField("Enregistrer")


class NewHostForm(HostForm):
    h_name = StringField("Nom de l'hébergement", [Length(max=200)])
    h_address = StringField("Adresse de l'hébergement", [Length(max=200)])
    h_postal_code = StringField("Code postal de l'hébergement", [Length(max=10)])
    h_city = StringField("Commune de l'hébergement", [Length(max=100)])
    h_nature = SelectField("Nature", choices=[SelectChoice(k, v[0])
                                              for k, v in hosts.NATURES.items()])
    h_classement = SelectField("Classement", choices=[SelectChoice(k, v)
                                                      for k, v in hosts.CLASSEMENTS.items()])
    h_capacity = StringField("Capacité d'accueil (personnes)", [Length(max=6)],
                             render_kw={"inputmode": "numeric"})
    submit = SubmitField("Créer l'hébergeur")


class ImportForm(FlaskForm):
    file = FileField("Fichier CSV (UTF-8, séparateur ; ou ,)")
    content = HiddenField()
    signature = HiddenField()
    preview = SubmitField("Vérifier le fichier")
    confirm = SubmitField("Importer")


def _filters() -> host_admin.Filters:
    args = request.args
    return host_admin.Filters(text=args.get("q", "").strip()[:100],
                              commune=args.get("commune", "").strip()[:100],
                              nature=args.get("nature", ""), classement=args.get("classement",
                                                                                 ""),
                              state=args.get("etat", ""))


def _host_or_404(host_id: int) -> Host:
    host = db.session.get(Host, host_id)
    if host is None:
        abort(404)
    return host


@bp.get("/")
@agent_required()
def host_list():
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = host_admin.search(db.session, _filters(), page, PER_PAGE)
    return render_template("console/hosts/list.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), states=host_admin.STATES,
                           natures=hosts.NATURES, classements=hosts.CLASSEMENTS,
                           action_form=ActionForm())


@bp.route("/nouveau", methods=["GET", "POST"])
@agent_required()
def host_new():
    form = NewHostForm()
    error = None
    if form.validate_on_submit():
        data = form.data
        hebergement = {k[2:]: v for k, v in data.items() if k.startswith("h_")}
        error = db.attempt(_create, data, hebergement)
        if error is None:
            flash("Hébergeur créé : produisez son courrier d'activation.", "success")
            return redirect(url_for(".host_list", q=data["last_name"]))
    return render_template("console/hosts/new.html", form=form, error=error)


def _create(data, hebergement):
    host = host_admin.create_host(db.session, data, hebergement)
    record("host.created", host.full_name, host_id=host.id)


@bp.route("/<int:host_id>", methods=["GET", "POST"])
@agent_required()
def host_detail(host_id):
    host = _host_or_404(host_id)
    form = HostForm(obj=None if request.method == "POST" else _host_data(host))
    error = None
    if form.validate_on_submit():
        error = db.attempt(_update, host, form.data)
        if error is None:
            flash("Hébergeur enregistré.", "success")
            return redirect(url_for(".host_detail", host_id=host.id))
    live = accounts.live_code(db.session, host)
    state = host_admin.state_of(host, live is not None)
    return render_template("console/hosts/detail.html", host=host, form=form, error=error,
                           state=host_admin.STATES[state], action_form=ActionForm(),
                           hebergement_form=HebergementForm(prefix="nouveau"))


def _host_data(host):
    data = activation.details_data(host)
    data.email, data.reference = host.email, host.reference
    return data


def _update(host, data):
    activation.update_details(host, data)
    host_admin.set_email(db.session, host, data.get("email"))
    host_admin.set_reference(db.session, host, data.get("reference"))
    record("host.updated", host.full_name, host_id=host.id)


@bp.post("/<int:host_id>/hebergements")
@agent_required()
def hebergement_add(host_id):
    host = _host_or_404(host_id)
    form = HebergementForm(prefix="nouveau")
    if form.validate_on_submit():
        error = db.attempt(_add_hebergement, host, form.data)
        flash(error or "Hébergement ajouté.", "error" if error else "success")
    else:
        flash("Hébergement non ajouté : complétez tous les champs.", "error")
    return redirect(url_for(".host_detail", host_id=host.id))


def _add_hebergement(host, data):
    item = Hebergement(name="", address="", postal_code="", city="", nature="meuble",
                       classement="non_classe", capacity=1)
    activation.update_hebergement(item, data)
    host.hebergements.append(item)
    record("hebergement.created", item.name, host_id=host.id)


@bp.route("/hebergements/<int:hebergement_id>", methods=["GET", "POST"])
@agent_required()
def hebergement_edit(hebergement_id):
    item = db.session.get(Hebergement, hebergement_id)
    if item is None:
        abort(404)
    form = HebergementForm(obj=None if request.method == "POST" else item)
    error = None
    if form.validate_on_submit():
        error = db.attempt(_update_hebergement, item, form.data)
        if error is None:
            flash("Hébergement enregistré.", "success")
            return redirect(url_for(".host_detail", host_id=item.host_id))
    return render_template("console/hosts/hebergement.html", form=form, item=item, error=error)


def _update_hebergement(item, data):
    activation.update_hebergement(item, data)
    record("hebergement.updated", item.name, hebergement_id=item.id)


# --- account actions --------------------------------------------------------------------


@bp.post("/<int:host_id>/<action>")
@agent_required()
def host_action(host_id, action):
    host = _host_or_404(host_id)
    if action not in ("desactiver", "reactiver", "reinitialiser", "courrier"):
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    if action == "courrier":
        return _letters_response([host], request.form.get("format", "pdf"), reissue=True)
    if action == "desactiver":
        host_admin.disable(db.session, host)
        message = "Compte désactivé ; ses sessions sont fermées."
    elif action == "reactiver":
        host_admin.enable(host)
        message = "Compte réactivé."
    else:
        email = auth.request_reset(db.session, keys(), host.email or "", auth._reset_link)
        if email is None:
            flash("Pas de courriel : cet hébergeur n'a pas d'adresse électronique.", "error")
            return redirect(url_for(".host_detail", host_id=host.id))
        mail.send(email)
        message = f"Courriel de réinitialisation envoyé à {host.email}."
    record(f"host.{action}", host.full_name, host_id=host.id)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".host_detail", host_id=host.id))


@bp.post("/courriers")
@agent_required()
def selection_letters():
    """Letters for the hosts ticked in the list (each gets a new code)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    ids = [int(i) for i in request.form.getlist("host") if i.isdigit()]
    selected = db.session.query(Host).filter(Host.id.in_(ids)).all() if ids else []
    if not selected:
        flash("Cochez au moins un hébergeur.", "error")
        return redirect(url_for(".host_list"))
    return _letters_response(selected, request.form.get("format", "pdf"), reissue=True)


def _letters_response(selected, fmt, reissue):
    eligible = [h for h in selected if letters.may_receive(h)]
    if not eligible:
        flash("Aucun courrier : les hébergeurs choisis ont déjà un compte actif, sont "
              "désactivés ou doivent réinitialiser leur mot de passe.", "error")
        return redirect(request.referrer or url_for(".host_list"))
    fmt = "csv" if fmt == "csv" else "pdf"
    content, issued = letters.produce(db.session, keys(), eligible, fmt,
                                      Platform.from_config(current_app.config), current_tenant(),
                                      current_app.config["ACTIVATION_CODE_DAYS"])
    mimetype = "text/csv" if fmt == "csv" else "application/pdf"
    name = f"courriers.{fmt}"
    record("letters.produced", f"{len(issued)} courrier(s)", format=fmt,
           host_ids=[x.host_id for x in issued])
    db.session.commit()
    response = make_response(content)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- import -------------------------------------------------------------------------------


def _sign(content: bytes) -> str:
    return hmac.new(keys().token_digest("import", "key").encode(), content,
                    hashlib.sha256).hexdigest()


@bp.route("/import", methods=["GET", "POST"])
@agent_required()
def host_import():
    """Check the file and show its errors (nothing saved); then import it, all rows or none."""
    form = ImportForm()
    report = error = None
    content = ""
    if form.validate_on_submit():
        if form.confirm.data and form.content.data:
            data = base64.b64decode(form.content.data)
            if not hmac.compare_digest(_sign(data), form.signature.data or ""):
                abort(400)
            try:
                report = importing.import_hosts(db.session, data)
                record("hosts.imported", f"{report.hosts_created} hébergeur(s)",
                       hebergements=report.hebergements_created)
                db.session.commit()
            except UserError as exc:
                db.session.rollback()
                error = exc.message
                report = getattr(exc, "report", None)
            else:
                flash(f"{report.hosts_created} hébergeur(s) créé(s), {report.hosts_updated} "
                      f"complété(s), {report.hebergements_created} hébergement(s) créé(s).",
                      "success")
                return redirect(url_for(".host_list"))
        else:
            upload = request.files.get("file")
            data = upload.read() if upload else b""
            try:
                report = importing.import_hosts(db.session, data)  # a dry run
            except UserError as exc:
                error = exc.message
                report = getattr(exc, "report", None)
            else:
                content = base64.b64encode(data).decode()
                form.signature.data = _sign(data)
            db.session.rollback()
    return render_template("console/hosts/import.html", form=form, report=report, error=error,
                           content=content)


# --- personal data (administrators) -----------------------------------------------------


@bp.get("/<int:host_id>/donnees.<fmt>")
@agent_required("admin")
def host_export(host_id, fmt):
    host = _host_or_404(host_id)
    if fmt not in ("json", "csv"):
        abort(404)
    data = host_admin.export(db.session, host)
    record("host.exported", host.full_name, host_id=host.id, format=fmt)
    db.session.commit()
    body = host_admin.export_json(data) if fmt == "json" else host_admin.export_csv(data)
    response = make_response(body)
    response.headers["Content-Type"] = ("application/json" if fmt == "json"
                                        else "text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="hebergeur-{host.id}.{fmt}"'
    return response


@bp.post("/<int:host_id>/effacer")
@agent_required("admin")
def host_erase(host_id):
    host = _host_or_404(host_id)
    if ActionForm().validate_on_submit() and request.form.get("confirmation") == "EFFACER":
        host_admin.erase(db.session, host)
        record("host.erased", f"hébergeur n°{host.id}", host_id=host.id)
        db.session.commit()
        flash("Les données personnelles de l'hébergeur sont effacées ; ses hébergements et ses "
              "déclarations restent, comme la loi l'exige.", "success")
    else:
        flash("Effacement non confirmé : tapez EFFACER pour confirmer.", "error")
    return redirect(url_for(".host_detail", host_id=host.id))
