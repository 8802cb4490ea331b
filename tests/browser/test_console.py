"""The console in a real browser: an administrator invited by command enrols TOTP, changes the
support phone (seen on the hosts' login page), publishes a CGU version (a host is asked to
accept it), imports hosts and downloads their letters; axe-core clean on every console page."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from plateforme import mail
from tests.browser.conftest import axe_violations
from tests.browser.test_host_journey import confirmation_link
from tests.conftest import create_tenant
from tests.tenants.conftest import FIXTURES

pytestmark = pytest.mark.browser

AGENT_PASSWORD = "un bureau calme au bord du canal"
HOST_PASSWORD = "une longue phrase de passe tranquille"


def checked(page, visited):
    visited.append(page.url)
    assert axe_violations(page) == [], page.url


def test_an_administrators_day(live_server, browser, tmp_path):
    app = live_server.app
    create_tenant(app, "vallee-verte", "Vallée Verte")
    result = app.test_cli_runner().invoke(
        args=["tenants", "add-admin", "vallee-verte", "maire@vallee-verte.fr", "--name",
              "Marie Maire"])
    assert result.exit_code == 0, result.output
    link = re.search(r"https?://\S+/admin/invitation/\S+", result.output).group(0)
    visited = []
    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    page = context.new_page()

    # Invitation, password, TOTP enrolment, recovery codes.
    page.goto(link)
    checked(page, visited)
    page.get_by_label("Mot de passe", exact=True).fill(AGENT_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Configurer la double authentification")
    checked(page, visited)
    secret = page.locator("code.secret").inner_text()
    page.get_by_label("Code de vérification").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vos codes de secours")
    checked(page, visited)
    page.get_by_role("link", name="J'ai noté mes codes, continuer").click()
    expect(page.locator("body")).to_contain_text("Console de Vallée Verte")
    checked(page, visited)

    # Support phone: seen on the hosts' login page.
    nav = page.get_by_role("navigation", name="Menu de la console")
    nav.get_by_role("link", name="Paramètres").click()
    checked(page, visited)
    page.get_by_label("Téléphone du service technique").fill("04 75 99 00 11")
    page.get_by_role("button", name="Enregistrer les paramètres").click()
    expect(page.locator("body")).to_contain_text("Paramètres enregistrés")
    host_context = browser.new_context(locale="fr-FR")
    host_page = host_context.new_page()
    host_page.goto(live_server.url("vallee-verte"))
    expect(host_page.locator("body")).to_contain_text("04 75 99 00 11")

    # Import hosts, check, import, download their letters.
    nav.get_by_role("link", name="Hébergeurs").click()
    checked(page, visited)
    page.get_by_role("link", name="Importer un fichier CSV").click()
    checked(page, visited)
    page.get_by_label("Fichier CSV").set_input_files(str(FIXTURES / "hebergeurs.csv"))
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.locator("body")).to_contain_text("3 hébergeur(s) à créer")
    checked(page, visited)
    page.get_by_role("button", name="Importer", exact=True).click()
    expect(page.locator("body")).to_contain_text("3 hébergeur(s) créé(s)")
    checked(page, visited)
    page.get_by_label("Choisir Élodie Martin").check()
    page.get_by_label("Choisir Louis Petit").check()
    page.get_by_label("Format").select_option("csv")
    page.get_by_role("button", name="Produire les courriers").click()
    expect(page.locator("body")).to_contain_text("2 courrier(s) CSV seront produits")
    checked(page, visited)
    page.get_by_role("button", name="Produire 2 courrier(s)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Courriers préparés")
    checked(page, visited)
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le lot n° 1").click()
    letters = (tmp_path / "courriers.csv")
    download.value.save_as(letters)
    rows = letters.read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 3 and rows[0].startswith("reference;civilite;nom")
    martin = next(r for r in rows if ";Martin;" in r)
    code = martin.split(";")[6]
    page.get_by_role("link", name="Retour aux hébergeurs").click()

    # Every other console page, for axe.
    page.get_by_role("link", name="Martin Élodie").click()
    checked(page, visited)
    page.get_by_role("link", name="Gîte des Lilas").click()
    checked(page, visited)
    page.goto(live_server.url("vallee-verte", "/admin/hebergeurs/nouveau"))
    checked(page, visited)
    for name in ("Actualités", "Documents", "Agents", "Journal", "Confidentialité"):
        page.get_by_role("navigation", name="Menu de la console").get_by_role(
            "link", name=name).click()
        checked(page, visited)
    page.goto(live_server.url("vallee-verte", "/admin/actualites/nouvelle"))
    checked(page, visited)

    # A host activates their account and accepts CGU v1…
    host_page.goto(live_server.url("vallee-verte", "/activation/"))
    host_page.get_by_label("Code d'activation").fill(code)
    host_page.get_by_role("button", name="Valider le code").click()
    host_page.get_by_role("button", name="Valider mes informations").click()
    host_page.get_by_label("Identifiant (Courriel)").fill("elodie@example.fr")
    host_page.get_by_label("Mot de passe", exact=True).fill(HOST_PASSWORD)
    host_page.get_by_label("Confirmez le mot de passe").fill(HOST_PASSWORD)
    host_page.get_by_role("button", name="Activer mon compte").click()
    expect(host_page.locator("body")).to_contain_text("Plus qu'une étape")
    host_page.goto(confirmation_link(live_server, "vallee-verte", "elodie@example.fr"))
    host_page.get_by_role("button", name="Activer mon compte").click()
    expect(host_page.locator("body")).to_contain_text("Votre compte est activé")
    host_page.get_by_label("Identifiant (Courriel)").fill("elodie@example.fr")
    host_page.get_by_label("Mot de passe", exact=True).fill(HOST_PASSWORD)
    host_page.get_by_role("button", name="Se connecter").click()
    host_page.get_by_label("Accepter les CONDITIONS GÉNÉRALES D'UTILISATION*").check()
    host_page.get_by_label("Accepter la POLITIQUE DE CONFIDENTIALITÉ*").check()
    host_page.get_by_role("button", name="Valider").click()
    expect(host_page.locator("body")).to_contain_text("Bienvenue sur votre tableau de bord")

    # …then the administrator publishes CGU v2, and the host is asked to accept it.
    page.get_by_role("navigation", name="Menu de la console").get_by_role(
        "link", name="CGU").click()
    checked(page, visited)
    page.get_by_label("Texte (Markdown)").fill("# CGU, version 2\n\nDe nouvelles règles.")
    page.get_by_role("button", name="Prévisualiser").click()
    checked(page, visited)
    page.get_by_role("button", name="Publier comme nouvelle version").click()
    page.get_by_label("Je confirme la publication", exact=False).check()
    page.get_by_role("button", name="Publier la nouvelle version").click()
    expect(page.locator("body")).to_contain_text("nouvelle version publiée")
    page.get_by_role("link", name="1 compte(s) actif(s)").click()
    expect(page.locator("body")).to_contain_text("Élodie Martin")
    checked(page, visited)
    host_page.goto(live_server.url("vallee-verte", "/tableau-de-bord"))
    expect(host_page.get_by_role("heading", level=1)).to_have_text(
        "Validez les nouvelles conditions")

    assert len(visited) >= 18
    assert not [m for m in mail.outbox(app) if "invitation" not in m["Subject"].lower()
                and "confirmez votre adresse" not in m["Subject"]]
    host_context.close()
    context.close()


def test_the_console_login_with_totp(live_server, page):
    from tests.tenants.conftest import make_agent

    tenant = create_tenant(live_server.app, "vallee-verte", "Vallée Verte")
    with live_server.app.app_context():
        email, secret = make_agent(tenant, "agent@vallee-verte.fr", "agent", "Bruno Agent")
    page.goto(live_server.url("vallee-verte", "/admin/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à la console")
    assert axe_violations(page) == []
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    assert axe_violations(page) == []
    page.get_by_label("Code de vérification").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator("body")).to_contain_text("Bonjour Bruno Agent (agent)")
    nav = page.get_by_role("navigation", name="Menu de la console")
    assert nav.get_by_role("link", name="Hébergeurs").is_visible()
    assert nav.get_by_role("link", name="Paramètres").count() == 0  # not for agents
