"""Issue 10's journey in a real browser, on the demo collectivité built by `flask demo`'s own
functions, with the local PayFiP simulator as the demo runs it (notifications sent for real to
the server): Paul Durand has three declarations validated; he pays two at once by card, comes
back, downloads the quittance and finds it in "Mes documents"; an agent records his transfer
for the third from the bank statement and reads the period's accounts. Every page, the
simulator's included, is checked by axe-core."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from plateforme.database import db
from tenants.audit.journal import Actor, ActorKind
from tenants.declarations import desk, filing
from tenants.declarations.computing import StayInput
from tenants.demo import commands as demo
from tenants.hosts.models import Hebergement
from tenants.payments import ledger
from tenants.payments.models import Payment
from tests.browser.test_declarations import (  # noqa: F401  (fixtures)
    Visit,
    soragout,
    text_of,
    today,
)
from tests.plateforme.test_payfip_simulator import Thread

pytestmark = pytest.mark.browser

DECLARED = (("Gîte du Moulin", "2026-09"), ("Gîte du Moulin", "2026-10"),
            ("Chambres du Moulin", "2026-10"))


def euros(amount: Decimal) -> str:
    return f"{amount:.2f} €".replace(".", ",")


@pytest.fixture
def payfip(live_server):
    """The simulator as ./scripts/demo runs it: its own server, real notifications."""
    from plateforme.payfip.simulator import create_simulator

    thread = Thread(create_simulator(notify=True))
    live_server.app.config["PAYFIP_WSDL_URL"] = f"{thread.base}/tpa/services/securite?wsdl"
    live_server.app.config["PAYFIP_PAYMENT_URL"] = f"{thread.base}/tpa/paiementws.web"
    yield thread
    thread.stop()


@pytest.fixture
def declared(soragout, today):  # noqa: F811
    """Paul Durand's three declarations, validated through the product's functions."""
    tenant, agent = soragout
    demo.payment_settings(tenant)
    with db.tenant_context(tenant):
        for name, key in DECLARED:
            item = db.session.query(Hebergement).filter_by(name=name).one()
            ctx = desk.Context(db.session, tenant.schema, filing.calendar_of(db.session),
                               Actor(ActorKind.HOST, item.host_id, "Paul Durand"),
                               "Paul Durand", today)
            period = ctx.cal.period(key)
            month = period.start
            desk.add(ctx, item, period, StayInput(month.replace(day=10), month.replace(day=12),
                                                  2, channel="direct", platform=None,
                                                  price_per_night=Decimal("80.00")))
            desk.validate(ctx, item, period)
        db.session.commit()
        dues = {(d.hebergement_name, d.period): d.amount for d in ledger.dues(db.session)}
    return tenant, agent, dues


def test_a_host_pays_two_declarations_by_card_and_an_agent_records_the_third(
        live_server, browser, payfip, declared, tmp_path):
    tenant, (agent_email, agent_secret), dues = declared
    paid = dues[DECLARED[0]] + dues[DECLARED[1]]
    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    v = Visit(page)
    v.host_logs_in(live_server)
    expect(page.locator("#mes-paiements")).to_contain_text("pour 3 déclaration(s)")

    page.get_by_role("navigation").get_by_role("link", name="Mes paiements").click()
    v.heading("Mes paiements")
    owed = page.get_by_role("table", name=re.compile("^Les déclarations validées qui restent"))
    expect(owed.get_by_role("checkbox")).to_have_count(3)
    chambres = owed.get_by_role("row").filter(has_text="Chambres du Moulin")
    chambres.get_by_role("checkbox").uncheck()      # this one he pays by transfer
    page.get_by_role("button", name="Payer en ligne par carte bancaire").click()

    v.heading("Simulateur PayFiP")                   # PayFiP's page (the simulator's)
    expect(page.locator("main")).to_contain_text(euros(paid).replace(" ", "\u00a0"))
    page.get_by_role("button", name="Paiement accepté").click()

    v.heading(re.compile(r"Paiement P-2026-\d{6}").pattern)
    v.flash("Paiement reçu")
    number = re.search(r"P-2026-\d{6}", page.get_by_role("heading", level=1).inner_text())[0]
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Télécharger la quittance {number} (PDF)").click()
    assert download.value.suggested_filename == f"quittance-{number}.pdf"
    pdf = tmp_path / download.value.suggested_filename
    download.value.save_as(pdf)
    printed = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    printed = printed.replace("\u00a0", " ").replace("\u202f", " ")
    for expected in (number, euros(paid), "Carte bancaire (PayFiP)", "Paul Durand",
                     "septembre 2026", "octobre 2026", "Communauté Soragout"):
        assert expected in printed, expected

    page.get_by_role("navigation").get_by_role("link", name="Mes documents").click()
    v.check()
    expect(page.get_by_role("link", name=f"Quittance {number}")).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Mes paiements").click()
    v.heading("Mes paiements")
    expect(owed.get_by_role("row")).to_have_count(3)   # heading, Chambres, total
    with db.tenant_context(tenant):
        (payment,) = db.session.query(Payment).all()
        assert payment.status == "payee" and payment.amount == paid
    (notification,) = payfip.server.app.extensions["payfip_simulator"].notifications
    assert notification[2] == 200, notification      # PayFiP's call reached the server
    context.close()

    # An agent records the transfer for the Chambres du Moulin and reads the accounts.
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    v = Visit(page)
    v.agent_logs_in(live_server, agent_email, agent_secret)
    expect(page.locator("main")).to_contain_text(f"Encaissé : {euros(paid)}")
    page.get_by_role("link", name="Hébergeurs").first.click()
    page.get_by_role("link", name=re.compile("Durand")).first.click()
    page.wait_for_url(re.compile(r"/admin/hebergeurs/\d+$"))
    v.check()
    page.get_by_role("link", name=re.compile("^Paiements de Paul Durand")).click()
    v.heading("Paiements de Paul Durand")
    third = dues[DECLARED[2]]
    page.get_by_label("Montant reçu (en €)").fill(f"{third:.2f}".replace(".", ","))
    page.get_by_label("Virement", exact=True).check()
    page.get_by_label("Date de réception").fill("2026-11-20")
    page.get_by_label("Référence bancaire (libellé du virement, numéro du chèque)").fill(
        "VIR TS-H002")
    page.get_by_role("button", name="Enregistrer le paiement").click()
    v.flash(f"de {third:.2f} € enregistré")
    expect(page.locator("main")).to_contain_text("Reste dû : 0,00")
    v.check()
    page.get_by_role("navigation", name="Menu de la console").get_by_role(
        "link", name="Paiements").click()
    v.heading("Paiements : les comptes 2026")
    accounts = page.get_by_role("table", name=re.compile("^Par période de déclaration"))
    october = text_of(accounts.get_by_role("row").filter(has_text="2026-10"))
    assert october == (f"2026-10 2 {euros(dues[DECLARED[1]] + third)} "
                       f"{euros(dues[DECLARED[1]])} {euros(third)} 0,00 € "
                       f"{euros(dues[DECLARED[1]] + third)} 0,00 € 0,00 €"), october
    context.close()
