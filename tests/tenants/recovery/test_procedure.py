"""The procedure through `flask recovery run --date`: the declarations' reminder opens it, the
mise en demeure follows the collectivité's delay, the avis de taxation d'office 30 days later
with every mention R2333-48 requires, the amount from the engine and 0.20 % interest per month;
a declaration or a payment stops it where it stands; nothing is done twice."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from pypdf import PdfReader

from plateforme import mail
from plateforme.database import db
from tenants.audit.journal import Actor, ActorKind
from tenants.declarations import desk, filing
from tenants.declarations.computing import StayInput
from tenants.payments import paying
from tenants.recovery.models import RecoveryCase, RecoveryDocument
from tenants.recovery.procedure import interest
from tests.tenants.conftest import host_by_name
from tests.tenants.declarations.conftest import hebergement
from tests.tenants.recovery.conftest import run, steps


def text_of(pdf: bytes) -> str:
    raw = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(raw.replace("\u00a0", " ").replace("\u202f", " ").split())


def cases() -> dict[tuple[str, str], RecoveryCase]:
    db.session.expire_all()
    found = {}
    for case in db.session.scalars(sa.select(RecoveryCase)):
        found[(db.session.get(type(hebergement("Gîte des Lilas")), case.hebergement_id)
               .reference, case.period)] = case
    return found


def test_interest_is_020_percent_per_whole_month_since_the_deadline():
    tax = Decimal("100.00")
    assert interest(tax, date(2026, 7, 15), date(2026, 8, 14)) == Decimal("0.00")
    assert interest(tax, date(2026, 7, 15), date(2026, 8, 15)) == Decimal("0.20")
    assert interest(tax, date(2026, 7, 15), date(2026, 10, 4)) == Decimal("0.40")
    assert interest(tax, date(2026, 7, 15), date(2027, 7, 15)) == Decimal("2.40")
    assert interest(Decimal("95.04"), date(2026, 7, 15), date(2026, 10, 4)) == Decimal("0.38")


def test_a_late_host_goes_from_reminder_to_mise_en_demeure_to_taxation_d_office(app, vallee):
    assert run(app, "declarations", "remind", "vallee").exit_code == 0   # June's "after"
    assert steps(run(app, "recovery", "run", "vallee", "--date", "2026-08-20")) == [
        "rappel SOR-0001 2026-06", "rappel SOR-0002 2026-06"]
    assert steps(run(app, "recovery", "run", "vallee", "--date", "2026-08-20")) == []
    assert steps(run(app, "recovery", "run", "vallee", "--date", "2026-09-03")) == []
    assert steps(run(app, "recovery", "run", "vallee", "--date", "2026-09-04")) == [
        "mise_en_demeure SOR-0001 2026-06", "mise_en_demeure SOR-0002 2026-06"]
    assert steps(run(app, "recovery", "run", "vallee", "--date", "2026-09-20")) == []
    with db.tenant_context(vallee):
        (notice,) = db.session.scalars(sa.select(RecoveryDocument)).all()
        assert notice.kind == "mise_en_demeure" and notice.reference.startswith("MED-2026-")
        printed = text_of(notice.pdf)
        for expected in ("Lettre recommandée avec accusé de réception", "Mise en demeure",
                         "Élodie Martin", "juin 2026", "15 juillet 2026", "Gîte des Lilas",
                         "Studio du Pont", "dans un délai de 30 jours, soit au plus tard le 4 "
                         "octobre 2026", "0,20 % par mois"):
            assert expected in printed, expected
    assert steps(run(app, "recovery", "run", "vallee", "--date", "2026-10-03")) == []
    assert steps(run(app, "recovery", "run", "vallee", "--date", "2026-10-04")) == [
        "taxation_d_office SOR-0001 2026-06", "taxation_d_office SOR-0002 2026-06"]
    assert steps(run(app, "recovery", "run", "vallee", "--date", "2026-12-31")) == []
    with db.tenant_context(vallee):
        found = cases()
        gite = found[("SOR-0001", "2026-06")]
        # Capacity 6 × 30 % × 30 days = 54 person-nights at 1,60 € + 10 % = 1,76 €.
        assert (gite.step, gite.estimated_nights, gite.tax) == (
            "taxation_d_office", 54, Decimal("95.04"))
        assert gite.interest == Decimal("0.38")   # 2 whole months since 15 July
        avis = db.session.get(RecoveryDocument, gite.assessment_document_id)
        printed = text_of(avis.pdf)
        for expected in (
                "Avis de taxation d'office", "Élodie Martin",
                "Meublé de tourisme, 3 étoiles (catégorie 4)", "12 rue des Lilas, 07200 Aubenas",
                "Nuitées taxables retenues : 54",
                "Capacité de 6 personnes × taux d'occupation de 30 %",
                "aucune observation reçue", "au tarif de 1,76 €", "95,04 €", "0,38 €",
                "Coût de la nuitée par personne retenu : 40,00 €",   # the Studio, non classé
                "30 jours", "conseil de votre choix", "mise en demeure du 4 septembre 2026"):
            assert expected in printed, expected


def test_observations_recorded_by_an_agent_are_printed_on_the_avis(app, vallee, as_agent):
    run(app, "declarations", "remind", "vallee")
    run(app, "recovery", "run", "vallee", "--date", "2026-08-20")   # opened
    run(app, "recovery", "run", "vallee", "--date", "2026-09-04")   # mise en demeure
    with db.tenant_context(vallee):
        case_id = cases()[("SOR-0001", "2026-06")].id
    page = f"/admin/recouvrement/dossiers/{case_id}"
    assert as_agent.post(page, {"observations": ""}).status_code == 200
    done = as_agent.post(page, {"observations": "Gîte fermé en juin pour travaux."})
    assert done.status_code == 302
    run(app, "recovery", "run", "vallee", "--date", "2026-10-04")
    with db.tenant_context(vallee):
        gite = cases()[("SOR-0001", "2026-06")]
        printed = text_of(db.session.get(RecoveryDocument, gite.assessment_document_id).pdf)
        assert "Observations de l'hébergeur : Gîte fermé en juin pour travaux." in printed
    listing = as_agent.get("/admin/recouvrement/").text
    assert "Taxation d&#39;office" in listing or "Taxation d'office" in listing
    with db.tenant_context(vallee):
        document_id = gite.assessment_document_id
    pdf = as_agent.get(f"/admin/recouvrement/documents/{document_id}.pdf")
    assert pdf.data.startswith(b"%PDF")
    today = as_agent.get("/admin/recouvrement/?jour=2026-10-04").text
    assert "Avis de taxation d&#39;office TO-2026-" in today or \
        "Avis de taxation d'office TO-2026-" in today


def test_a_declaration_stops_the_procedure_where_it_stands(app, vallee):
    run(app, "declarations", "remind", "vallee")
    run(app, "recovery", "run", "vallee", "--date", "2026-08-20")     # opened
    run(app, "recovery", "run", "vallee", "--date", "2026-09-04")     # mise en demeure
    with db.tenant_context(vallee):                                   # the Gîte declares June
        item = hebergement("Gîte des Lilas")
        ctx = desk.Context(db.session, vallee.schema, filing.calendar_of(db.session),
                           Actor(ActorKind.HOST, item.host_id, "Élodie Martin"),
                           "Élodie Martin", date(2026, 9, 10))
        june = ctx.cal.period("2026-06")
        desk.add(ctx, item, june, StayInput(date(2026, 6, 5), date(2026, 6, 8), 2))
        desk.validate(ctx, item, june)
        db.session.commit()
        item_id = item.id
    # The Gîte's case stops; declared but not paid, June starts over at the payment reminder.
    assert steps(run(app, "recovery", "run", "vallee", "--date", "2026-10-04")) == [
        "rappel SOR-0001 2026-06", "taxation_d_office SOR-0002 2026-06"]
    with db.tenant_context(vallee):
        gite = db.session.scalar(sa.select(RecoveryCase).where(
            RecoveryCase.kind == "non_declaree", RecoveryCase.hebergement_id == item_id))
        assert (gite.status, gite.step, gite.closed_on) == (
            "regularise", "mise_en_demeure", date(2026, 10, 4))
        assert gite.assessment_document_id is None


def test_an_unpaid_declaration_is_reminded_then_a_payment_stops_it(app, vallee):
    with db.tenant_context(vallee):
        for key, day in (("2026-06", 5), ("2026-07", 10)):
            item = hebergement("Gîte des Lilas")
            ctx = desk.Context(db.session, vallee.schema, filing.calendar_of(db.session),
                               Actor(ActorKind.HOST, item.host_id, "Élodie Martin"),
                               "Élodie Martin", date(2026, 8, 20))
            period = ctx.cal.period(key)
            month = period.start
            desk.add(ctx, item, period, StayInput(month.replace(day=day),
                                                  month.replace(day=day + 3), 2))
            desk.validate(ctx, item, period)
        db.session.commit()
    outbox = mail.outbox(app)
    outbox.clear()
    lines = steps(run(app, "recovery", "run", "vallee", "--date", "2026-08-22"))
    assert "rappel SOR-0001 2026-06" in lines and "rappel SOR-0001 2026-07" in lines
    (reminder,) = [m for m in outbox if "restant à payer" in m["Subject"]]
    body = reminder.get_body(("plain",)).get_content()
    assert "juin 2026, « Gîte des Lilas » : 10,56 €" in body.replace("\u00a0", " ")
    with db.tenant_context(vallee):                      # July paid by transfer
        paying.record(db.session, host_by_name("Martin"), Decimal("11.22"), "virement",
                      date(2026, 8, 30), "VIR", Actor(label="test"),
                      [d for d in paying.ledger.dues(db.session, host_id=host_by_name(
                          "Martin").id) if d.period == "2026-07"])
        db.session.commit()
    later = steps(run(app, "recovery", "run", "vallee", "--date", "2026-09-06"))
    assert "mise_en_demeure SOR-0001 2026-06" in later
    assert "mise_en_demeure SOR-0001 2026-07" not in later
    with db.tenant_context(vallee):
        found = cases()
        assert found[("SOR-0001", "2026-07")].status == "regularise"
    assert "taxation_d_office SOR-0001 2026-06" in steps(
        run(app, "recovery", "run", "vallee", "--date", "2026-10-06"))
    with db.tenant_context(vallee):
        june = cases()[("SOR-0001", "2026-06")]
        assert (june.kind, june.tax, june.estimated_nights) == ("non_payee", Decimal("10.56"), 6)
        assert june.interest == Decimal("0.04")  # 10,56 × 0,20 % × 2 months (15/07 → 06/10)


def test_the_run_refuses_a_bad_date(app, vallee):
    result = run(app, "recovery", "run", "vallee", "--date", "04/10/2026")
    assert result.exit_code == 1 and "AAAA-MM-JJ" in result.output


def test_the_settings_are_for_administrators(app, vallee, as_agent, as_admin):
    assert as_agent.get("/admin/recouvrement/parametres").status_code == 403
    refused = as_admin.post("/admin/recouvrement/parametres", {
        "days_to_notice": "0", "occupancy_percent": "40", "price_per_person": "35.50"})
    assert refused.status_code == 200 and "aria-invalid" in refused.text
    done = as_admin.post("/admin/recouvrement/parametres", {
        "days_to_notice": "20", "occupancy_percent": "40", "price_per_person": "35.50"})
    assert done.status_code == 302
    with db.tenant_context(vallee):
        from tenants.recovery.procedure import settings_of

        values = settings_of(db.session)
        assert (values.days_to_notice, values.occupancy_percent, values.price_per_person) == (
            20, 40, Decimal("35.50"))


def _to_assessment(app):
    run(app, "declarations", "remind", "vallee")
    run(app, "recovery", "run", "vallee", "--date", "2026-08-20")
    run(app, "recovery", "run", "vallee", "--date", "2026-09-04")


def test_the_host_reads_the_letters_and_sends_observations(app, vallee, logged_in, client):
    _to_assessment(app)
    page = logged_in.get("/recouvrement/").text
    assert "Mise en demeure du 04/09/2026 (PDF)" in page
    dashboard = logged_in.get("/tableau-de-bord").text
    assert "Procédure de recouvrement en cours" in dashboard
    with db.tenant_context(vallee):
        gite = cases()[("SOR-0001", "2026-06")]
        case_id, notice_id = gite.id, gite.notice_document_id
    assert logged_in.get(f"/recouvrement/documents/{notice_id}.pdf").data.startswith(b"%PDF")
    sent = logged_in.post(f"/recouvrement/dossiers/{case_id}/observations",
                          {"observations": "Le gîte était fermé en juin."},
                          page="/recouvrement/")
    assert sent.status_code == 302
    run(app, "recovery", "run", "vallee", "--date", "2026-10-04")
    with db.tenant_context(vallee):
        gite = cases()[("SOR-0001", "2026-06")]
        assert (gite.observations, gite.observations_by) == ("Le gîte était fermé en juin.",
                                                             "hote")
        printed = text_of(db.session.get(RecoveryDocument, gite.assessment_document_id).pdf)
        assert "Observations de l'hébergeur : Le gîte était fermé en juin." in printed
    # Another host sees nothing of it.
    from tests.tenants.conftest import activated

    with db.tenant_context(vallee):
        pass
    other = activated(vallee, "Durand", email="paul.durand@example.fr")
    client.logout()
    client.login(other)
    client.accept_cgu()
    assert client.get(f"/recouvrement/documents/{notice_id}.pdf").status_code == 404
    assert client.post(f"/recouvrement/dossiers/{case_id}/observations",
                       {"observations": "x"}, page="/recouvrement/").status_code == 404


def test_the_final_position_comes_after_the_30_days_to_reply(app, vallee, as_agent):
    import pytest

    from plateforme.errors import UserError
    from tenants.recovery import procedure

    _to_assessment(app)
    run(app, "recovery", "run", "vallee", "--date", "2026-10-04")
    with db.tenant_context(vallee):
        case_id = cases()[("SOR-0001", "2026-06")].id
    page = f"/admin/recouvrement/dossiers/{case_id}"
    from tests.tenants.declarations.test_console import text as plain

    assert "L'hébergeur peut répondre jusqu'au 3 novembre 2026" in plain(as_agent.get(page).text)
    refused = as_agent.post(page, {"final_position": "Aucune observation reçue dans le délai : "
                                                     "la taxation d'office est maintenue."})
    assert "possible à partir du 3 novembre 2026" in plain(refused.text)
    by = Actor(label="agent@vallee-verte.fr")
    with db.tenant_context(vallee):
        case = db.session.get(RecoveryCase, case_id)
        with pytest.raises(UserError, match="Motivez"):
            procedure.take_final_position(db.session, case, "Maintenu.", date(2026, 11, 4), by)
        procedure.take_final_position(db.session, case, "Aucune observation reçue dans le "
                                      "délai : la taxation d'office est maintenue.",
                                      date(2026, 11, 4), by)
        db.session.commit()
        gite = cases()[("SOR-0001", "2026-06")]
        assert (gite.step, gite.final_on) == ("mise_en_recouvrement", date(2026, 11, 4))
    home = plain(as_agent.get("/admin/").text)
    assert "Position finale et mise en recouvrement : 1 dossier(s) ouvert(s), 95,42 €" in home


def test_a_case_that_cannot_be_estimated_waits_and_says_why(app, vallee):
    _to_assessment(app)
    with db.tenant_context(vallee):          # the Studio's commune in no deliberation
        hebergement("Studio du Pont").insee = "99999"
        db.session.commit()
    result = run(app, "recovery", "run", "vallee", "--date", "2026-10-04")
    assert result.exit_code == 0, result.output
    assert "taxation_d_office SOR-0001 2026-06" in result.output
    assert "a_verifier SOR-0002 2026-06 : taxation d'office impossible (La commune 99999" \
        in result.output
    with db.tenant_context(vallee):
        assert cases()[("SOR-0002", "2026-06")].step == "mise_en_demeure"
    again = run(app, "recovery", "run", "vallee", "--date", "2026-10-04")
    assert "taxation_d_office SOR-0001" not in again.output
