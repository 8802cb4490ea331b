"""Onboarding in a real browser: an operator finds a collectivité by its SIREN, creates its space,
follows the steps until it is open (its administrator invited), suspends it with a reason and
adds a custom domain; axe-core clean on the list, onboarding, progress and detail pages (and
320 px reflow, checked by the fixtures)."""

import pyotp
import pytest
from playwright.sync_api import expect

from plateforme import mail
from tests.browser.conftest import axe_violations
from tests.plateforme.operators.conftest import OPERATOR_PASSWORD, make_operator

pytestmark = pytest.mark.browser


def checked(page):
    assert axe_violations(page) == [], page.url


def test_an_operator_onboards_and_suspends_a_collectivite(live_server, browser):
    app = live_server.app
    email, secret = make_operator("olga@taxesejour.fr", "operateur", "Olga Opératrice")
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(live_server.url(path="/operateurs/connexion"))
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code de vérification").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Console des opérateurs")

    nav = page.get_by_role("navigation", name="Menu de la console des opérateurs")
    nav.get_by_role("link", name="Collectivités").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Collectivités")
    expect(page.locator("main")).to_contain_text("0 collectivité(s).")
    checked(page)

    page.get_by_role("link", name="Nouvelle collectivité").click()
    checked(page)
    page.get_by_label("SIREN", exact=True).first.fill("200071413")
    page.get_by_role("button", name="Préremplir").click()
    expect(page.get_by_label("Nom", exact=True)).to_have_value(
        "Communauté d'agglomération Privas Centre Ardèche")
    expect(page.get_by_label("Communes couvertes")).to_contain_text("07186 ; Privas ; 07000")
    page.get_by_label("Identifiant").fill("privas-centre-ardeche")
    page.get_by_label("Courriel du premier administrateur").fill("dgs@privas.fr")
    page.get_by_role("button", name="Créer la collectivité").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Création de Communauté d'agglomération Privas Centre Ardèche")
    expect(page.locator("main")).to_contain_text("La collectivité est ouverte")
    checked(page)
    assert [m["To"] for m in mail.outbox(app)] == ["dgs@privas.fr"]

    page.get_by_role("link", name="voir sa fiche").click()
    expect(page.locator("main")).to_contain_text("Hébergeurs")
    checked(page)
    page.get_by_label("Action").select_option("suspendre")
    page.get_by_label("Motif").fill("Convention non signée")
    page.get_by_role("button", name="Appliquer").click()
    expect(page.locator(".messages")).to_contain_text("est désormais suspendue")
    expect(page.locator("main")).to_contain_text("motif : Convention non signée")
    page.get_by_label("Domaine", exact=True).fill("taxe.privas.fr")
    page.get_by_role("button", name="Ajouter le domaine").click()
    expect(page.locator("main")).to_contain_text(
        "taxe.privas.fr. CNAME privas-centre-ardeche.taxesejour.localhost.")
    checked(page)

    visitor = browser.new_context(locale="fr-FR").new_page()
    response = visitor.goto(live_server.url("privas-centre-ardeche"))
    assert response.status == 503

    nav.get_by_role("link", name="Collectivités").click()
    page.get_by_label("Rechercher", exact=True).fill("200071413")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("main")).to_contain_text("1 collectivité(s).")
    checked(page)
    nav.get_by_role("link", name="Santé de la plateforme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Santé de la plateforme")
    checked(page)
    context.close()
