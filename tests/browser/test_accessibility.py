"""What an RGAA audit checked by hand (issue 13), in a real browser: each field its own name,
errors announced by the title and the focus, a focus ring that shows on the header whatever
the brand colour, and the console's warning before the session ends. (Unique ids and reflow at
320 px are checked on every page of every browser test: tests/browser/conftest.py.)"""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from tenants.collectivite.branding import contrast
from tests.browser.conftest import axe_violations
from tests.browser.test_host_journey import PASSWORD, prepare
from tests.tenants.conftest import AGENT_PASSWORD, activated, make_agent

pytestmark = pytest.mark.browser

SLUG = "vallee-verte"
FOCUS_STYLE = """(element) => {
    const style = getComputedStyle(element);
    let parent = element, background = "rgba(0, 0, 0, 0)";
    while (parent && /rgba\\(0, 0, 0, 0\\)|transparent/.test(background)) {
        background = getComputedStyle(parent).backgroundColor;
        parent = parent.parentElement;
    }
    return {outline: style.outlineColor, width: style.outlineWidth, shadow: style.boxShadow,
            background};
}"""


def rgb(css: str):
    return tuple(int(n) for n in re.findall(r"\d+", css)[:3])


def assert_ring_shows(page, locator):
    """The focused element's ring: 3 px, two tones contrasting with each other, and one of them
    with what is behind it (RGAA 10.7)."""
    style = locator.evaluate(FOCUS_STYLE)
    assert style["width"] == "3px", style
    tones = [rgb(style["outline"]), rgb(style["shadow"])]
    background = rgb(style["background"])
    assert contrast(*tones) >= 3, style
    assert max(contrast(tone, background) for tone in tones) >= 3, style


def set_brand_colour(app, tenant, colour):
    from plateforme.database import db
    from tenants.collectivite import settings

    with app.app_context(), db.tenant_context(tenant):
        settings.get(db.session).brand_colour = colour
        db.session.commit()


def host_logged_in(live_server, page, tmp_path):
    from plateforme.database import db
    from plateforme.registry import require, tenant_info

    prepare(live_server, SLUG, "Vallée Verte", tmp_path)
    with live_server.app.app_context():
        tenant = tenant_info(require(db.session, SLUG))
        email = activated(tenant, "Petit", email="petit@example.fr")
    page.goto(live_server.url(SLUG))
    page.get_by_label("Identifiant (Courriel)", exact=True).fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Accepter les CONDITIONS GÉNÉRALES D'UTILISATION*").check()
    page.get_by_label("Accepter la POLITIQUE DE CONFIDENTIALITÉ*").check()
    page.get_by_role("button", name="Valider").click()
    page.wait_for_url("**/tableau-de-bord")
    return tenant


def test_mon_compte_names_each_field_and_errors_take_the_title_and_the_focus(
        live_server, page, tmp_path):
    host_logged_in(live_server, page, tmp_path)
    page.goto(live_server.url(SLUG, "/mon-compte"))
    password_section = page.get_by_role("region", name="Mon mot de passe")
    current = password_section.get_by_label("Mot de passe actuel", exact=True)
    expect(current).to_have_count(1)
    password_section.get_by_text("Mot de passe actuel", exact=True).click()
    expect(current).to_be_focused()  # its own label, not the email form's field

    # A refused action (wrong current password): the title and the focus say so.
    current.fill("pas le bon mot de passe du tout")
    password_section.get_by_label("Nouveau mot de passe", exact=True).fill(
        "une autre phrase de passe bien longue")
    password_section.get_by_label("Confirmez le nouveau mot de passe", exact=True).fill(
        "une autre phrase de passe bien longue")
    password_section.get_by_role("button", name="Changer mon mot de passe").click()
    expect(page).to_have_title(re.compile("^Erreur : Mon compte"))
    # `autofocus` is applied once the document is rendered, a moment after its title is set.
    expect(page.locator('[role="alert"]:focus')).to_have_count(1)
    assert axe_violations(page) == []

    # Fields left empty: a summary of the errors, focused, its links going to the fields.
    page.goto(live_server.url(SLUG, "/mon-compte"))
    expect(page).to_have_title(re.compile("^Mon compte"))
    page.get_by_role("button", name="Changer mon identifiant").click()
    expect(page).to_have_title(re.compile("^Erreur : Mon compte"))
    summary = page.locator(".errors-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Nouvel identifiant (Courriel)")
    summary.get_by_role("link", name=re.compile("^Mot de passe actuel")).click()
    expect(page.get_by_role("region", name="Mon identifiant (courriel)")
           .get_by_label("Mot de passe actuel", exact=True)).to_be_focused()
    assert axe_violations(page) == []


def test_the_legal_texts_links_mark_the_current_page(live_server, page, tmp_path):
    host_logged_in(live_server, page, tmp_path)
    footer = page.get_by_role("contentinfo")
    for name in ("Conditions générales d'utilisation", "Politique de confidentialité"):
        footer.get_by_role("link", name=name).click()
        expect(footer.get_by_role("link", name=name)).to_have_attribute("aria-current", "page")
    footer.get_by_role("link", name=re.compile("^Accessibilité")).click()
    expect(footer.get_by_role("link", name="Politique de confidentialité")).not_to_have_attribute(
        "aria-current", "page")


@pytest.mark.parametrize("colour", ["#123b66", "#767676", "#b35c00"])
def test_the_focus_ring_shows_on_the_header_whatever_the_brand_colour(live_server, page,
                                                                     tmp_path, colour):
    tenant = host_logged_in(live_server, page, tmp_path)
    set_brand_colour(live_server.app, tenant, colour)
    page.reload()
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the collectivité's name, in the header
    brand = page.get_by_role("banner").get_by_role("link").first
    expect(brand).to_be_focused()
    assert_ring_shows(page, brand)
    assert rgb(brand.evaluate(FOCUS_STYLE)["background"]) == rgb(
        f"rgb({int(colour[1:3], 16)}, {int(colour[3:5], 16)}, {int(colour[5:7], 16)})")


def agent_logged_in(live_server, page):
    from plateforme.database import db
    from plateforme.registry import require, tenant_info
    from tenants.access.rules import Role

    app = live_server.app
    runner = app.test_cli_runner()
    from tests.conftest import create_tenant
    from tests.tenants.conftest import FIXTURES

    create_tenant(app, SLUG, "Vallée Verte")
    assert runner.invoke(args=["hosts", "import", SLUG,
                               str(FIXTURES / "hebergeurs.csv")]).exit_code == 0
    with app.app_context():
        tenant = tenant_info(require(db.session, SLUG))
        email, secret = make_agent(tenant, "alice@vallee-verte.fr", Role.ADMINISTRATEUR,
                                   "Alice Admin")
    page.goto(live_server.url(SLUG, "/admin/"))
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code de vérification").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator("body")).to_contain_text("Bonjour Alice Admin")
    return tenant


def test_the_console_warns_before_the_session_ends_and_keeps_what_was_typed(live_server, page):
    live_server.app.config["SESSION_IDLE_MINUTES"] = 1  # the warning 30 s before
    page.clock.install()  # the page's timers are armed at load: the fake clock goes in first
    agent_logged_in(live_server, page)
    nav = page.get_by_role("navigation", name="Menu de la console")
    nav.get_by_role("link", name="Paramètres").click()
    phone = page.get_by_label("Téléphone du service technique")
    phone.fill("04 75 00 00 01")
    expect(phone).to_be_focused()

    page.clock.run_for(31_000)
    warning = page.get_by_role("alertdialog")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("va bientôt expirer")
    expect(warning.get_by_role("button", name="Rester connecté(e)")).to_be_focused()
    assert axe_violations(page) == []
    with page.expect_response("**/admin/session/prolonger") as extended:
        page.keyboard.press("Enter")
    assert extended.value.status == 200  # the agent's own session, not a redirect to log in
    expect(warning).to_be_hidden()
    assert page.url.endswith("/admin/parametres")
    expect(phone).to_be_focused()  # back where the agent was, what they typed kept
    expect(phone).to_have_value("04 75 00 00 01")

    # A colour refused by the server: the title and the focus say so.
    page.get_by_label("Couleur principale (#RRVVBB)").fill("#ffff00")
    page.get_by_role("button", name="Enregistrer les paramètres").click()
    expect(page).to_have_title(re.compile("^Erreur : Paramètres"))
    expect(page.locator('[role="alert"]:focus')).to_contain_text("Couleur refusée")


def test_console_menus_mark_the_current_text_and_summaries_show_a_full_ring(live_server,
                                                                           page):
    agent_logged_in(live_server, page)
    nav = page.get_by_role("navigation", name="Menu de la console")
    for label in ("CGU", "Confidentialité"):
        nav.get_by_role("link", name=label, exact=True).click()
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_attribute(
            "aria-current", "page")
    nav.get_by_role("link", name="Hébergeurs").click()
    page.get_by_role("link", name=re.compile("Martin")).first.click()
    summary = page.locator("summary", has_text="Ajouter un hébergement")
    summary.focus()
    assert_ring_shows(page, summary)
