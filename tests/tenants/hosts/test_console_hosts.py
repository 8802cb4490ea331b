"""Hosts in the console: list, search, filters, pages; create and correct; import with a preview
of the errors; letters for a selection; disable; reset on the host's behalf; GDPR."""

import csv
import io
import json
import re

import sqlalchemy as sa
from pypdf import PdfReader

from plateforme import mail
from plateforme.database import db
from tenants.audit.models import AuditEvent
from tenants.collectivite.models import Acceptance
from tenants.hosts.models import ActivationCode, Hebergement, Host, LetterBatch
from tests.tenants.conftest import FIXTURES, host_by_name, messages

NEW_HOST = {"civility": "Mme", "last_name": "Roux", "first_name": "Anne",
            "address": "1 rue A", "postal_code": "07200", "city": "Aubenas",
            "phone": "", "email": "anne.roux@example.fr", "reference": "R9",
            "h_name": "Gîte A", "h_address": "1 rue A", "h_postal_code": "07200",
            "h_city": "Aubenas", "h_nature": "meuble", "h_classement": "2", "h_capacity": "4"}


def test_list_search_filters_and_states(as_agent, imported, host_email):
    page = as_agent.get("/admin/hebergeurs/").text
    assert "3 hébergeur(s)" in page
    assert "Martin" in page and "Petit" in page and "Durand" in page
    assert "Actif" in page and "Compte d&#39;avant 2019" in page and "Courrier à envoyer" in page
    assert "1 hébergeur(s)" in as_agent.get("/admin/hebergeurs/?q=lilas").text
    assert "1 hébergeur(s)" in as_agent.get("/admin/hebergeurs/?nature=camping").text
    assert "1 hébergeur(s)" in as_agent.get("/admin/hebergeurs/?etat=actif").text
    assert "1 hébergeur(s)" in as_agent.get("/admin/hebergeurs/?commune=vallon").text
    assert "1 hébergeur(s)" in as_agent.get("/admin/hebergeurs/?classement=3").text


def test_pages_of_fifty(as_agent, tenant):
    rows = ["civilite;nom;prenom;adresse;code_postal;commune;hebergement_nom;"
            "hebergement_adresse;hebergement_code_postal;hebergement_commune;nature;"
            "classement;capacite"]
    rows += [f"M.;Nom{i:03d};P;1 rue;07200;Aubenas;G{i};1 rue;07200;Aubenas;meuble;2;2"
             for i in range(60)]
    with db.tenant_context(tenant):
        from tenants.hosts import importing

        importing.import_hosts(db.session, "\n".join(rows).encode())
        db.session.commit()
    first = as_agent.get("/admin/hebergeurs/").text
    assert "page 1 sur 2" in first and "Nom049" in first and "Nom050" not in first
    assert "Nom050" in as_agent.get("/admin/hebergeurs/?page=2").text


def test_create_and_correct_a_host(as_agent, tenant):
    response = as_agent.post("/admin/hebergeurs/nouveau", NEW_HOST)
    assert response.status_code == 302
    with db.tenant_context(tenant):
        host = host_by_name("Roux")
        assert host.email == "anne.roux@example.fr" and host.hebergements[0].name == "Gîte A"
        host_id, item_id = host.id, host.hebergements[0].id
    edit = dict(NEW_HOST, address="2 rue B", email="anne@example.fr")
    assert as_agent.post(f"/admin/hebergeurs/{host_id}", edit).status_code == 302
    assert as_agent.post(f"/admin/hebergeurs/hebergements/{item_id}", {
        "name": "Gîte A", "address": "1 rue A", "postal_code": "07200", "city": "Aubenas",
        "nature": "meuble", "classement": "4", "capacity": "5"}).status_code == 302
    with db.tenant_context(tenant):
        host = host_by_name("Roux")
        assert (host.address, host.email) == ("2 rue B", "anne@example.fr")
        assert host.hebergements[0].classement == "4"
    duplicate = as_agent.post("/admin/hebergeurs/nouveau",
                              dict(NEW_HOST, reference="R10", email="anne@example.fr"))
    assert any("déjà utilisée" in m for m in messages(duplicate.text))


def test_import_shows_errors_first_then_imports(as_agent, tenant):
    bad = (FIXTURES / "hebergeurs.csv").read_text(encoding="utf-8").replace(";6\n", ";six\n")
    preview = as_agent.post("/admin/hebergeurs/import",
                            {"file": (io.BytesIO(bad.encode()), "h.csv"), "preview": "y"},
                            content_type="multipart/form-data")
    assert "ligne 2 :" in preview.text and "capacité « six »" in preview.text
    good = (FIXTURES / "hebergeurs.csv").read_bytes()
    checked = as_agent.post("/admin/hebergeurs/import",
                            {"file": (io.BytesIO(good), "h.csv"), "preview": "y"},
                            content_type="multipart/form-data")
    assert "3 hébergeur(s) à créer" in checked.text
    with db.tenant_context(tenant):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Host)) == 0
    content = re.search(r'name="content" value="([^"]+)"', checked.text).group(1)
    signature = re.search(r'name="signature" value="([^"]+)"', checked.text).group(1)
    forged = as_agent.post("/admin/hebergeurs/import", {"content": content,
                                                        "signature": "0" * 64, "confirm": "y"},
                           page="/admin/hebergeurs/import")
    assert forged.status_code == 400
    done = as_agent.post("/admin/hebergeurs/import", {"content": content,
                                                      "signature": signature, "confirm": "y"},
                         page="/admin/hebergeurs/import")
    assert done.status_code == 302
    with db.tenant_context(tenant):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Hebergement)) == 4


def test_letters_for_a_selection_are_prepared_then_taken_once(as_agent, imported, host_email):
    """Issue 12: a selection's letters are prepared by a task (inline here, at once), listed,
    downloaded once: the file, which holds live codes, is erased as it is taken."""
    with db.tenant_context(imported):
        ids = [host_by_name(n).id for n in ("Martin", "Petit", "Durand")]
    response = as_agent.post("/admin/hebergeurs/courriers",
                             {"host": [str(i) for i in ids], "format": "pdf"},
                             page="/admin/hebergeurs/")
    assert response.headers["Location"].endswith("/admin/hebergeurs/courriers")
    page = as_agent.get("/admin/hebergeurs/courriers")
    assert "Prêt" in page.text
    with db.tenant_context(imported):
        (batch,) = db.session.scalars(sa.select(LetterBatch)).all()
        batch_id = batch.id
    taken = as_agent.post(f"/admin/hebergeurs/courriers/{batch_id}/telecharger",
                          page="/admin/hebergeurs/courriers")
    assert taken.headers["Content-Type"] == "application/pdf"
    # Martin is active and Durand must reset: only Petit gets a letter.
    reader = PdfReader(io.BytesIO(taken.data))
    assert len(reader.pages) == 1 and "Petit" in reader.pages[0].extract_text()
    again = as_agent.post(f"/admin/hebergeurs/courriers/{batch_id}/telecharger",
                          page="/admin/hebergeurs/courriers", follow_redirects=True)
    assert any("plus disponible" in m for m in messages(again.text))
    with db.tenant_context(imported):
        assert db.session.get(LetterBatch, batch_id).content is None

    as_agent.post("/admin/hebergeurs/courriers", {"host": [str(ids[1])], "format": "csv"},
                  page="/admin/hebergeurs/")
    with db.tenant_context(imported):
        latest = max(db.session.scalars(sa.select(LetterBatch.id)).all())
    as_csv = as_agent.post(f"/admin/hebergeurs/courriers/{latest}/telecharger",
                           page="/admin/hebergeurs/courriers")
    rows = list(csv.DictReader(io.StringIO(as_csv.data.decode("utf-8-sig")), delimiter=";"))
    assert [r["nom"] for r in rows] == ["Petit"]
    with db.tenant_context(imported):
        codes = db.session.scalars(sa.select(ActivationCode).where(
            ActivationCode.host_id == ids[1])).all()
        assert sorted(c.state() for c in codes) == ["live", "revoked"]


def test_a_prepared_file_is_erased_after_a_day_downloaded_or_not(as_agent, imported):
    from datetime import timedelta

    with db.tenant_context(imported):
        petit = host_by_name("Petit").id
    as_agent.post("/admin/hebergeurs/courriers", {"host": [str(petit)], "format": "csv"},
                  page="/admin/hebergeurs/")
    with db.tenant_context(imported):
        (batch,) = db.session.scalars(sa.select(LetterBatch)).all()
        batch_id = batch.id
        batch.ready_at -= timedelta(hours=25)      # prepared yesterday
        db.session.commit()
    assert "Effacé" in as_agent.get("/admin/hebergeurs/courriers").text
    with db.tenant_context(imported):
        assert db.session.get(LetterBatch, batch_id).content is None


def test_disable_ends_the_hosts_sessions_and_reset_on_behalf(app, as_agent, logged_in,
                                                            imported):
    with db.tenant_context(imported):
        martin = host_by_name("Martin").id
    as_agent.post(f"/admin/hebergeurs/{martin}/desactiver", page=f"/admin/hebergeurs/{martin}")
    assert logged_in.get("/tableau-de-bord").status_code == 302
    assert "Désactivé" in as_agent.get(f"/admin/hebergeurs/{martin}").text
    as_agent.post(f"/admin/hebergeurs/{martin}/reactiver", page=f"/admin/hebergeurs/{martin}")
    as_agent.post(f"/admin/hebergeurs/{martin}/reinitialiser",
                  page=f"/admin/hebergeurs/{martin}")
    message = mail.outbox(app)[-1]
    assert message["To"] == "elodie.martin@example.fr"
    assert "/reinitialisation/" in message.get_body(("plain",)).get_content()
    with db.tenant_context(imported):
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert {"host.desactiver", "host.reactiver", "host.reinitialiser"} <= set(actions)


def test_gdpr_export_covers_everything_and_erasure_keeps_the_tax_records(as_admin, logged_in,
                                                                        imported):
    with db.tenant_context(imported):
        host = host_by_name("Martin")
        host_id, names = host.id, [h.name for h in host.hebergements]
    exported = json.loads(as_admin.get(f"/admin/hebergeurs/{host_id}/donnees.json").data)
    assert exported["hebergeur"]["courriel"] == "elodie.martin@example.fr"
    assert [h["nom"] for h in exported["hebergements"]] == names
    assert {a["document"] for a in exported["acceptations"]} == {"cgu", "privacy"}
    assert any(e["action"] == "login.success" for e in exported["journal"])
    assert "password" not in json.dumps(exported) and "argon2" not in json.dumps(exported)
    as_csv = as_admin.get(f"/admin/hebergeurs/{host_id}/donnees.csv").data.decode("utf-8-sig")
    assert "elodie.martin@example.fr" in as_csv and "Gîte des Lilas" in as_csv

    not_confirmed = as_admin.post(f"/admin/hebergeurs/{host_id}/effacer", {},
                                  page=f"/admin/hebergeurs/{host_id}", follow_redirects=True)
    assert "non confirmé" in not_confirmed.text
    as_admin.post(f"/admin/hebergeurs/{host_id}/effacer", {"confirmation": "EFFACER"},
                  page=f"/admin/hebergeurs/{host_id}")
    assert logged_in.get("/tableau-de-bord").status_code == 302
    with db.tenant_context(imported):
        host = db.session.get(Host, host_id)
        assert [h.name for h in host.hebergements] == names  # the tax records stay
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Acceptance)
                                 .where(Acceptance.host_id == host_id)) == 2
        personal = {host.first_name, host.last_name, host.address, host.email, host.phone,
                    host.password_hash}
        assert not personal & {"Élodie", "Martin", "12 rue des Lilas",
                               "elodie.martin@example.fr", "+33475123456"}
        assert host.password_hash is None and host.disabled_at is not None
        leftovers = " ".join(f"{e.actor_label} {e.target} {e.ip}" for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.actor_id == host_id,
                                              AuditEvent.actor_kind == "host")))
        assert "elodie" not in leftovers.lower() and "martin" not in leftovers.lower()


def test_the_collectivite_sets_an_hebergements_reference_commune_and_start(as_agent, imported):
    with db.tenant_context(imported):
        gite, studio = host_by_name("Martin").hebergements
        gite_id, studio_id = gite.id, studio.id
    fields = {"name": "Gîte des Lilas", "address": "12 rue des Lilas", "postal_code": "07200",
              "city": "Aubenas", "nature": "meuble", "classement": "3", "capacity": "6",
              "reference": "ENR-07019-001", "insee": "07019", "started_on": "2026-03-01"}
    assert as_agent.post(f"/admin/hebergeurs/hebergements/{gite_id}", fields).status_code \
        == 302
    page = as_agent.get(f"/admin/hebergeurs/hebergements/{gite_id}").text
    assert "ENR-07019-001" in page and "07019" in page and "2026-03-01" in page
    with db.tenant_context(imported):
        gite = db.session.get(Hebergement, gite_id)
        assert (gite.reference, gite.insee, gite.started_on.isoformat()) == (
            "ENR-07019-001", "07019", "2026-03-01")
    taken = as_agent.post(f"/admin/hebergeurs/hebergements/{studio_id}", dict(
        fields, name="Studio du Pont", classement="non_classe", capacity="2"))
    assert any("déjà utilisée" in m for m in messages(taken.text))
    bad = as_agent.post(f"/admin/hebergeurs/hebergements/{studio_id}", dict(
        fields, name="Studio du Pont", reference="", insee="7019"))
    assert any("INSEE" in m for m in messages(bad.text))
    with db.tenant_context(imported):
        studio = db.session.get(Hebergement, studio_id)
        assert (studio.reference, studio.insee, studio.name) == (None, None, "Studio du Pont")
