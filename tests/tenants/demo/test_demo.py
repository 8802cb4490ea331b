"""`flask demo`: the demo collectivité, built and refreshed by the product's own functions."""

from tenants.demo.commands import DEMO_NAME, DEMO_SLUG
from tests.conftest import TEST_DOMAIN, get, host_of
from tests.plateforme.test_cli import assert_one_line_error, run


def test_demo_creates_or_refreshes_the_demo_collectivite(app):
    first = run(app, "demo")
    assert first.exit_code == 0, first.output
    assert f"http://{DEMO_SLUG}.{TEST_DOMAIN}/" in first.output
    run(app, "tenants", "suspend", DEMO_SLUG)
    second = run(app, "demo")
    assert second.exit_code == 0, second.output
    page = get(app, host_of(DEMO_SLUG))
    assert page.status_code == 200 and DEMO_NAME in page.text
    code = next(ln for ln in second.output.splitlines() if "code d'activation" in ln).split()[-1]
    assert len(code) == 14 and "paul.durand@example.fr" in second.output


def test_the_demo_refuses_to_run_in_production(tmp_path):
    from tests.conftest import create_database, drop_database, make_app

    url = create_database()   # production runs on PostgreSQL only
    try:
        prod = make_app(url, ENV="production", SECRET_KEY="k" * 40,
                        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15")
        result = prod.test_cli_runner().invoke(args=["demo"])
        prod.extensions["taxesejour.db"].dispose()
    finally:
        drop_database(url)
    assert_one_line_error(result, 1, "production")
