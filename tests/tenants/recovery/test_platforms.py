"""A platform's statement uploaded in the console and matched against the collectivité's
hébergements and its hosts' declared platform stays; a bad file is refused line by line."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from plateforme.database import db
from tenants.audit.journal import Actor, ActorKind
from tenants.declarations import desk, filing
from tenants.declarations.computing import StayInput
from tests.tenants.declarations.conftest import hebergement
from tests.tenants.declarations.test_console import text

STATEMENTS = Path(__file__).resolve().parents[2] / "fixtures" / "platform_statements"


def upload(client, name: str, follow: bool = True):
    page = "/admin/recouvrement/plateformes"
    response = client.post(page, {"file": (io.BytesIO((STATEMENTS / name).read_bytes()),
                                           name)}, content_type="multipart/form-data")
    if follow and response.status_code == 302:
        return client.get(response.headers["Location"])
    return response


def test_a_statement_is_matched_to_hebergements_and_declared_stays(app, vallee, as_agent):
    with db.tenant_context(vallee):       # the Gîte declared 2 Airbnb nights × 2 persons in June
        item = hebergement("Gîte des Lilas")
        ctx = desk.Context(db.session, vallee.schema, filing.calendar_of(db.session),
                           Actor(ActorKind.HOST, item.host_id, "Élodie Martin"),
                           "Élodie Martin", date(2026, 8, 20))
        june = ctx.cal.period("2026-06")
        desk.add(ctx, item, june, StayInput(date(2026, 6, 5), date(2026, 6, 7), 2,
                                            channel="plateforme", platform="Airbnb"))
        desk.validate(ctx, item, june)
        db.session.commit()
    response = upload(as_agent, "airbnb_2026_s1.csv")
    assert response.status_code == 200, response.text
    page = text(response.text)
    assert "Relevé Airbnb du 01/01/2026 au 30/06/2026" in page
    assert "8 ligne(s), 152 nuitées, 284,24 € de taxe déclarée" in page
    assert "Lignes rapprochées d'un hébergement" in page
    assert "Gîte des Lilas (SOR-0001) Élodie Martin 10 4 Écart de -6 nuitée(s)" in page
    assert "Lignes sans hébergement reconnu" in page


def test_a_bad_statement_is_refused_line_by_line(app, vallee, as_agent):
    response = upload(as_agent, "bad.csv")
    assert response.status_code == 422
    page = text(response.text)
    assert "Le relevé n'est pas importé : 4 lignes à corriger." in page
    assert "ligne 3 : periode_debut « 2026-01-01 » invalide (JJ/MM/AAAA)" in page


def test_a_statement_is_kept_with_what_the_platform_paid(app, vallee, as_agent):
    statement = upload(as_agent, "airbnb_2026_s1.csv", follow=False)
    assert statement.status_code == 302
    path = statement.headers["Location"]
    refused = as_agent.post(path, {"amount": "zéro", "received_on": "2026-07-10"})
    assert refused.status_code == 422 and "n'est pas un montant" in text(refused.text)
    paid = as_agent.post(path, {"amount": "200,00", "received_on": "2026-07-10",
                                "reference": "VIR AIRBNB S1"})
    assert paid.status_code == 302
    listing = text(as_agent.get("/admin/recouvrement/plateformes").text)
    assert "du 01/01/2026 au 30/06/2026 8 152 284,24 € 200,00 € 84,24 €" in listing
    assert "VIR AIRBNB S1" in text(as_agent.get(path).text)
    with db.tenant_context(vallee):
        from tenants.recovery.models import PlatformPayment, PlatformStatement

        (kept,) = db.session.query(PlatformStatement).all()
        assert kept.content == (STATEMENTS / "airbnb_2026_s1.csv").read_bytes()
        assert db.session.query(PlatformPayment).one().statement_id == kept.id


def test_a_case_shows_what_a_platform_declared_for_the_hebergement(app, vallee, as_agent):
    from tests.tenants.recovery.conftest import run

    upload(as_agent, "airbnb_2026_s1.csv")
    run(app, "declarations", "remind", "vallee")
    run(app, "recovery", "run", "vallee", "--date", "2026-08-20")
    with db.tenant_context(vallee):
        from tenants.recovery.models import RecoveryCase

        case_id = db.session.query(RecoveryCase).filter_by(
            hebergement_id=hebergement("Gîte des Lilas").id).one().id
    page = text(as_agent.get(f"/admin/recouvrement/dossiers/{case_id}").text)
    assert "Ce que les plateformes ont déclaré pour cet hébergement" in page
    assert "Airbnb, relevé du 01/01/2026 au 30/06/2026 : 10 nuitées taxées par la plateforme" \
        in page
