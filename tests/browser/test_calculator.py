"""The public calculator in a real browser, JavaScript on and off: a host fills the form with
the keyboard-accessible labels, reads the breakdown, and axe finds nothing to fix."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.conftest import create_tenant

pytestmark = pytest.mark.browser
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "delta_2026.xml"


@pytest.fixture
def paris(live_server):
    create_tenant(live_server.app, "paris", "Paris", siren="217500016", insee="75056")
    result = live_server.app.test_cli_runner().invoke(
        args=["tax", "import-delta", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    return live_server.url("paris", "/calculette")


@pytest.mark.parametrize("javascript", [True, False])
def test_a_host_computes_a_stay_and_reads_the_breakdown(live_server, browser, paris,
                                                        javascript):
    context = browser.new_context(locale="fr-FR", java_script_enabled=javascript)
    page = context.new_page()
    page.goto(paris)
    expect(page.get_by_role("heading", level=1)).to_have_text("Calculer la taxe de séjour")
    if javascript:  # axe runs inside the page: it needs JavaScript
        assert axe_violations(page) == []
    page.get_by_label("Date de la première nuit").fill("2026-03-02")
    page.get_by_label("Nature de l'hébergement").select_option("hotel")
    page.get_by_label("Classement", exact=True).select_option("3")
    page.get_by_label("Nombre de nuits").fill("2")
    page.get_by_label("Nombre de personnes hébergées").fill("3")
    page.get_by_label("Dont personnes exonérées").fill("1")
    page.get_by_role("button", name="Calculer").click()
    heading = page.get_by_role("heading", name="Taxe de séjour due : 22,12 €")
    expect(heading).to_be_visible()
    assert "Taxe additionnelle Île-de-France Mobilités (200\u00a0%)" in page.inner_text("main")
    if javascript:
        assert axe_violations(page) == []
    context.close()


def test_errors_are_announced_beside_their_fields(live_server, page, paris):
    page.goto(paris + "?date=2026-03-02&nature=meuble&classement=non_classe&nuits=2"
                      "&personnes=2")
    field = page.get_by_label("Prix de la nuitée hors taxes", exact=False)
    expect(field).to_have_attribute("aria-invalid", "true")
    assert "indiquez le prix de la nuitée hors taxes" in page.inner_text("main")
    assert axe_violations(page) == []
