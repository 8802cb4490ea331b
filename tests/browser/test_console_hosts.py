"""The console's hosts and the second factor in a real browser (issue 13, item 11): the
recovery codes saved as a .txt file and printed (with and without JavaScript), the key shown in
groups of 4, and the hosts' search box as wide as the filters beside it."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.conftest import create_tenant

pytestmark = pytest.mark.browser

AGENT_PASSWORD = "un bureau calme au bord du canal"


def enrol(live_server, browser, javascript=True):
    """A new administrator from `flask tenants add-admin` to the recovery codes page."""
    app = live_server.app
    create_tenant(app, "vallee-verte", "Vallée Verte")
    result = app.test_cli_runner().invoke(
        args=["tenants", "add-admin", "vallee-verte", "maire@vallee-verte.fr"])
    link = re.search(r"https?://\S+/admin/invitation/\S+", result.output).group(0)
    context = browser.new_context(locale="fr-FR", accept_downloads=True,
                                  java_script_enabled=javascript)
    page = context.new_page()
    page.goto(link)
    page.get_by_label("Mot de passe", exact=True).fill(AGENT_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    key = page.locator("code.secret")
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}",
                        " ".join(key.locator("span").all_inner_texts()))
    secret = key.inner_text()              # copied whole: no space in it
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    expect(page.locator("#code-aide")).to_contain_text("vous seront donnés ensuite")
    page.get_by_label("Code de vérification").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vos codes de secours")
    return page, page.locator("ol.recovery-codes code").all_inner_texts()


def test_recovery_codes_are_downloaded_and_printed(live_server, browser, tmp_path):
    page, codes = enrol(live_server, browser)
    assert len(codes) == 10
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger (.txt)").click()
    saved = tmp_path / "codes.txt"
    download.value.save_as(saved)
    assert all(code in saved.read_text(encoding="utf-8") for code in codes)
    page.get_by_role("button", name="Imprimer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Codes de secours")
    assert page.locator("ol.recovery-codes code").all_inner_texts() == codes
    assert axe_violations(page) == []
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="Imprimer").click()
    assert page.evaluate("window.printed") is True
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("link", name="Continuer vers la console")).to_be_hidden()
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Continuer vers la console").click()

    # The hosts' search box is as wide as the filters beside it.
    page.goto(live_server.url("vallee-verte", "/admin/hebergeurs/"))
    search = page.get_by_label("Nom, courriel, référence ou hébergement").bounding_box()
    commune = page.get_by_label("Commune").bounding_box()
    assert search["width"] >= commune["width"] and search["height"] == commune["height"]


def test_without_javascript_the_print_page_says_how(live_server, browser):
    page, codes = enrol(live_server, browser, javascript=False)
    page.get_by_role("button", name="Imprimer").click()
    expect(page.locator("body")).to_contain_text("Ctrl+P")
    expect(page.get_by_role("button", name="Imprimer")).to_be_hidden()
    assert page.locator("ol.recovery-codes code").all_inner_texts() == codes
