"""Issue 9's journey in a real browser, on the demo collectivité built by `flask demo`'s own
functions: Paul Durand declares October 2026 for each of his three hébergements (a stay typed
for "Gîte du Moulin", the register CSV for "Chambres du Moulin", an Airbnb reservations export
for "Studio du Moulin", whose platform question he answers), validates each, downloads the
états récapitulatifs, finds them in "Mes documents" and sees "Déclarée" on his dashboard; then an
agent logs into the console with TOTP and reads October's states and totals. Every page is
driven by its visible French labels and checked by axe-core; every amount is the public
calculator's (`/api/calculette`) for the same stays."""

from __future__ import annotations

import re
import sys
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from plateforme import mail, registry
from plateforme.database import db
from tenants.access.rules import Role
from tenants.core import dates
from tenants.demo import commands as demo
from tests.browser.conftest import BROWSER_DOMAIN, axe_violations
from tests.conftest import isolated
from tests.tenants.conftest import AGENT_PASSWORD, make_agent

pytestmark = pytest.mark.browser

OCTOBER = "2026-10"
OCTOBRE = "d'octobre 2026"   # "Déclaration d'octobre 2026", as French elides it
# Today is Friday 27 November 2026: October has ended and is due since 15 November.
TODAY = datetime(2026, 11, 27, 9, 0)  # UTC

# Chambres du Moulin (chambre d'hôtes): two stays in direct, one that Booking.com collected.
REGISTER = """\
arrivee;depart;personnes;exoneres_mineurs;exoneres_saisonniers;exoneres_urgence;prix_nuit_ht;canal;plateforme
05/10/2026;07/10/2026;2;0;0;0;70,00;direct;
09/10/2026;11/10/2026;4;2;0;0;90,00;direct;
24/10/2026;26/10/2026;2;0;0;0;75,00;plateforme;Booking.com
"""
# Studio du Moulin (meublé non classé): Airbnb's French export, one stay and one cancelled.
AIRBNB = """\ufeff"Code de confirmation","Statut","Nom du voyageur","Contact","# des adultes",\
"# des enfants","# des bébés","Date de début","Date de fin","# des nuits","Réservée","Annonce",\
"Revenus"
"HMOCT00001","Ancien voyageur","Camille Voyageuse","+33 6 00 00 00 01","2","1","0",\
"16/10/2026","19/10/2026","3","2026-09-15","Studio du Moulin","300,00 €"
"HMOCT00002","Annulée par le voyageur","Lucas Voyageur","+33 6 00 00 00 02","2","0","0",\
"23/10/2026","25/10/2026","2","2026-09-20","Studio du Moulin","0,00 €"
"""
# The same stays as the calculator's questions: (hébergement, its stays as /api/calculette's
# parameters); only those whose tax the host pays himself.
COMMON = {"commune": demo.DEMO_INSEE}
STAYS = {
    "Gîte du Moulin": [dict(date="2026-10-10", nature="meuble", classement="3", nuits=3,
                            personnes=3, exoneres=1)],
    "Chambres du Moulin": [
        dict(date="2026-10-05", nature="chambre_hotes", classement="sans_objet", nuits=2,
             personnes=2, exoneres=0, prix_nuit_ht="70.00"),
        dict(date="2026-10-09", nature="chambre_hotes", classement="sans_objet", nuits=2,
             personnes=4, exoneres=2, prix_nuit_ht="90.00")],
    "Studio du Moulin": [dict(date="2026-10-16", nature="meuble", classement="non_classe",
                              nuits=3, personnes=3, exoneres=1, prix_nuit_ht="100.00")],
}
# What the engine gives, worked out by hand (the test also asks the calculator):
# 6 person-nights × (1,50 + 0,15); 8 × (0,75 + 0,08); 6 × (5 % × 100 / 3 = 1,67 + 0,17).
AMOUNTS = {"Gîte du Moulin": "9,90 €", "Chambres du Moulin": "6,64 €",
           "Studio du Moulin": "11,04 €"}
TOTAL = "27,58 €"


def text_of(locator) -> str:
    """Visible text with French typography's narrow spaces made plain."""
    return " ".join(locator.inner_text().replace("\u00a0", " ").replace("\u202f", " ").split())


@pytest.fixture
def today(monkeypatch):
    """The server's today: the real one while October 2026 is the month just ended or the one
    before (today is 27 November 2026); frozen at 27 November 2026 afterwards, as the demo's
    hébergements start on 1 January of last month's year."""
    real = dates.paris_today()
    if real.year == 2026 and real.month >= 11:
        return real
    original = dates.utcnow
    for module in list(sys.modules.values()):
        if (getattr(module, "__name__", "").startswith("tenants.")
                and getattr(module, "utcnow", None) is original):
            monkeypatch.setattr(module, "utcnow", lambda: TODAY)
    return TODAY.date()


@pytest.fixture
def soragout(live_server, today):
    """The demo collectivité, by `flask demo`'s own steps, and an agent of its console."""
    app = live_server.app
    demo.ensure_demo(app)
    tenant = registry.tenant_info(registry.require(db.session, demo.DEMO_SLUG))
    db.session.commit()
    demo.seed_hosts(app, tenant)
    demo.load_deliberation(tenant)
    agent = make_agent(tenant, "agent@communautesoragout.example.fr", Role.AGENT, "Bruno Agent")
    return tenant, agent


class Visit:
    """The pages seen, each checked by axe-core."""

    def __init__(self, page):
        self.page, self.seen = page, []

    def check(self):
        violations = axe_violations(self.page)
        self.seen.append(self.page.url)
        assert violations == [], self.page.url

    def kinds(self) -> set[str]:
        """The paths seen, numbers and periods as N."""
        return {re.sub(r"/[\d-]+(?=/|$)", "/N", urlsplit(url).path) for url in self.seen}

    def heading(self, pattern):
        """The page's h1, whole (a regular expression: see OCTOBRE)."""
        expect(self.page.get_by_role("heading", level=1)).to_have_text(
            re.compile(f"^{pattern}$"))
        self.check()

    def flash(self, text):
        expect(self.page.locator("main")).to_contain_text(text)

    def host_logs_in(self, server):
        """Paul Durand (the demo's public password), the CGU accepted if asked; each page
        checked, down to the dashboard."""
        page = self.page
        page.goto(server.url(demo.DEMO_SLUG))
        self.check()
        page.get_by_label("Identifiant (Courriel)", exact=True).fill(demo.DEMO_LOGIN)
        page.get_by_label("Mot de passe", exact=True).fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        if "/cgu" in page.url:
            self.check()
            page.get_by_label("Accepter les CONDITIONS GÉNÉRALES D'UTILISATION*").check()
            page.get_by_label("Accepter la POLITIQUE DE CONFIDENTIALITÉ*").check()
            page.get_by_role("button", name="Valider").click()
        self.heading("Bienvenue sur votre tableau de bord")

    def agent_logs_in(self, server, email, secret):
        """An agent of the demo's console: password, then the TOTP code; each page checked."""
        page = self.page
        page.goto(server.url(demo.DEMO_SLUG, "/admin/"))
        self.heading("Connexion à la console")
        page.get_by_label("Courriel").fill(email)
        page.get_by_label("Mot de passe").fill(AGENT_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        self.check()
        page.get_by_label("Code de vérification").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Vérifier").click()
        expect(page.locator("body")).to_contain_text("Bonjour Bruno Agent (agent)")
        self.check()


def calculator_amount(server, stays) -> Decimal:
    """The sum of `/api/calculette`'s answers for the stays, one by one (asked in process:
    Playwright's own requests do not resolve `*.localhost` as Chromium does)."""
    total = Decimal(0)
    for stay in stays:
        answer = isolated(server.app.test_client().get, "/api/calculette",
                          base_url=f"http://{demo.DEMO_SLUG}.{BROWSER_DOMAIN}",
                          query_string={**COMMON, **stay})
        assert answer.status_code == 200, answer.text
        total += Decimal(answer.json["montant"])
    return total


def euros(amount: Decimal) -> str:
    return f"{amount:.2f} €".replace(".", ",")


def test_a_demo_host_declares_october_and_the_agent_follows_it(live_server, browser, soragout,
                                                               tmp_path):
    _tenant, (agent_email, agent_secret) = soragout
    register = tmp_path / "registre-octobre.csv"
    register.write_text(REGISTER, encoding="utf-8")
    airbnb = tmp_path / "reservations.csv"
    airbnb.write_text(AIRBNB, encoding="utf-8")

    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    v = Visit(page)
    for name, stays in STAYS.items():  # the amounts below are the calculator's
        assert euros(calculator_amount(live_server, stays)) == AMOUNTS[name], name

    # Paul Durand logs in (the demo's public password) and accepts the CGU if asked.
    v.host_logs_in(live_server)
    panel = page.locator("#mes-declarations")
    expect(panel.get_by_role("heading", name="Mes déclarations")).to_be_visible()
    for name in STAYS:
        expect(panel.get_by_role("link", name=f"Déclarer octobre 2026 pour « {name} »")
               ).to_be_visible()

    # Gîte du Moulin: a stay typed in the registre du logeur.
    panel.get_by_role("link", name="Déclarer octobre 2026 pour « Gîte du Moulin »").click()
    v.heading(f"Déclaration {OCTOBRE} – « Gîte du Moulin »")
    expect(page.locator("main")).to_contain_text("Aucun séjour saisi pour cette période.")
    page.get_by_label("Date d'arrivée").fill("2026-10-10")
    page.get_by_label("Date de départ").fill("2026-10-13")
    page.get_by_role("button", name="Enregistrer le séjour").click()
    # The number of persons forgotten: the page says so beside the field, dates kept.
    v.heading("Ajouter un séjour – « Gîte du Moulin », octobre 2026")
    persons = page.get_by_label("Nombre de personnes", exact=True)
    expect(persons).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text("Nombre de personnes")
    expect(page.get_by_label("Date d'arrivée")).to_have_value("2026-10-10")
    persons.fill("3")
    page.get_by_label("dont mineurs (moins de 18 ans)").fill("1")
    page.get_by_role("button", name="Enregistrer le séjour").click()
    v.flash("Séjour enregistré.")
    v.check()
    stays = page.get_by_role("table", name=re.compile("^Séjours arrivés pendant la période"))
    expect(stays.get_by_role("row")).to_have_count(2)
    assert "10/10/2026" in text_of(stays) and "13/10/2026" in text_of(stays)
    total = page.locator("#total")
    assert f"Montant dû : {AMOUNTS['Gîte du Moulin']}" in text_of(total)
    assert "Nuitées taxables : 6" in text_of(total)

    # Chambres du Moulin: the register as CSV, previewed, then imported.
    page.get_by_role("navigation").get_by_role("link", name="Mes déclarations").click()
    v.heading("Mes déclarations")
    page.get_by_role("link", name="Déclarer octobre 2026 pour « Chambres du Moulin »").click()
    v.heading(f"Déclaration {OCTOBRE} – « Chambres du Moulin »")
    page.get_by_label("Fichier à importer").set_input_files(str(register))
    page.get_by_role("button", name="Vérifier le fichier").click()
    v.heading("Vérifier l'import – « Chambres du Moulin », octobre 2026")
    main = page.locator("main")
    expect(main).to_contain_text("registre du logeur, 3 séjour(s)")
    expect(page.get_by_role("table", name="Séjours lus").get_by_role("row")).to_have_count(4)
    page.get_by_role("button", name="Importer ces séjours").click()
    v.flash("3 séjour(s) importé(s) dans le brouillon.")
    v.heading(f"Déclaration {OCTOBRE} – « Chambres du Moulin »")
    total = page.locator("#total")
    assert f"Montant dû : {AMOUNTS['Chambres du Moulin']}" in text_of(total)
    assert "Nuitées via une plateforme qui a collecté la taxe : 4" in text_of(total)

    # Studio du Moulin: Airbnb's reservations export; Airbnb did not collect the tax here.
    page.get_by_role("navigation").get_by_role("link", name="Mes déclarations").click()
    v.check()
    page.get_by_role("link", name="Déclarer octobre 2026 pour « Studio du Moulin »").click()
    v.heading(f"Déclaration {OCTOBRE} – « Studio du Moulin »")
    page.get_by_label("Fichier à importer").set_input_files(str(airbnb))
    page.get_by_role("button", name="Vérifier le fichier").click()
    v.heading("Vérifier l'import – « Studio du Moulin », octobre 2026")
    expect(main).to_contain_text("export des réservations Airbnb, 1 séjour(s)")
    expect(main).to_contain_text("1 ligne(s) ignorée(s)")
    question = page.get_by_role(
        "group", name="Airbnb a-t-elle collecté la taxe de séjour pour ce séjour ?")
    expect(question.get_by_label("Oui, Airbnb a collecté la taxe")).to_be_checked()
    question.get_by_label("Non, je reverse la taxe moi-même").check()
    page.get_by_role("button", name="Importer ces séjours").click()
    v.flash("1 séjour(s) importé(s) dans le brouillon.")
    v.heading(f"Déclaration {OCTOBRE} – « Studio du Moulin »")
    stays = page.get_by_role("table", name=re.compile("^Séjours arrivés pendant la période"))
    assert "100,00 € (estimé)" in text_of(stays) and "Direct" in text_of(stays)
    assert f"Montant dû : {AMOUNTS['Studio du Moulin']}" in text_of(page.locator("#total"))

    # The period for all three: each one's amount so far.
    page.get_by_role("navigation").get_by_role("link", name="Mes déclarations").click()
    v.check()
    page.get_by_role("link", name="Déclarer octobre 2026 pour tous mes hébergements").click()
    v.heading("Octobre 2026 : tous mes hébergements")
    for name, amount in AMOUNTS.items():
        row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))
        assert amount in text_of(row), name

    # Each validated, its état récapitulatif downloaded.
    references = {}
    for name in STAYS:
        page.get_by_role("navigation").get_by_role("link", name="Mes déclarations").click()
        v.check()
        page.get_by_role("link", name=f"Déclarer octobre 2026 pour « {name} »").click()
        v.heading(f"Déclaration {OCTOBRE} – « {name} »")
        page.get_by_role("link", name="Valider ma déclaration").click()
        v.heading(f"Valider la déclaration {OCTOBRE} – « {name} »")
        assert AMOUNTS[name] in text_of(page.locator("main"))
        page.get_by_label("Je certifie l'exactitude de cette déclaration").check()
        page.get_by_role("button", name="Valider ma déclaration").click()
        v.flash("Déclaration validée : D-2026-10-")
        v.heading(f"Déclaration {OCTOBRE} – « {name} »")
        validated = text_of(page.locator("main"))
        reference = re.search(r"référence (D-2026-10-\d+)", validated).group(1)
        references[name] = reference
        assert f"Montant dû : {AMOUNTS[name]}" in validated
        with page.expect_download() as download:
            page.get_by_role("link", name="Télécharger l'état récapitulatif (PDF) de la "
                                          "version 1").click()
        assert download.value.suggested_filename == f"etat-recapitulatif-{reference}-v1.pdf"
        pdf = tmp_path / download.value.suggested_filename
        download.value.save_as(pdf)
        assert pdf.read_bytes().startswith(b"%PDF")
        printed = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
        assert reference in printed and name in printed and AMOUNTS[name] in printed
    assert len(set(references.values())) == 3

    # "Mes documents" lists them; the dashboard says "Déclarée".
    page.get_by_role("navigation").get_by_role("link", name="Mes documents").click()
    v.check()
    documents = page.get_by_role("region", name="Mes états récapitulatifs de déclaration")
    for name, reference in references.items():
        link = page.get_by_role("link", name=f"État récapitulatif {reference}")
        expect(documents.locator(link)).to_be_visible()
        assert f"{name}, période {OCTOBER}, {AMOUNTS[name]}" in text_of(
            documents.get_by_role("listitem").filter(has=link))
    page.get_by_role("navigation").get_by_role("link", name="Tableau de bord").click()
    v.heading("Bienvenue sur votre tableau de bord")
    panel = page.locator("#mes-declarations")
    for name in STAYS:
        row = panel.get_by_role("row").filter(
            has=page.get_by_role("link", name=f"Voir octobre 2026 pour « {name} »"))
        assert "Déclarée" in text_of(row) and AMOUNTS[name] in text_of(row), name
    assert v.kinds() >= {"/", "/tableau-de-bord", "/declarations/", "/declarations/periode/N",
                         "/declarations/N/N", "/declarations/N/N/sejours",
                         "/declarations/N/N/import", "/declarations/N/N/valider",
                         "/documents"}, v.kinds()  # each kind of page checked by axe
    sent = [m for m in mail.outbox(live_server.app) if m["To"] == demo.DEMO_LOGIN]
    assert len(sent) == 3 and all(r in "".join(m["Subject"] for m in sent)
                                  for r in references.values())
    context.close()

    # An agent of the console logs in with TOTP and reads October's page.
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    v = Visit(page)
    v.agent_logs_in(live_server, agent_email, agent_secret)
    expect(page.get_by_role("navigation", name="Menu de la console").get_by_role(
        "link", name="Déclarations")).to_be_visible()
    page.goto(live_server.url(demo.DEMO_SLUG, f"/admin/declarations/?periode={OCTOBER}"))
    v.heading(f"Déclarations {OCTOBRE}")
    main = page.locator("main")
    listing = page.get_by_role("table", name="Les hébergements de la période, leur état et "
                                             "leur montant")
    for name, amount in AMOUNTS.items():
        row = listing.get_by_role("row").filter(has=page.get_by_role("link", name=name,
                                                                       exact=True))
        assert "Déclarée" in text_of(row) and amount in text_of(row), name
        assert "Durand Paul" in text_of(row)
    assert "Déclarée : 3" in text_of(main)
    by_category = page.get_by_role("table", name="Par nature et catégorie")
    footer = text_of(by_category.locator("tfoot"))
    assert footer == f"Total 3 20 10 {TOTAL}", footer
    by_channel = text_of(page.get_by_role("table", name="Par canal"))
    assert f"En direct (taxables et exonérées) 30 {TOTAL}" in by_channel
    assert "Via une plateforme qui a collecté la taxe 4 0,00 €" in by_channel
    # One declaration as the agent sees it, and the host's history.
    listing.get_by_role("link", name="Chambres du Moulin", exact=True).click()
    v.heading(f"Déclaration {OCTOBRE} – « Chambres du Moulin »")
    expect(page.locator("main")).to_contain_text(references["Chambres du Moulin"])
    page.get_by_role("link", name="Historique de l'hébergeur").click()
    v.heading("Déclarations de Paul Durand")
    assert v.kinds() == {"/admin/", "/admin/connexion", "/admin/verification",
                         "/admin/declarations/", "/admin/declarations/N/N",
                         "/admin/declarations/hebergeurs/N"}, v.kinds()
    context.close()
