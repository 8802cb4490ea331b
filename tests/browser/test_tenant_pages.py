"""In a real browser: each collectivité on its own subdomain, the unknown ones refused."""

import pytest
from playwright.sync_api import expect

from tests.conftest import create_tenant

pytestmark = pytest.mark.browser


def test_two_collectivites_each_show_their_own_name(live_server, page):
    create_tenant(live_server.app, "vallee-verte", "Vallée Verte")
    create_tenant(live_server.app, "pays-bleu", "Pays Bleu")

    page.goto(live_server.url("vallee-verte"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vallée Verte")
    assert "Pays Bleu" not in page.content()

    page.goto(live_server.url("pays-bleu"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pays Bleu")
    assert "Vallée Verte" not in page.content()


def test_an_unknown_subdomain_shows_the_404_page(live_server, page):
    response = page.goto(live_server.url("inconnue"))
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Collectivité introuvable")
    link = page.get_by_role("link", name="Aller sur la page d'accueil de taxesejour.fr")
    link.click()
    assert page.url == live_server.url()
    expect(page.get_by_role("heading", level=1)).to_have_text("taxesejour.fr")


def test_pages_have_no_accessibility_violations(live_server, page):
    from tests.browser.conftest import axe_violations

    create_tenant(live_server.app, "vallee-verte", "Vallée Verte")
    for url in (live_server.url("vallee-verte"), live_server.url("vallee-verte", "/accessibilite"),
                live_server.url(), live_server.url("inconnue"),
                live_server.url("vallee-verte", "/nulle-part")):
        page.goto(url)
        assert axe_violations(page) == [], url


def test_the_skip_link_is_the_first_stop_of_the_keyboard(live_server, page):
    create_tenant(live_server.app, "vallee-verte", "Vallée Verte")
    page.goto(live_server.url("vallee-verte"))
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Aller au contenu"
    page.keyboard.press("Enter")
    page.wait_for_url("**#contenu")
    assert page.evaluate("document.activeElement.id") == "contenu"
