"""Host pages in a real browser: the guided tour's dialog beside (never over) the section it
explains, on a desktop and on a phone; a new version of the CGU, with a menu that offers only
what works until it is accepted."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.browser.test_host_journey import PASSWORD, prepare

pytestmark = pytest.mark.browser

WIDTHS = {1280: 800, 375: 667}


def _host(server, tmp_path, email):
    from plateforme.database import db
    from plateforme.registry import require, tenant_info
    from tests.tenants.conftest import activated

    prepare(server, "vallee-verte", "Vallée Verte", tmp_path)
    with server.app.app_context():
        tenant = tenant_info(require(db.session, "vallee-verte"))
        return activated(tenant, "Petit", email=email)


def _log_in(page, server, email):
    page.goto(server.url("vallee-verte"))
    page.get_by_label("Identifiant (Courriel)", exact=True).fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def _overlap(a, b) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


@pytest.mark.parametrize("width", WIDTHS)
def test_the_tour_dialog_never_covers_the_section_it_explains(live_server, browser, tmp_path,
                                                              width):
    from tenants.core.navigation import tour_steps

    email = _host(live_server, tmp_path, f"visite{width}@example.fr")
    context = browser.new_context(locale="fr-FR",
                                  viewport={"width": width, "height": WIDTHS[width]})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _log_in(page, live_server, email)
    page.get_by_label("Accepter les CONDITIONS GÉNÉRALES D'UTILISATION*").check()
    page.get_by_label("Accepter la POLITIQUE DE CONFIDENTIALITÉ*").check()
    page.get_by_role("button", name="Valider").click()
    page.get_by_role("button", name="Lancer la visite guidée").click()
    dialog = page.get_by_role("dialog")
    previous = dialog.get_by_role("button", name="Étape précédente")
    steps = tour_steps(live_server.app)
    for number, step in enumerate(steps, start=1):
        expect(dialog).to_contain_text(f"Étape {number} sur {len(steps)}")
        if number == 1:
            expect(previous).to_be_disabled()
        else:
            expect(previous).to_be_enabled()
        box = dialog.bounding_box()
        target = page.locator(f"#{step.anchor}").bounding_box()
        assert not _overlap(box, target), (width, step.anchor, box, target)
        # The dialog is whole inside the window, across and down.
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (width, step.anchor, box)
        assert box["y"] >= 0 and box["y"] + box["height"] <= WIDTHS[width], (width, step.anchor)
        if number < len(steps):
            dialog.get_by_role("button", name="Étape suivante").click()
    previous.click()
    expect(dialog).to_contain_text(f"Étape {len(steps) - 1} sur {len(steps)}")
    assert errors == []
    context.close()


def test_a_new_cgu_version_is_explained_and_the_menu_offers_only_what_works(live_server, page,
                                                                            tmp_path):
    email = _host(live_server, tmp_path, "nouvelles@example.fr")
    _log_in(page, live_server, email)
    page.get_by_label("Accepter les CONDITIONS GÉNÉRALES D'UTILISATION*").check()
    page.get_by_label("Accepter la POLITIQUE DE CONFIDENTIALITÉ*").check()
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bienvenue sur votre tableau de bord")

    text = tmp_path / "cgu-v2.md"
    text.write_text("# CGU version 2\n\nDe nouvelles conditions.\n", encoding="utf-8")
    result = live_server.app.test_cli_runner().invoke(
        args=["tenants", "publish-cgu", "vallee-verte", str(text)])
    assert result.exit_code == 0, result.output

    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Validez les nouvelles conditions")
    body = page.locator("main")
    expect(body).to_contain_text("Conditions générales d'utilisation : version 2, en vigueur "
                                 "depuis le")
    expect(body).not_to_contain_text("Pour créer et valider votre compte")
    expect(body).not_to_contain_text("Veuillez vérifier vos informations")
    assert axe_violations(page) == []
    nav = page.get_by_role("navigation", name="Menu principal")
    expect(nav.get_by_role("link")).to_have_text([
        "Accepter les conditions", "Conditions générales d'utilisation",
        "Politique de confidentialité", "Besoin d'aide"])
    expect(nav.get_by_role("button", name="Se déconnecter")).to_be_visible()
    nav.get_by_role("link", name="Besoin d'aide").click()
    expect(page).to_have_url(live_server.url("vallee-verte", "/aide"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Besoin d'aide")
    assert axe_violations(page) == []
    nav.get_by_role("link", name="Conditions générales d'utilisation").click()
    expect(page.locator("main")).to_contain_text("CGU version 2")
    nav.get_by_role("link", name="Accepter les conditions").click()
    # The text is at hand beside its box, in a new tab.
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Lire les conditions générales d'utilisation (version 2, "
                                       "nouvel onglet)").click()
    expect(popup.value.locator("main")).to_contain_text("CGU version 2")
    popup.value.close()
    page.get_by_label("Accepter les CONDITIONS GÉNÉRALES D'UTILISATION*").check()
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bienvenue sur votre tableau de bord")
    expect(nav.get_by_role("link", name="Mon compte")).to_be_visible()
