"""Payments in the console: an agent records a transfer from the bank statement and allocates
it, the host's account, the credit applied; the accounts per period (collected by means,
outstanding, credits) and their CSV for the comptable public; the reconciliation with PayFiP
that flags any mismatch; the payment settings, for administrators only; the home's figures."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import sqlalchemy as sa

from plateforme.database import db
from tenants.payments import ledger
from tenants.payments.models import Payment, PaymentSettings
from tests.tenants.conftest import host_by_name, messages
from tests.tenants.declarations.test_console import table, text
from tests.tenants.payments.test_payfip import pay, start

EXPORT_HEADER = "date;moyen;montant;hebergement_reference;periode;reference"
ACCOUNTS = ("Par période de déclaration : dû (déclarations validées), encaissé par moyen, reste "
            "à recouvrer et trop-perçu")


def martin_id(tenant) -> int:
    with db.tenant_context(tenant):
        return host_by_name("Martin").id


def test_an_agent_records_a_transfer_allocated_oldest_first(app, declared, as_agent):
    host_id = martin_id(declared)
    page = as_agent.get(f"/admin/paiements/hebergeurs/{host_id}").text
    assert "Reste dû : 27,39" in text(page)
    response = as_agent.post(f"/admin/paiements/hebergeurs/{host_id}", {
        "amount": "20,00", "means": "virement", "received_on": "2026-08-18",
        "bank_reference": "VIR SEPA TS-H001"})
    assert response.status_code == 302, response.text
    page = as_agent.get(f"/admin/paiements/hebergeurs/{host_id}").text
    assert "Paiement P-2026-" in " ".join(messages(page))
    assert "Reste dû : 7,39" in text(page)
    with db.tenant_context(declared):
        (payment,) = db.session.scalars(sa.select(Payment)).all()
        assert payment.recorded_by == "agent@vallee-verte.fr"
        assert [(a.period, a.amount) for a in payment.allocations] == [
            ("2026-06", Decimal("10.56")), ("2026-07", Decimal("9.44"))]
    # The host's page of the console shows the account in a line.
    detail = as_agent.get(f"/admin/hebergeurs/{host_id}").text
    assert "Reste dû : 7,39" in text(detail)


def test_a_bad_receipt_is_refused_in_french_and_saves_nothing(app, declared, as_agent):
    host_id = martin_id(declared)
    response = as_agent.post(f"/admin/paiements/hebergeurs/{host_id}", {
        "amount": "douze", "means": "cheque", "received_on": "2026-08-18"})
    assert response.status_code == 422
    assert "n'est pas un montant" in " ".join(messages(response.text))
    with db.tenant_context(declared):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_the_accounts_per_period_and_the_export(app, payfip_on, as_agent, logged_in,
                                                simulator):
    idop, _ = start(logged_in)                       # Élodie Martin pays 27,39 € by card
    logged_in.get(pay(simulator, idop, "P"))
    durand = as_agent.get("/admin/hebergeurs/").text
    assert durand
    with db.tenant_context(payfip_on):
        durand_id = host_by_name("Durand").id
    as_agent.post(f"/admin/paiements/hebergeurs/{durand_id}", {       # 10 € for 7,04 € due
        "amount": "10", "means": "cheque", "received_on": "2026-08-19",
        "bank_reference": "CHQ 0042"})
    rows = table(as_agent.get("/admin/paiements/?annee=2026").text, ACCOUNTS)
    assert rows[0][:2] == ["Période", "Déclarations"]
    june, july = rows[1], rows[2]
    assert june == ["2026-06", "1", "10,56 €", "10,56 €", "0,00 €", "0,00 €", "10,56 €",
                    "0,00 €", "0,00 €"]
    assert july == ["2026-07", "2", "23,87 €", "16,83 €", "0,00 €", "7,04 €", "23,87 €",
                    "0,00 €", "0,00 €"]
    page = text(as_agent.get("/admin/paiements/?annee=2026").text)
    assert "Crédits non imputés (paiements reçus au-delà de ce qui était dû, toutes années) : " \
           "2,96 €" in page
    home = text(as_agent.get("/admin/").text)
    assert "Encaissé : 37,39 €" in home and "Reste à recouvrer sur les déclarations " \
                                          "validées : 0,00 €" in home
    export = as_agent.get("/admin/paiements/export.csv")
    assert export.headers["Content-Type"].startswith("text/csv")
    lines = export.data.decode("utf-8-sig").splitlines()
    assert lines[0] == EXPORT_HEADER
    with db.tenant_context(payfip_on):
        refdet = db.session.scalar(sa.select(Payment.refdet).where(Payment.id_op == idop))
    assert lines[1:] == [
        "19/08/2026;cheque;7.04;SOR-0003;2026-07;CHQ 0042",
        "19/08/2026;cheque;2.96;;;CHQ 0042",
        f"20/08/2026;payfip;10.56;SOR-0001;2026-06;{refdet}",
        f"20/08/2026;payfip;16.83;SOR-0001;2026-07;{refdet}"]
    total = sum(Decimal(row["montant"]) for row in csv.DictReader(
        io.StringIO("\n".join(lines)), delimiter=";"))
    assert total == Decimal("37.39")


def test_the_reconciliation_flags_a_mismatch_and_confirms_a_lost_notification(
        app, payfip_on, as_agent, logged_in, simulator):
    lost, _ = start(logged_in)
    pay(simulator, lost, "P")                         # paid; the notification never came
    page = as_agent.post("/admin/paiements/rapprochement", {"depuis": "2026-08-01"})
    assert page.status_code == 200
    assert "1 paiement(s) rapproché(s) ; 0 écart(s)" in text(page.text)
    with db.tenant_context(payfip_on):
        payment = db.session.scalar(sa.select(Payment).where(Payment.id_op == lost))
        assert payment.status == "payee"              # confirmed on the way
        payment.amount = Decimal("27.00")              # our record tampered with
        db.session.commit()
    page = text(as_agent.post("/admin/paiements/rapprochement",
                              {"depuis": "2026-08-01"}).text)
    assert "1 paiement(s) rapproché(s) ; 1 écart(s)" in page
    assert "montant PayFiP 27.39 € ≠ 27.00 €" in page


def test_the_payment_settings_are_for_administrators(app, declared, as_agent, as_admin):
    assert as_agent.get("/admin/paiements/parametres").status_code == 403
    refused = as_admin.post("/admin/paiements/parametres", {
        "payfip_numcli": "12345", "payfip_mode": "T", "iban": ""})
    assert refused.status_code == 422 and "6 chiffres" in refused.text
    refused = as_admin.post("/admin/paiements/parametres", {
        "payfip_numcli": "123456", "payfip_mode": "W", "iban": "FR76 3000 1007 9412 3456 7890 186"})
    assert refused.status_code == 422 and "IBAN n'est pas valide" in text(refused.text)
    with db.tenant_context(declared):
        assert db.session.get(PaymentSettings, 1) is None
    done = as_admin.post("/admin/paiements/parametres", {
        "payfip_numcli": "123456", "payfip_mode": "W",
        "iban": "fr76 3000 1007 9412 3456 7890 185", "bic": "bdfefrppcct",
        "account_holder": "Régie", "cheque_payee": "Régie", "cheque_address": ""})
    assert done.status_code == 302
    with db.tenant_context(declared):
        values = db.session.get(PaymentSettings, 1)
        assert (values.payfip_numcli, values.payfip_mode, values.iban, values.bic) == (
            "123456", "W", "FR7630001007941234567890185", "BDFEFRPPCCT")


def test_credit_applied_from_the_console(app, declared, as_agent):
    host_id = martin_id(declared)
    as_agent.post(f"/admin/paiements/hebergeurs/{host_id}", {
        "amount": "5", "means": "virement", "received_on": "2026-08-18"})
    with db.tenant_context(declared):          # 5 € kept apart (e.g. recorded before July)
        payment = db.session.scalar(sa.select(Payment))
        for allocation in list(payment.allocations):
            db.session.delete(allocation)
        db.session.commit()
        assert ledger.credit(db.session, host_id) == Decimal("5.00")
    page = as_agent.get(f"/admin/paiements/hebergeurs/{host_id}").text
    assert "Imputer le crédit" in page
    as_agent.post(f"/admin/paiements/hebergeurs/{host_id}/credit", {},
                  page=f"/admin/paiements/hebergeurs/{host_id}")
    with db.tenant_context(declared):
        assert ledger.credit(db.session, host_id) == 0
        assert re.search(r"5\.00", str(ledger.dues(db.session, host_id=host_id)[0].paid))
