"""The seed's journey in a real browser, driven by the visible French labels: letter CSV →
activation code → details → credentials → CGU → dashboard → logout → login with "Se souvenir
de moi" → forgot password → link from the email → new password → login. On two collectivités,
with a cookie from one refused by the other; every page checked by axe-core; the keyboard alone
and JavaScript off both complete it."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from plateforme import mail
from tests.browser.conftest import axe_violations
from tests.conftest import create_tenant
from tests.tenants.conftest import FIXTURES

pytestmark = pytest.mark.browser

PASSWORD = "une longue phrase de passe tranquille"
FIRST_CGU = re.compile("^Lors de votre première connexion")
FOCUSED_LABEL = """() => {
    const e = document.activeElement;
    const label = e.labels && e.labels.length ? e.labels[0].innerText : "";
    return (label || e.innerText || e.value || "").trim();
}"""
NEW_PASSWORD = "un tout autre mot de passe bien long"


def prepare(server, slug, name, tmp_path):
    """The collectivité's part, by command: import, support number, letters as CSV."""
    app = server.app
    create_tenant(app, slug, name)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["hosts", "import", slug,
                               str(FIXTURES / "hebergeurs.csv")]).exit_code == 0
    assert runner.invoke(args=["tenants", "set", slug, "--support-phone",
                               "04 75 12 34 56"]).exit_code == 0
    out = tmp_path / f"{slug}.csv"
    result = runner.invoke(args=["hosts", "letters", slug, "--format", "csv",
                                 "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")),
                               delimiter=";"))
    return next(r for r in rows if r["nom"] == "Martin")


class Journey:
    def __init__(self, page, server, check_a11y=True):
        self.page, self.server, self.check_a11y = page, server, check_a11y
        self.visited = []

    def check(self):
        self.visited.append(self.page.url)
        if self.check_a11y:
            assert axe_violations(self.page) == [], self.page.url

    def fill(self, label, value):
        self.page.get_by_label(label, exact=True).fill(value)

    def click(self, name):
        self.page.get_by_role("button", name=name).click()


def confirmation_link(server, slug, email) -> str:
    message = next(m for m in reversed(mail.outbox(server.app)) if m["To"] == email)
    link = re.search(r"https?://\S+", message.get_body(("plain",)).get_content()).group(0)
    assert link.startswith(server.url(slug, "/activation/confirmer/"))
    return link


def walk(page, server, slug, letter, email, check_a11y=True):
    j = Journey(page, server, check_a11y)
    assert letter["url_activation"] == server.url(slug, "/activation/")
    page.goto(server.url(slug))
    j.check()
    page.get_by_role("link", name="Activer mon compte").click()
    j.check()
    j.fill("Code d'activation", letter["code_activation"])
    j.click("Valider le code")
    expect(page.locator("body")).to_contain_text("Veuillez vérifier vos informations de compte")
    j.check()
    j.fill("Téléphone (facultatif)", "06 12 34 56 78")
    page.get_by_label("Classement").first.select_option(label="4 étoiles")
    j.click("Valider mes informations")
    j.check()
    j.fill("Identifiant (Courriel)", email)
    j.fill("Mot de passe", PASSWORD)
    j.fill("Confirmez le mot de passe", PASSWORD)
    j.click("Activer mon compte")
    # The address is confirmed by the link emailed to it (issue 12, finding 6).
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Plus qu'une étape : confirmez votre adresse")
    j.check()
    page.goto(confirmation_link(server, slug, email))
    assert "/confirmer/" not in page.url  # the token left the address bar
    j.check()
    j.click("Activer mon compte")
    expect(page.locator("body")).to_contain_text("Votre compte est activé")
    j.check()

    j.fill("Identifiant (Courriel)", email)
    j.fill("Mot de passe", PASSWORD)
    j.click("Se connecter")
    expect(page.get_by_role("heading", level=1)).to_have_text(FIRST_CGU)
    j.check()
    page.get_by_label("Accepter les CONDITIONS GÉNÉRALES D'UTILISATION*").check()
    page.get_by_label("Accepter la POLITIQUE DE CONFIDENTIALITÉ*").check()
    j.click("Valider")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue sur votre tableau de bord")
    expect(page.locator("body")).to_contain_text("4 étoiles")
    j.check()
    page.get_by_role("link", name="Modifier « Gîte des Lilas »").click()
    j.check()
    page.get_by_role("link", name="Retour au tableau de bord").click()
    page.get_by_role("link", name="Conditions générales d'utilisation").click()
    j.check()
    page.go_back()
    for link in ("Mon compte", "Mes documents", "Besoin d'aide"):
        page.get_by_role("navigation").get_by_role("link", name=link).click()
        j.check()
    page.get_by_role("link", name="suivre la visite guidée").click()
    j.check()
    j.click("Se déconnecter")
    expect(page.locator("body")).to_contain_text("Vous êtes déconnecté(e)")

    j.fill("Identifiant (Courriel)", email)
    j.fill("Mot de passe", PASSWORD)
    page.get_by_label("Se souvenir de moi").check()
    j.click("Se connecter")
    expect(page.locator("body")).to_contain_text("Bienvenue sur votre tableau de bord")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["remember"]["httpOnly"] and cookies["remember"]["expires"] > 0
    assert cookies["session"]["expires"] == -1  # ends with the browser
    j.click("Se déconnecter")

    page.get_by_role("link", name="Mot de passe oublié ?").click()
    j.check()
    j.fill("Identifiant (Courriel)", email)
    j.click("Recevoir un lien de réinitialisation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demande enregistrée")
    j.check()
    message = next(m for m in reversed(mail.outbox(server.app)) if m["To"] == email)
    link = re.search(r"https?://\S+", message.get_body(("plain",)).get_content()).group(0)
    assert link.startswith(server.url(slug, "/reinitialisation/"))
    page.goto(link)
    assert "/reinitialisation/" not in page.url  # the token left the address bar
    j.check()
    j.fill("Nouveau mot de passe", NEW_PASSWORD)
    j.fill("Confirmez le nouveau mot de passe", NEW_PASSWORD)
    j.click("Enregistrer le mot de passe")
    expect(page.locator("body")).to_contain_text("Votre mot de passe est changé")
    j.fill("Identifiant (Courriel)", email)
    j.fill("Mot de passe", NEW_PASSWORD)
    j.click("Se connecter")
    expect(page.locator("body")).to_contain_text("Bienvenue sur votre tableau de bord")
    return j


def test_the_whole_journey_on_two_collectivites(live_server, browser, tmp_path):
    letters = {slug: prepare(live_server, slug, name, tmp_path)
               for slug, name in (("vallee-verte", "Vallée Verte"), ("pays-bleu", "Pays Bleu"))}
    contexts = {}
    for slug in letters:
        context = browser.new_context(locale="fr-FR")
        page = context.new_page()
        walk(page, live_server, slug, letters[slug], f"elodie@{slug}.example.fr")
        contexts[slug] = context
    # Both are logged in as host 1 of their own collectivité. A's cookies, copied into B's
    # browser for B's host, are refused: B's space stays closed to them.
    stolen = [dict(c, domain="pays-bleu.taxesejour.localhost")
              for c in contexts["vallee-verte"].cookies()]
    intruder = browser.new_context(locale="fr-FR")
    intruder.add_cookies([{k: c[k] for k in ("name", "value", "domain", "path")}
                          for c in stolen])
    page = intruder.new_page()
    page.goto(live_server.url("pays-bleu", "/tableau-de-bord"))
    assert page.url.startswith(live_server.url("pays-bleu", "/?next="))
    expect(page.locator("body")).to_contain_text("Connectez-vous pour accéder")
    for context in (*contexts.values(), intruder):
        context.close()


def test_the_journey_works_with_javascript_off(live_server, browser, tmp_path):
    letter = prepare(live_server, "vallee-verte", "Vallée Verte", tmp_path)
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    walk(page, live_server, "vallee-verte", letter, "sans-js@example.fr", check_a11y=False)
    # A button only a script can bring to life stays out of sight without one (the stylesheet's
    # .button once overrode the hidden attribute: a dead button, and a race for the tour test).
    page.goto(live_server.url("vallee-verte", "/tableau-de-bord"))
    expect(page.locator("#lancer-visite")).to_be_hidden()
    expect(page.get_by_role("link", name="Suivre la visite guidée")).to_be_visible()
    context.close()


def test_login_with_the_keyboard_alone(live_server, page, tmp_path):
    from tests.tenants.conftest import activated

    prepare(live_server, "vallee-verte", "Vallée Verte", tmp_path)
    from plateforme.database import db  # noqa: F401  (activated binds through db)

    with live_server.app.app_context():
        from plateforme.registry import require, tenant_info

        tenant = tenant_info(require(db.session, "vallee-verte"))
        email = activated(tenant, "Petit", email="clavier@example.fr")
    page.goto(live_server.url("vallee-verte"))
    focused = []
    for _ in range(30):
        page.keyboard.press("Tab")
        label = page.evaluate(FOCUSED_LABEL)
        focused.append(label)
        if label == "Identifiant (Courriel)":
            page.keyboard.type(email)
        elif label == "Mot de passe":
            page.keyboard.type(PASSWORD)
        elif label == "Se connecter":
            page.keyboard.press("Enter")
            break
    assert focused[0] == "Aller au contenu"
    page.wait_for_url("**/cgu")
    expect(page.get_by_role("heading", level=1)).to_have_text(FIRST_CGU)
    page.keyboard.press("Tab")
    for _ in range(40):
        label = page.evaluate(FOCUSED_LABEL)
        if label.startswith("Accepter"):
            page.keyboard.press("Space")
        if label == "Valider":
            page.keyboard.press("Enter")
            break
        page.keyboard.press("Tab")
    page.wait_for_url("**/tableau-de-bord")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue sur votre tableau de bord")


def test_the_guided_tour_and_the_timeout_warning_work_with_the_keyboard(live_server, page,
                                                                       tmp_path):
    from tests.tenants.conftest import activated

    live_server.app.config["SESSION_IDLE_MINUTES"] = 5  # the warning 2 minutes before
    prepare(live_server, "vallee-verte", "Vallée Verte", tmp_path)
    with live_server.app.app_context():
        from plateforme.database import db
        from plateforme.registry import require, tenant_info

        tenant = tenant_info(require(db.session, "vallee-verte"))
        email = activated(tenant, "Petit", email="visite@example.fr")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url("vallee-verte"))
    page.get_by_label("Identifiant (Courriel)", exact=True).fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Accepter les CONDITIONS GÉNÉRALES D'UTILISATION*").check()
    page.get_by_label("Accepter la POLITIQUE DE CONFIDENTIALITÉ*").check()
    page.get_by_role("button", name="Valider").click()

    launch = page.get_by_role("button", name="Lancer la visite guidée")
    expect(launch).to_be_visible()  # tour.js shows it once loaded
    launch.press("Enter")  # focuses the button, then the key
    from tenants.core.navigation import tour_steps

    count = len(tour_steps(live_server.app))    # every package explains its own panel
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert errors == []
    expect(dialog).to_contain_text(f"Étape 1 sur {count}")
    page.keyboard.press("Enter")  # focus is on "Étape suivante"
    expect(dialog).to_contain_text(f"Étape 2 sur {count}")
    expect(dialog).to_contain_text("Vos informations personnelles")
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # The warning, with time in the test's hands: the page's timers are armed at load, so the
    # fake clock goes in first, then the page is loaded again.
    page.clock.install()
    page.reload()
    page.clock.run_for(181_000)
    warning = page.get_by_role("alertdialog")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("va bientôt expirer")
    assert page.evaluate("document.activeElement.textContent") == "Rester connecté(e)"
    page.keyboard.press("Enter")
    expect(warning).to_be_hidden()
