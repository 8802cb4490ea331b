"""The operators' console in a real browser: an operator invited by `flask operators add`
chooses a password, enrols TOTP, keeps the recovery codes, logs out and back in with a code,
reads the journal; axe-core clean on every page (and 320 px reflow, checked by the fixtures)."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

PASSWORD = "une péniche amarrée sous le pont levis"


def checked(page):
    assert axe_violations(page) == [], page.url


def test_an_operator_joins_and_logs_in_with_totp(live_server, browser):
    app = live_server.app
    result = app.test_cli_runner().invoke(
        args=["operators", "add", "olga@taxesejour.fr", "--name", "Olga Opératrice"])
    assert result.exit_code == 0, result.output
    link = re.search(r"https?://\S+/operateurs/invitation/\S+", result.output).group(0)
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()

    page.goto(link)
    checked(page)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Configurer la double authentification")
    checked(page)
    secret = page.locator("code.secret").inner_text().replace(" ", "").replace("\n", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code de vérification").fill(totp.now())
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vos codes de secours")
    checked(page)
    page.get_by_role("link", name="J'ai noté mes codes, continuer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Console des opérateurs")
    checked(page)

    nav = page.get_by_role("navigation", name="Menu de la console des opérateurs")
    nav.get_by_role("button", name="Se déconnecter (Olga Opératrice)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Connexion à la console des opérateurs")
    checked(page)
    page.get_by_label("Courriel").fill("olga@taxesejour.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérification en deux étapes")
    checked(page)
    # The code used at enrolment is never accepted twice: the next step's.
    page.get_by_label("Code de vérification").fill(totp.at(time.time() + totp.interval))
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Console des opérateurs")

    page.get_by_role("navigation", name="Menu de la console des opérateurs").get_by_role(
        "link", name="Journal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal de la plateforme")
    expect(page.locator("table.journal")).to_contain_text(
        "olga@taxesejour.fr a activé la double authentification")
    checked(page)
    page.get_by_label("Action").select_option("operator.login")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("main")).to_contain_text("2 action(s)")
    checked(page)
    context.close()
