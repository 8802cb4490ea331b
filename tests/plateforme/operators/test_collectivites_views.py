"""The operators' pages on collectivités: the role matrix of each route (anonymous → login,
support reads but cannot write, opérateur writes, a collectivité's administrator gets nothing),
CSRF, onboarding from the form and its progress page, status and domains from the detail page,
each change journaled with who and from where."""

import io
import json
import re
import zipfile

import pytest
import sqlalchemy as sa

from plateforme import mail, provisioning, registry
from plateforme.database import db
from plateforme.operators import collectivites as service
from plateforme.operators.models import PlatformEvent
from tests.conftest import TEST_DOMAIN, get, host_of
from tests.plateforme.operators.conftest import OperatorClient
from tests.tenants.conftest import ConsoleClient, make_agent, messages

BASE = "/operateurs/collectivites"


def journal(slug):
    db.session.commit()  # ends the test's own savepoint: a fresh look
    return list(db.session.scalars(sa.select(PlatformEvent).where(
        PlatformEvent.collectivite == slug).order_by(PlatformEvent.id)))


def status(slug):
    db.session.commit()  # ends the test's own savepoint: a fresh look
    return registry.require(db.session, slug).status


def domain_id(slug, host):
    db.session.commit()  # ends the test's own savepoint: a fresh look
    return next(d.id for d in registry.require(db.session, slug).domains if d.host == host)


@pytest.fixture
def vallee(make_tenant):
    tenant = make_tenant("vallee", "Vallée Verte")
    provisioning.add_domain(db.session, service.current_platform(), "vallee",
                            "taxe.vallee-verte.fr")
    return tenant


def writes(slug, custom_id):
    """Every POST of this slice, with data an operator would send."""
    return [
        (f"{BASE}/nouvelle", {"slug": "neuve", "name": "Neuve",
                              "admin_email": "maire@neuve.fr"}),
        (f"{BASE}/{slug}/statut", {"change": "suspendre", "reason": "Contrat échu"}),
        (f"{BASE}/{slug}/domaines", {"host": "taxe.neuve.fr"}),
        (f"{BASE}/{slug}/domaines/{custom_id}/principal", {}),
        (f"{BASE}/{slug}/domaines/{custom_id}/retrait", {}),
        (f"{BASE}/{slug}/creation", {}),
        (f"{BASE}/{slug}/export", {}),
        (f"{BASE}/{slug}/suppression", {"confirmation": slug}),
    ]


READS = [f"{BASE}/", f"{BASE}/?q=vall&statut=active&type=commune&serveur=default",
         f"{BASE}/vallee", f"{BASE}/vallee/creation", "/operateurs/sante"]


def test_role_matrix(app, vallee, as_support, as_operator):
    custom = domain_id("vallee", "taxe.vallee-verte.fr")
    anonymous = OperatorClient(app)
    for path in READS:
        response = anonymous.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/operateurs/connexion")
        assert as_support.get(path).status_code == 200, path
        assert as_operator.get(path).status_code == 200, path
    assert as_support.get(f"{BASE}/nouvelle").status_code == 403
    assert anonymous.get(f"{BASE}/nouvelle").status_code == 302
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      as_support.get(f"{BASE}/vallee").text).group(1)
    for path, data in writes("vallee", custom):
        response = anonymous.post(path, data, page="/operateurs/connexion")
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/operateurs/connexion")
        refused = as_support.post(path, {**data, "csrf_token": token}, csrf=False)
        assert refused.status_code == 403, path
        assert "pas de modifier" in refused.text
    assert status("vallee") == "active"
    assert registry.get_by_slug(db.session, "neuve") is None
    assert journal("vallee") == []
    # Support sees no button that writes.
    page = as_support.get(f"{BASE}/vallee").text
    assert "Appliquer" not in page and "Ajouter le domaine" not in page
    assert "Nouvelle collectivité" not in as_support.get(f"{BASE}/").text


def test_a_collectivite_administrator_gets_nothing_here(app, vallee, monkeypatch):
    from tenants.access.rules import Role
    from tenants.agents import totp
    from tests.tenants.conftest import Clock

    clock = Clock()
    monkeypatch.setattr(totp.time, "time", clock.time)
    admin = ConsoleClient(app, host_of("vallee"))
    assert admin.console_login(*make_agent(vallee, "admin@vallee-verte.fr",
                                           Role.ADMINISTRATEUR), clock).status_code == 302
    for path in READS:
        assert admin.get(path).status_code == 404, path
        apex = admin.http.get(path, base_url=f"http://{TEST_DOMAIN}")
        assert apex.status_code == 302 and apex.headers["Location"].startswith(
            "/operateurs/connexion")


def test_posts_without_csrf_change_nothing(app, vallee, as_operator):
    custom = domain_id("vallee", "taxe.vallee-verte.fr")
    for path, data in writes("vallee", custom):
        response = as_operator.post(path, data, csrf=False)
        assert response.status_code == 400, path
    assert status("vallee") == "active"
    assert registry.get_by_slug(db.session, "neuve") is None
    db.session.commit()  # ends the test's own savepoint: a fresh look
    assert len(registry.require(db.session, "vallee").domains) == 2
    assert journal("vallee") == []


def test_onboarding_from_the_form_to_the_open_collectivite(app, as_operator):
    lookup = as_operator.get(f"{BASE}/nouvelle?recherche-siren=200071413")
    assert "Communauté d&#39;agglomération Privas Centre Ardèche" in lookup.text
    assert "07004 ; Ajoux ; 07000" in lookup.text
    unknown = as_operator.get(f"{BASE}/nouvelle?recherche-siren=123456782")
    assert "ne figurent au découpage administratif" in unknown.text

    refused = as_operator.post(f"{BASE}/nouvelle", {
        "slug": "privas", "siren": "200071414", "admin_email": "dgs@privas.fr"})
    assert refused.status_code == 200
    assert "Numéro SIREN « 200071414 » invalide : 9 chiffres attendus." in messages(refused.text)
    assert registry.get_by_slug(db.session, "privas") is None

    created = as_operator.post(f"{BASE}/nouvelle", {
        "slug": "privas", "siren": "200071413", "admin_email": "dgs@privas.fr"})
    assert created.headers["Location"] == f"{BASE}/privas/creation"
    progress = as_operator.get(f"{BASE}/privas/creation").text
    assert "La collectivité est ouverte" in progress
    assert 'http-equiv="refresh"' not in progress
    assert status("privas") == "active"
    assert [m["To"] for m in mail.outbox(app)] == ["dgs@privas.fr"]
    (event,) = journal("privas")
    assert event.action == "collectivite.created" and event.operator_email == "olga@taxesejour.fr"
    assert event.ip == "127.0.0.1"
    assert event.detail["nom"] == "Communauté d'agglomération Privas Centre Ardèche"
    assert event.detail["type"] == "communaute_d_agglomeration"
    detail = as_operator.get(f"{BASE}/privas").text
    assert "Ajoux (07004, 07000)" in detail
    assert "a créé la collectivité" in detail


def test_progress_refreshes_while_building_and_an_interrupted_run_is_finished(
        app, as_operator, as_support, monkeypatch):
    provisioning.register(db.session, service.current_platform(), slug="lente", name="Lente")
    page = as_operator.get(f"{BASE}/lente/creation").text
    assert '<meta http-equiv="refresh" content="3">' in page and "Rafraîchir maintenant" in page
    assert "Terminer la création" not in page

    def broken(*_args, **_kwargs):
        raise RuntimeError("disque plein")

    real = provisioning.build_schema
    monkeypatch.setattr(provisioning, "build_schema", broken)
    created = as_operator.post(f"{BASE}/nouvelle", {"slug": "vallee", "name": "Vallée Verte",
                                                    "admin_email": "maire@vallee-verte.fr"})
    assert created.status_code == 302
    page = as_operator.get(f"{BASE}/vallee/creation").text
    assert "disque plein" in page and "Terminer la création" in page
    assert 'http-equiv="refresh"' not in page
    assert "Terminer la création" not in as_support.get(f"{BASE}/vallee/creation").text
    assert "disque plein" in as_support.get("/operateurs/sante").text

    monkeypatch.setattr(provisioning, "build_schema", real)
    done = as_operator.post(f"{BASE}/vallee/creation", {}, follow_redirects=True)
    assert "Création relancée." in messages(done.text)
    assert "La collectivité est ouverte" in done.text
    assert status("vallee") == "active"
    assert [e.action for e in journal("vallee")] == [
        "collectivite.created", "collectivite.provisioning_resumed"]


def test_suspend_and_resume_from_the_detail_page(app, vallee, as_operator):
    page = as_operator.get(f"{BASE}/vallee").text
    assert "taxe.vallee-verte.fr. CNAME vallee.taxesejour.test." in page
    assert "Hébergeurs" in page and "Encaissé cette année" in page and "0,00" in page
    assert "(à jour)" in page

    empty = as_operator.post(f"{BASE}/vallee/statut", {"change": "suspendre", "reason": ""},
                             page=f"{BASE}/vallee")
    assert empty.status_code == 400 and status("vallee") == "active"
    done = as_operator.post(f"{BASE}/vallee/statut",
                            {"change": "suspendre", "reason": "Convention échue"},
                            page=f"{BASE}/vallee", follow_redirects=True)
    assert "« vallee » est désormais suspendue." in messages(done.text)
    assert "motif : Convention échue" in done.text
    assert get(app, host_of("vallee"), "/").status_code == 503
    twice = as_operator.post(f"{BASE}/vallee/statut",
                             {"change": "suspendre", "reason": "encore"}, page=f"{BASE}/vallee")
    assert twice.status_code == 400
    assert "Action impossible : « vallee » est suspendue." in messages(twice.text)
    as_operator.post(f"{BASE}/vallee/statut", {"change": "reactiver", "reason": "Signée"},
                     page=f"{BASE}/vallee")
    assert get(app, host_of("vallee"), "/").status_code == 200
    (suspended, resumed) = journal("vallee")
    assert (suspended.action, suspended.detail["motif"]) == ("collectivite.suspended",
                                                             "Convention échue")
    assert resumed.action == "collectivite.resumed"
    assert {e.operator_email for e in (suspended, resumed)} == {"olga@taxesejour.fr"}


def test_export_then_archive_then_delete_from_the_detail_page(app, vallee, as_operator):
    download = as_operator.post(f"{BASE}/vallee/export", {}, page=f"{BASE}/vallee")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/zip"
    assert "vallee-" in download.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    download.close()  # the server closes the spooled archive once sent
    assert manifest["collectivite"]["slug"] == "vallee" and manifest["tables"]
    assert "Supprimer définitivement" not in as_operator.get(f"{BASE}/vallee").text  # active
    refused = as_operator.post(f"{BASE}/vallee/suppression", {"confirmation": "vallee"},
                               page=f"{BASE}/vallee")
    assert refused.status_code == 400 and status("vallee") == "active"

    as_operator.post(f"{BASE}/vallee/statut", {"change": "archiver", "reason": "Fin de contrat"},
                     page=f"{BASE}/vallee")
    assert "Supprimer définitivement" in as_operator.get(f"{BASE}/vallee").text
    wrong = as_operator.post(f"{BASE}/vallee/suppression", {"confirmation": "valle"},
                             page=f"{BASE}/vallee")
    assert wrong.status_code == 400 and status("vallee") == "archived"
    assert any("tapez de nouveau" in m for m in messages(wrong.text))
    done = as_operator.post(f"{BASE}/vallee/suppression", {"confirmation": "vallee"},
                            page=f"{BASE}/vallee", follow_redirects=True)
    assert any("sont supprimées" in m for m in messages(done.text))
    assert status("vallee") == "deleted"
    assert [e.action for e in journal("vallee")] == [
        "collectivite.exported", "collectivite.archived", "collectivite.deleted"]


def test_domains_from_the_detail_page(app, vallee, as_operator):
    added = as_operator.post(f"{BASE}/vallee/domaines", {"host": "Taxe.Privas.fr"},
                             page=f"{BASE}/vallee", follow_redirects=True)
    assert "Domaine taxe.privas.fr ajouté." in messages(added.text)
    taken = as_operator.post(f"{BASE}/vallee/domaines", {"host": "taxe.privas.fr"},
                             page=f"{BASE}/vallee")
    assert taken.status_code == 400
    assert "Le domaine taxe.privas.fr est déjà attribué à cette collectivité." in \
        messages(taken.text)
    custom = domain_id("vallee", "taxe.privas.fr")
    as_operator.post(f"{BASE}/vallee/domaines/{custom}/principal", {}, page=f"{BASE}/vallee")
    db.session.commit()  # ends the test's own savepoint: a fresh look
    assert registry.require(db.session, "vallee").primary_domain.host == "taxe.privas.fr"
    refused = as_operator.post(f"{BASE}/vallee/domaines/{custom}/retrait", {},
                               page=f"{BASE}/vallee")
    assert refused.status_code == 400
    assert "choisissez-en d'abord un autre" in " ".join(messages(refused.text))
    own = domain_id("vallee", host_of("vallee"))
    as_operator.post(f"{BASE}/vallee/domaines/{own}/principal", {}, page=f"{BASE}/vallee")
    as_operator.post(f"{BASE}/vallee/domaines/{custom}/retrait", {}, page=f"{BASE}/vallee")
    db.session.commit()  # ends the test's own savepoint: a fresh look
    hosts = [d.host for d in registry.require(db.session, "vallee").domains]
    assert "taxe.privas.fr" not in hosts
    assert [e.action for e in journal("vallee")] == [
        "collectivite.domain_added", "collectivite.domain_primary",
        "collectivite.domain_primary", "collectivite.domain_removed"]


def test_list_search_and_pages(app, as_support):
    for i in range(27):  # registry rows are enough for the list
        provisioning.register(db.session, service.current_platform(), slug=f"commune-{i:02d}",
                              name=f"Commune {i:02d}")
    first = as_support.get(f"{BASE}/").text
    assert "27 collectivité(s), page 1 sur 2." in first
    assert "commune-24" in first and "commune-25" not in first
    second = as_support.get(f"{BASE}/?page=2").text
    assert "commune-25" in second and "commune-26" in second
    found = as_support.get(f"{BASE}/?q=COMMUNE+07").text
    assert "1 collectivité(s)." in found and "commune-07" in found
    none = as_support.get(f"{BASE}/?statut=active").text
    assert "0 collectivité(s)." in none
