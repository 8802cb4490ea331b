"""Hosts in the console: list, search, filters, pages; create and correct; import with a preview
of the errors; letters for a selection; disable; reset on the host's behalf; GDPR."""

import csv
import io
import json
import re
from html import unescape

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


def test_import_reads_windows_1252_and_offers_a_template(as_agent, tenant):
    """Issue 13, item 12: the page offers the template and the accepted values, reads what a
    French Excel writes (Windows-1252) and says which encoding it read."""
    page = as_agent.get("/admin/hebergeurs/import").text
    assert "/admin/hebergeurs/import/modele.csv" in page
    assert "<code>chambre_hotes</code></th><td>Chambre d&#39;hôtes</td>" in page
    assert "<code>sans_objet</code> (sans objet)" in page and "<code>5</code> (5 étoiles)" in page
    template = as_agent.get("/admin/hebergeurs/import/modele.csv")
    assert template.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in template.headers["Content-Disposition"]
    assert template.data.decode("utf-8-sig").startswith("civilite;nom;prenom;adresse;")

    text = (FIXTURES / "hebergeurs.csv").read_text(encoding="utf-8")
    cp1252 = text.replace("Gîte des Lilas", "Gîte « Cœur de Lilas »").encode("cp1252")
    checked = as_agent.post("/admin/hebergeurs/import",
                            {"file": (io.BytesIO(cp1252), "excel.csv"), "preview": "y"},
                            content_type="multipart/form-data")
    assert "Fichier lu en Windows-1252. Vérifié : 3 hébergeur(s) à créer" in checked.text
    content = re.search(r'name="content" value="([^"]+)"', checked.text).group(1)
    signature = re.search(r'name="signature" value="([^"]+)"', checked.text).group(1)
    done = as_agent.post("/admin/hebergeurs/import", {"content": content,
                                                      "signature": signature, "confirm": "y"},
                         page="/admin/hebergeurs/import")
    assert done.status_code == 302
    with db.tenant_context(tenant):
        assert host_by_name("Martin").first_name == "Élodie"
        assert db.session.scalar(sa.select(Hebergement.id).where(
            Hebergement.name == "Gîte « Cœur de Lilas »")) is not None
    utf8 = as_agent.post("/admin/hebergeurs/import",
                         {"file": (io.BytesIO(template.data), "modele.csv"), "preview": "y"},
                         content_type="multipart/form-data")
    assert "Fichier lu en UTF-8. Vérifié : 0 hébergeur(s) à créer, 1 à compléter" in utf8.text


def test_letters_for_a_selection_are_prepared_then_taken_once(as_agent, imported, host_email):
    """Issue 12: a selection's letters are prepared by a task (inline here, at once), listed,
    downloaded once: the file, which holds live codes, is erased as it is taken."""
    with db.tenant_context(imported):
        ids = [host_by_name(n).id for n in ("Martin", "Petit", "Durand")]
    response = as_agent.post("/admin/hebergeurs/courriers",
                             {"host": [str(i) for i in ids], "format": "pdf", "confirm": "y"},
                             page="/admin/hebergeurs/")
    assert response.headers["Location"].endswith("/admin/hebergeurs/courriers")
    page = as_agent.get("/admin/hebergeurs/courriers")
    assert "Prêt" in page.text
    assert any("1 courrier(s) PDF" in m for m in messages(page.text))
    with db.tenant_context(imported):
        (batch,) = db.session.scalars(sa.select(LetterBatch)).all()
        batch_id = batch.id
    taken = as_agent.post(f"/admin/hebergeurs/courriers/{batch_id}/telecharger",
                          page="/admin/hebergeurs/courriers")
    assert taken.headers["Content-Type"] == "application/pdf"
    # Martin is active and Durand must reset: only Petit gets a letter.
    reader = PdfReader(io.BytesIO(taken.data))
    assert len(reader.pages) == 1 and "Petit" in reader.pages[0].extract_text()
    told = messages(as_agent.get("/admin/hebergeurs/courriers").text)
    assert any(f"Lot n° {batch_id} téléchargé" in m and "1 courrier(s)" in m
               and "codes valables jusqu'au" in m for m in told), told
    again = as_agent.post(f"/admin/hebergeurs/courriers/{batch_id}/telecharger",
                          page="/admin/hebergeurs/courriers", follow_redirects=True)
    assert any("plus disponible" in m for m in messages(again.text))
    with db.tenant_context(imported):
        assert db.session.get(LetterBatch, batch_id).content is None

    as_agent.post("/admin/hebergeurs/courriers",
                  {"host": [str(ids[1])], "format": "csv", "confirm": "y", "revoked": "1",
                   "revoke_ok": "y"}, page="/admin/hebergeurs/")
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


def page_text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_letters_say_first_who_is_skipped_and_what_stops_working(as_agent, imported,
                                                                 host_email):
    """Issue 13, item 9: ticking hosts shows what producing would do; nothing is produced
    until confirmed, and codes still working are revoked only once the agent says so."""
    with db.tenant_context(imported):
        ids = [str(host_by_name(n).id) for n in ("Martin", "Petit", "Durand")]

    def batches():
        with db.tenant_context(imported):
            return db.session.scalar(sa.select(sa.func.count()).select_from(LetterBatch))

    summary = as_agent.post("/admin/hebergeurs/courriers", {"host": ids, "format": "csv"},
                            page="/admin/hebergeurs/")
    assert summary.status_code == 200 and batches() == 0
    text = page_text(summary.text)
    assert "1 courrier(s) CSV seront produits" in text
    assert "Élodie Martin : compte déjà actif" in text
    assert "Paul Durand : compte d'avant 2019" in text
    assert "Aucun code déjà envoyé n'est remplacé" in text
    assert 'name="revoke_ok"' not in summary.text
    confirmed = as_agent.post("/admin/hebergeurs/courriers",
                              {"host": ids, "format": "csv", "confirm": "y", "revoked": "0"},
                              page="/admin/hebergeurs/")
    assert confirmed.status_code == 302 and batches() == 1

    # Petit's code, just produced, still works: a second batch (a CSV after the PDF, say)
    # says it will stop working and is refused until confirmed.
    again = as_agent.post("/admin/hebergeurs/courriers", {"host": ids, "format": "pdf"},
                          page="/admin/hebergeurs/")
    assert ("1 code(s) d'activation déjà envoyé(s) cesseront de fonctionner"
            in page_text(again.text))
    assert 'name="revoke_ok"' in again.text
    unticked = as_agent.post("/admin/hebergeurs/courriers",
                             {"host": ids, "format": "pdf", "confirm": "y", "revoked": "1"},
                             page="/admin/hebergeurs/")
    assert unticked.status_code == 200 and batches() == 1
    assert any("cochez la case" in m for m in messages(unticked.text))
    understated = as_agent.post("/admin/hebergeurs/courriers",
                                {"host": ids, "format": "pdf", "confirm": "y", "revoked": "0",
                                 "revoke_ok": "y"}, page="/admin/hebergeurs/")
    assert understated.status_code == 200 and batches() == 1
    with db.tenant_context(imported):
        petit = host_by_name("Petit")
        assert [c.state() for c in db.session.scalars(sa.select(ActivationCode).where(
            ActivationCode.host_id == petit.id))] == ["live"]
    done = as_agent.post("/admin/hebergeurs/courriers",
                         {"host": ids, "format": "pdf", "confirm": "y", "revoked": "1",
                          "revoke_ok": "y"}, page="/admin/hebergeurs/", follow_redirects=True)
    assert batches() == 2
    assert any("1 courrier(s) PDF" in m and "1 code(s) envoyé(s) auparavant cesseront" in m
               for m in messages(done.text))


def test_one_hosts_letter_replaces_a_working_code_only_when_confirmed(as_agent, imported):
    with db.tenant_context(imported):
        petit = host_by_name("Petit").id
        durand = host_by_name("Durand").id
    page = f"/admin/hebergeurs/{petit}"
    first = as_agent.post(f"{page}/courrier", page=page)
    assert first.headers["Content-Type"] == "application/pdf"
    told = messages(as_agent.get(page).text)
    assert any("Courrier produit pour Louis Petit (PDF)" in m for m in told), told
    assert 'name="revoke_ok"' in as_agent.get(page).text
    refused = as_agent.post(f"{page}/courrier", page=page, follow_redirects=True)
    assert any("Courrier non produit" in m for m in messages(refused.text))
    second = as_agent.post(f"{page}/courrier", {"revoke_ok": "y"}, page=page)
    assert second.headers["Content-Type"] == "application/pdf"
    assert any("le code précédent ne fonctionne plus" in m
               for m in messages(as_agent.get(page).text))
    with db.tenant_context(imported):
        assert sorted(c.state() for c in db.session.scalars(sa.select(ActivationCode).where(
            ActivationCode.host_id == petit))) == ["live", "revoked"]
    legacy = as_agent.post(f"/admin/hebergeurs/{durand}/courrier",
                           page=f"/admin/hebergeurs/{durand}", follow_redirects=True)
    assert any("Aucun courrier : compte d'avant 2019" in m for m in messages(legacy.text))


def test_a_prepared_file_is_erased_after_a_day_downloaded_or_not(as_agent, imported):
    from datetime import timedelta

    with db.tenant_context(imported):
        petit = host_by_name("Petit").id
    as_agent.post("/admin/hebergeurs/courriers",
                  {"host": [str(petit)], "format": "csv", "confirm": "y"},
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
