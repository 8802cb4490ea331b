"""The console's everyday pages in Chromium: the home's panels, the journal read as French
sentences and fitting the page (1,280 px here, 320 px in every page's checks), the error pages
in the console's layout, and the confirmation before a new CGU version; axe-core clean."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import expect

from plateforme.database import db
from tenants.audit import journal
from tenants.hosts import importing
from tests.browser.conftest import axe_violations
from tests.conftest import create_tenant
from tests.tenants.conftest import AGENT_PASSWORD, FIXTURES, make_agent

pytestmark = pytest.mark.browser

WIDTH = """() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"""


def logs_in(page, live_server, email, secret):
    page.goto(live_server.url("vallee-verte", "/admin/"))
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code de vérification").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Console de Vallée Verte")


@pytest.fixture
def vallee(live_server):
    app = live_server.app
    tenant = create_tenant(app, "vallee-verte", "Vallée Verte")
    with app.app_context():
        with db.tenant_context(tenant):
            importing.import_hosts(db.session, (FIXTURES / "hebergeurs.csv").read_bytes())
            # What anyone can type into a login form: long, without a space.
            journal.record(db.session, "console.login_failure",
                           journal.Actor(ip="2001:db8:85a3:8d3:1319:8a2e:370:7348"),
                           target="quelqu.un." + "x" * 150 + "@example.fr")
            db.session.commit()
        admin = make_agent(tenant, "admin@vallee-verte.fr", "administrateur", "Alice Admin")
        agent = make_agent(tenant, "agent@vallee-verte.fr", "agent", "Bruno Agent")
    return admin, agent


def test_an_agents_home_and_error_pages(live_server, page, vallee):
    _admin, agent = vallee
    logs_in(page, live_server, *agent)
    assert page.title() == "Accueil – Console – Vallée Verte"
    expect(page.get_by_role("heading", name="À faire")).to_be_visible()
    expect(page.get_by_role("link", name="Envoyer le courrier d'activation à 2 hébergeur(s)")
           ).to_be_visible()
    expect(page.get_by_role("heading", name="Hébergeurs", exact=True)).to_be_visible()
    assert axe_violations(page) == []

    response = page.goto(live_server.url("vallee-verte", "/admin/journal"))
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    expect(page.locator("main")).to_contain_text(
        "Cette page est réservée aux administrateurs de la collectivité.")
    expect(page.locator("body")).not_to_contain_text("Espace hébergeur")
    expect(page.get_by_role("navigation", name="Menu de la console")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Revenir à l'accueil de la console").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Console de Vallée Verte")

    response = page.goto(live_server.url("vallee-verte", "/admin/nulle-part"))
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    expect(page.locator("footer")).to_contain_text("Console de la collectivité")
    assert axe_violations(page) == []


def test_the_journal_and_a_confirmed_publication(live_server, browser, vallee):
    admin, _agent = vallee
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    logs_in(page, live_server, *admin)
    page.get_by_role("navigation", name="Menu de la console").get_by_role(
        "link", name="Journal").click()
    main = page.locator("main")
    expect(main).to_contain_text("Alice Admin (administrateur)")
    expect(main).to_contain_text("s'est connecté(e) à la console")
    expect(main).to_contain_text("Une personne non connectée")
    expect(main).not_to_contain_text("console.login_success")
    scroll, client = page.evaluate(WIDTH)
    assert scroll <= client, f"the journal is {scroll} px wide at {client} px"
    assert axe_violations(page) == []

    page.get_by_role("navigation", name="Menu de la console").get_by_role(
        "link", name="CGU").click()
    page.get_by_label("Texte (Markdown)").fill("# CGU, version 2\n\nDe nouvelles règles.")
    page.get_by_role("button", name="Publier comme nouvelle version").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Publier la version 2 : Conditions générales d'utilisation")
    expect(main).to_contain_text("Aucun hébergeur n'a encore de compte actif")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Publier la nouvelle version").click()
    expect(main).to_contain_text("Cochez la case pour confirmer la publication.")
    assert page.title().startswith("Erreur : ")
    page.get_by_label("Je confirme la publication", exact=False).check()
    page.get_by_role("button", name="Publier la nouvelle version").click()
    expect(main).to_contain_text("nouvelle version publiée")
    context.close()
