"""« Trouvez votre collectivité » in a real browser, JavaScript on and off: a host types a
commune or a postal code with the keyboard, reads the results, follows the link to the space,
and axe finds nothing to fix."""

import pytest
from playwright.sync_api import expect

from plateforme import communes
from tests.browser.conftest import axe_violations
from tests.conftest import create_tenant

pytestmark = pytest.mark.browser


@pytest.fixture
def bassin(live_server):
    create_tenant(live_server.app, "bassin-aubenas", "Bassin d'Aubenas",
                  communes=[communes.commune(c) for c in ("07019", "07331", "07116")])


@pytest.mark.parametrize("javascript", [True, False])
def test_a_host_finds_the_space_by_a_postal_code_and_goes_there(live_server, browser, bassin,
                                                                 javascript):
    context = browser.new_context(locale="fr-FR", java_script_enabled=javascript)
    page = context.new_page()
    page.goto(live_server.url())
    field = page.get_by_label("Commune ou code postal")
    field.fill("07200")
    field.press("Enter")
    results = page.get_by_role("heading", level=3)
    expect(results).to_have_text("2 communes trouvées pour « 07200 »")
    expect(page).to_have_title("2 communes trouvées pour « 07200 » – Accueil – taxesejour.fr")
    expect(page.get_by_label("Commune ou code postal")).to_have_value("07200")
    items = page.locator("section ul li")
    expect(items).to_have_text([
        "Aubenas (07200) : Bassin d'Aubenas, bassin-aubenas.taxesejour.localhost:"
        f"{live_server.port}",
        "Labégude (07200) : Bassin d'Aubenas, bassin-aubenas.taxesejour.localhost:"
        f"{live_server.port}"])
    if javascript:  # axe and the focus are read by scripts in the page
        expect(results).to_be_focused()
        assert axe_violations(page) == []
    items.first.get_by_role("link", name="Bassin d'Aubenas").click()
    page.wait_for_url(live_server.url("bassin-aubenas"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bassin d'Aubenas")
    context.close()


def test_by_name_without_accents_nothing_found_and_an_error_are_accessible(live_server, page,
                                                                           bassin):
    page.goto(live_server.url())
    page.get_by_label("Commune ou code postal").fill("labegude")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("heading", level=3)).to_have_text(
        "1 commune trouvée pour « labegude »")
    expect(page.get_by_role("link", name="Bassin d'Aubenas")).to_have_attribute(
        "href", live_server.url("bassin-aubenas"))

    page.get_by_label("Commune ou code postal").fill("Privas")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("heading", level=3)).to_have_text(
        "Aucune commune trouvée pour « Privas »")
    expect(page.get_by_text("renseignez-vous auprès de votre mairie")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_label("Commune ou code postal").fill("a")
    page.get_by_label("Commune ou code postal").press("Enter")
    expect(page).to_have_title("Erreur : Accueil – taxesejour.fr")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Saisissez au moins deux lettres")
    expect(alert).to_be_focused()
    expect(page.get_by_label("Commune ou code postal")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []
