"""Paying by card through PayFiP (the local simulator): two declarations at once, paid,
refused, abandoned, expired; the notification (unsigned: only PayFiP's detail is believed)
replayed, before and after the browser's return; a payment is settled once, whatever the
order; money PayFiP took after its idOp lapsed is still recorded."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from plateforme import mail
from plateforme.database import db
from tenants.audit.models import AuditEvent
from tenants.payments import ledger, paying
from tenants.payments.models import Payment
from tests.conftest import isolated
from tests.tenants.conftest import host_by_name, messages

CHECKBOX = re.compile(r'name="declaration" value="(\d+)"')


def start(client) -> tuple[str, list[str]]:
    """The host ticks every declaration offered and pays: PayFiP's page and its idOp."""
    page = client.get("/paiements/").text
    chosen = CHECKBOX.findall(page)
    response = client.post("/paiements/payer", {"declaration": chosen}, page="/paiements/")
    assert response.status_code == 303, response.text
    location = response.headers["Location"]
    return parse_qs(urlsplit(location).query)["idop"][0], chosen


def pay(simulator, idop: str, result: str = "P") -> str:
    """The payer's choice on PayFiP's page; returns where PayFiP sends the browser."""
    payfip = simulator.app.test_client()
    assert payfip.get(f"/tpa/paiementws.web?idop={idop}").status_code == 200
    response = payfip.post("/tpa/paiementws.web", data={"idop": idop, "resultat": result})
    assert response.status_code == 303
    back = urlsplit(response.headers["Location"])
    assert back.path == "/paiements/payfip/retour"
    return f"{back.path}?{back.query}"


def notify(client, idop: str):
    """PayFiP's server-to-server call: a form body `idOp=…`, no cookie, no CSRF token."""
    return isolated(client.app.test_client().post, "/paiements/payfip/notification",
                    data={"idOp": idop}, base_url=client.base)


def payment_of(idop: str) -> Payment:
    db.session.expire_all()
    return db.session.scalar(sa.select(Payment).where(Payment.id_op == idop))


def events(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == action))


def test_a_host_pays_two_declarations_at_once_and_gets_the_quittance(app, payfip_on, logged_in,
                                                                     simulator):
    page = logged_in.get("/paiements/").text
    assert "Total restant dû" in page and "27,39" in page.replace("\u00a0", " ")
    assert "FR76 3000 1007 9412 3456 7890 185" in page and "TS-H001" in page
    outbox = mail.outbox(app)
    outbox.clear()
    idop, chosen = start(logged_in)
    assert len(chosen) == 2
    operation = simulator.simulator.operations[idop]
    assert (operation.montant, operation.numcli, operation.saisie, operation.mel) == (
        "2739", "123456", "T", "elodie.martin@example.fr")
    assert re.fullmatch(r"TS20260820[0-9A-F]{10}", operation.refdet)
    assert operation.urlnotif == "http://vallee.taxesejour.test/paiements/payfip/notification"
    # While the payer is on PayFiP's page, the declarations are held: not payable twice.
    held = logged_in.get("/paiements/").text
    assert "Paiement en cours" in held and not CHECKBOX.search(held)
    assert "Payer en ligne par carte bancaire" not in held
    assert "Un paiement en ligne est en cours" in held

    back = logged_in.get(pay(simulator, idop, "P"))
    assert back.status_code == 302
    detail = logged_in.get(back.headers["Location"]).text
    assert "Paiement reçu" in detail
    with db.tenant_context(payfip_on):
        payment = payment_of(idop)
        assert payment.status == "payee" and payment.amount == Decimal("27.39")
        assert payment.resultrans == "P" and len(payment.numauto) == 6
        assert [(a.period, a.amount) for a in payment.allocations] == [
            ("2026-06", Decimal("10.56")), ("2026-07", Decimal("16.83"))]
        assert all(d.outstanding == 0 for d in ledger.dues(db.session,
                                                           host_id=payment.host_id))
        number, payment_id = payment.number, payment.id
    pdf = logged_in.get(f"/paiements/{payment_id}/quittance.pdf")
    assert pdf.headers["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    for expected in ("Quittance de paiement de la taxe de séjour", number, "27,39 €",
                     "Carte bancaire (PayFiP)", "Élodie Martin", "Gîte des Lilas",
                     "juin 2026", "juillet 2026", "10,56 €", "16,83 €", operation.refdet,
                     "Vallée Verte"):
        assert expected in text, expected
    (email,) = [m for m in outbox if "paiement" in m["Subject"]]
    assert email["To"] == "elodie.martin@example.fr"
    attachment = next(email.iter_attachments())
    assert attachment.get_filename() == f"quittance-{number}.pdf"
    assert attachment.get_content() == pdf.data
    documents = logged_in.get("/documents").text
    assert f"Quittance {number}" in documents
    dashboard = logged_in.get("/tableau-de-bord").text
    assert 'id="mes-paiements"' in dashboard and "Rien à payer" in dashboard


def test_a_replayed_notification_settles_the_payment_once(app, payfip_on, logged_in,
                                                          simulator):
    idop, _ = start(logged_in)
    back = pay(simulator, idop, "P")
    outbox = mail.outbox(app)
    outbox.clear()
    for _ in range(3):                     # PayFiP's notification, replayed
        assert notify(logged_in, idop).status_code == 200
    logged_in.get(back)                    # then the browser comes back
    assert notify(logged_in, idop).status_code == 200
    with db.tenant_context(payfip_on):
        payment = payment_of(idop)
        assert payment.status == "payee"
        assert events("payment.paid") == 1 and events("payment.payee") == 1
        assert len(payment.allocations) == 2
    assert len([m for m in outbox if "paiement" in m["Subject"]]) == 1


def test_the_return_before_the_notification_is_settled_once_too(app, payfip_on, logged_in,
                                                                 simulator):
    idop, _ = start(logged_in)
    logged_in.get(pay(simulator, idop, "P"))
    assert notify(logged_in, idop).status_code == 200
    with db.tenant_context(payfip_on):
        assert payment_of(idop).status == "payee" and events("payment.paid") == 1


def test_two_confirmations_racing_one_wins(app, payfip_on, logged_in, simulator):
    """The conditional UPDATE: the second sees the status moved and changes nothing."""
    idop, _ = start(logged_in)
    pay(simulator, idop, "P")
    with db.tenant_context(payfip_on):
        payment = payment_of(idop)
        others = tuple(s for s in ledger.PaymentStatus if s != ledger.PaymentStatus.PAYEE)
        by = paying.Actor(label="test")
        assert paying._move(db.session, payment, ledger.PaymentStatus.PAYEE, others, by)
        assert not paying._move(db.session, payment, ledger.PaymentStatus.PAYEE, others, by)
        db.session.rollback()


@pytest.mark.parametrize(("result", "status", "said"), [
    ("R", "refusee", "refusé par votre banque"),
    ("A", "abandonnee", "abandonné le paiement"),
])
def test_a_refused_or_abandoned_payment_leaves_the_declarations_payable(
        app, payfip_on, logged_in, simulator, result, status, said):
    idop, _ = start(logged_in)
    back = logged_in.get(pay(simulator, idop, result))
    page = logged_in.get(back.headers["Location"]).text
    assert said in page
    with db.tenant_context(payfip_on):
        payment = payment_of(idop)
        assert payment.status == status and payment.receipt_pdf is None
        host = host_by_name("Martin")
        assert all(d.payable for d in ledger.dues(db.session, host_id=host.id))
    assert len(CHECKBOX.findall(logged_in.get("/paiements/").text)) == 2


def test_an_expired_idop_frees_the_declarations(app, payfip_on, logged_in, simulator,
                                                utc_clock, payfip_clock):
    idop, _ = start(logged_in)
    utc_clock[0] += timedelta(minutes=16)
    payfip_clock.now += timedelta(minutes=16)
    assert len(CHECKBOX.findall(logged_in.get("/paiements/").text)) == 2   # payable again
    payfip = simulator.app.test_client()
    assert payfip.get(f"/tpa/paiementws.web?idop={idop}").status_code == 410
    assert notify(logged_in, idop).status_code == 200      # PayFiP says P5: lapsed
    with db.tenant_context(payfip_on):
        assert payment_of(idop).status == "expiree"


def test_money_taken_after_the_idop_lapsed_is_recorded_and_never_twice(
        app, payfip_on, logged_in, simulator, utc_clock, payfip_clock):
    first, _ = start(logged_in)
    utc_clock[0] += timedelta(minutes=16)
    notify(logged_in, first)                              # expired here
    second, _ = start(logged_in)                          # the host pays again, and it works
    logged_in.get(pay(simulator, second, "P"))
    simulator.simulator.operations[first].result = "P"    # ...and PayFiP took the first too
    simulator.simulator.operations[first].dattrans = "20082026"
    simulator.simulator.operations[first].heurtrans = "1020"
    assert notify(logged_in, first).status_code == 200
    with db.tenant_context(payfip_on):
        assert payment_of(first).status == "payee"
        host = host_by_name("Martin")
        assert ledger.credit(db.session, host.id) == Decimal("27.39")
        assert all(d.paid == d.amount for d in ledger.dues(db.session, host_id=host.id))


def test_notifications_believe_nothing_they_are_told(app, payfip_on, logged_in, simulator):
    idop, _ = start(logged_in)
    assert notify(logged_in, idop).status_code == 200     # not paid yet: P5, still open
    assert notify(logged_in, "00000000-0000-0000-0000-000000000000").status_code == 200
    assert notify(logged_in, "x" * 500).status_code == 200
    with db.tenant_context(payfip_on):
        assert payment_of(idop).status == "en_cours"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
    assert logged_in.get("/paiements/payfip/retour?idop=inconnu").status_code == 404


def test_payfip_unreachable_changes_nothing(app, payfip_on, logged_in, simulator):
    app.config["PAYFIP_WSDL_URL"] = "http://127.0.0.1:9/tpa/services/securite?wsdl"
    page = logged_in.get("/paiements/").text
    response = logged_in.post("/paiements/payer", {"declaration": CHECKBOX.findall(page)},
                              page="/paiements/")
    assert response.status_code == 422
    assert "ne répond pas" in " ".join(messages(response.text))
    with db.tenant_context(payfip_on):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_paying_needs_the_regie_and_a_choice(app, declared, logged_in, simulator):
    page = logged_in.get("/paiements/").text
    assert "n'est pas proposé par votre collectivité" in page
    response = logged_in.post("/paiements/payer", {"declaration": CHECKBOX.findall(page)},
                              page="/paiements/")
    assert response.status_code == 422 and "pas ouvert" in response.text


def test_a_host_never_sees_another_hosts_payment(app, payfip_on, logged_in, simulator):
    idop, _ = start(logged_in)
    logged_in.get(pay(simulator, idop, "P"))
    with db.tenant_context(payfip_on):
        durand = host_by_name("Durand")
        other = paying.record(db.session, durand, Decimal("7.04"), "cheque",
                              payment_of(idop).received_on, "CHQ 1", paying.Actor())
        db.session.commit()
        other_id = other.id
    assert logged_in.get(f"/paiements/{other_id}").status_code == 404
    assert logged_in.get(f"/paiements/{other_id}/quittance.pdf").status_code == 404
