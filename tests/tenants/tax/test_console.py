"""Deliberations in the console: agents see the one in force and the history; administrators
import the DELTA file for their own collectivité, type a deliberation and correct it, each
checked against the law and journaled."""

import io

import sqlalchemy as sa

from plateforme import registry
from plateforme.database import db
from tenants.audit.models import AuditEvent
from tenants.tax import deliberations
from tenants.tax.models import Deliberation
from tests.tenants.conftest import ConsoleClient, messages
from tests.tenants.tax.test_import import FIXTURE, names_in_force

PARIS_LIKE = {
    "year": "2026", "name": "COMMUNAUTE VALLEE VERTE", "siren": "200068609",
    "adopted_on": "2025-06-20", "entered_on": "",
    "communes": "07019 Aubenas\n07102 Labégude",
    **{f"regimes-nature_{n}": "reel" for n in range(1, 12)},
    "periods-0-start": "01/01", "periods-0-end": "31/12",
    "periods-0-cat_1": "4,00", "periods-0-cat_2": "3,00", "periods-0-cat_3": "2,30",
    "periods-0-cat_4": "1,50", "periods-0-cat_5": "0,90", "periods-0-cat_6": "0,80",
    "periods-0-cat_7": "0,60", "periods-0-cat_8": "0,20", "periods-0-cat_9": "4",
    "low_rent_night": "1,00", "departementale": "y",
}


def upload(client, data: bytes):
    return client.post("/admin/deliberations/import",
                       {"file": (io.BytesIO(data), "delta.xml")},
                       page="/admin/deliberations/", content_type="multipart/form-data")


def test_an_administrator_imports_the_file_for_the_collectivite_alone(app, tenant, as_admin):
    done = upload(as_admin, FIXTURE.read_bytes())
    assert done.status_code == 302
    page = as_admin.get(done.headers["Location"]).text
    assert any("son chargement est en cours" in m for m in messages(page))
    assert "Fichier DELTA 2026 : 0 chargée(s)" in page      # the task's result, shown
    # "vallee" has no SIREN nor INSEE in the registry: nothing in the file is its own.
    assert names_in_force(tenant) == {}


def test_imported_deliberations_are_shown_in_force_with_their_history(app, tenant, as_admin,
                                                                      agent, clock):
    registry.require(db.session, "vallee").siren = "200068609"  # the EPCI of the file
    db.session.commit()
    upload(as_admin, FIXTURE.read_bytes())
    as_agent = ConsoleClient(app, "vallee.taxesejour.test")
    as_agent.console_login(*agent, clock)
    page = as_agent.get("/admin/deliberations/?annee=2026").text
    assert "AUBENAS (07019)" in page and "LABEGUDE (07102)" in page
    assert "Saisir une délibération" not in page  # agents read, administrators change
    with db.tenant_context(tenant):
        aubenas = db.session.scalar(sa.select(Deliberation).where(Deliberation.name == "AUBENAS"))
    detail = as_agent.get(f"/admin/deliberations/{aubenas.id}").text
    assert "Du 01/07 au 31/12" in detail and "5\u00a0%" in detail
    assert "Taxe additionnelle départementale : 10\u00a0%" in detail
    assert as_agent.get(f"/admin/deliberations/{aubenas.id}/corriger").status_code == 403


def test_a_broken_file_is_refused_and_loads_nothing(app, tenant, as_admin):
    done = upload(as_admin, FIXTURE.read_bytes()[:3000])
    page = as_admin.get(done.headers["Location"]).text
    assert "<strong>refusé</strong> – Fichier DELTA tronqué" in page
    with db.tenant_context(tenant):
        assert deliberations.grid(db.session, 2026) == {}


def test_typing_a_deliberation_checks_it_against_the_law(app, tenant, as_admin):
    upload(as_admin, FIXTURE.read_bytes())  # the 2026 grid
    above = as_admin.post("/admin/deliberations/nouvelle",
                          {**PARIS_LIKE, "periods-0-cat_2": "3,90"})
    assert above.status_code == 200
    assert "3,90\u00a0€ est au-dessus du plafond légal 2026 de 3,60\u00a0€" in above.text
    with db.tenant_context(tenant):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Deliberation)) == 0
    saved = as_admin.post("/admin/deliberations/nouvelle", PARIS_LIKE)
    assert saved.status_code == 302, saved.text
    assert names_in_force(tenant) == {"07019": "COMMUNAUTE VALLEE VERTE",
                                      "07102": "COMMUNAUTE VALLEE VERTE"}


def test_a_correction_is_a_new_version_and_the_history_keeps_both(app, tenant, as_admin):
    upload(as_admin, FIXTURE.read_bytes())
    first = as_admin.post("/admin/deliberations/nouvelle", PARIS_LIKE)
    detail = first.headers["Location"]
    form = as_admin.get(detail + "/corriger").text
    assert 'value="1,50"' in form and "07019 Aubenas" in form
    corrected = as_admin.post(detail + "/corriger", {**PARIS_LIKE, "periods-0-cat_4": "1,60"})
    assert corrected.status_code == 302
    with db.tenant_context(tenant):
        rows = db.session.scalars(sa.select(Deliberation).order_by(Deliberation.id)).all()
        assert [(r.version, r.key) for r in rows] == [(1, rows[0].key), (2, rows[0].key)]
        (in_force, _other) = deliberations.in_force(db.session, 2026)
        assert in_force.deliberation.version == 2
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "tax.deliberation_recorded" in actions and "tax.deliberation_corrected" in actions
    history = as_admin.get("/admin/deliberations/?annee=2026").text
    assert history.count("COMMUNAUTE VALLEE VERTE") >= 3  # in force twice, two versions


def test_a_forfait_for_unclassified_accommodation_is_refused(app, tenant, as_admin):
    upload(as_admin, FIXTURE.read_bytes())
    refused = as_admin.post("/admin/deliberations/nouvelle",
                            {**PARIS_LIKE, "regimes-nature_10": "forfait"})
    assert "Forfait refusé pour les hébergements sans classement" in refused.text


def test_a_year_without_its_grid_is_refused(app, tenant, as_admin):
    refused = as_admin.post("/admin/deliberations/nouvelle", {**PARIS_LIKE, "year": "2027"})
    assert "La grille légale de 2027 n&#39;est pas connue" in refused.text


def test_on_the_queue_the_file_waits_for_the_worker_and_the_page_says_so(
        app, tenant, as_admin, jobs_on_redis):
    """Issue 12: the DELTA import from the console runs as a task, out of the request."""
    from plateforme import jobs

    upload(as_admin, FIXTURE.read_bytes())
    assert "chargement en cours" in as_admin.get("/admin/deliberations/").text
    with db.tenant_context(tenant):
        assert deliberations.grid(db.session, 2026) == {}
    jobs.work(app, burst=True)
    page = as_admin.get("/admin/deliberations/").text
    assert "Fichier DELTA 2026 : 0 chargée(s)" in page
    with db.tenant_context(tenant):
        assert deliberations.grid(db.session, 2026) != {}


def test_an_empty_file_is_refused_at_once(as_admin):
    done = upload(as_admin, b"")
    page = as_admin.get(done.headers["Location"]).text
    assert any("Choisissez le fichier DELTA" in m or "vide" in m for m in messages(page))
