"""A real server on a free port and Debian's Chromium driven by Playwright, on real
`*.localhost` subdomains (Chromium sends every *.localhost name to the loopback address).

Chromium is /usr/bin/chromium (`apt-get install -y chromium`). Without it, browser tests are
skipped with the reason printed, except under CI=true where they fail.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import CI

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
BROWSER_DOMAIN = "taxesejour.localhost"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _chromium_problem() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"Playwright for Python is not installed: {exc}"
    return None


@pytest.fixture(scope="session")
def browser():
    problem = _chromium_problem()
    if problem:
        if CI:
            pytest.fail(f"CI=true requires the browser suite. {problem}", pytrace=False)
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        app.config["PUBLIC_PORT"] = str(self.port)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, slug: str | None = None, path: str = "/") -> str:
        host = f"{slug}.{BROWSER_DOMAIN}" if slug else BROWSER_DOMAIN
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def live_server(make_real_app):
    app = make_real_app(PLATFORM_DOMAIN=BROWSER_DOMAIN)
    server = LiveServer(app)
    server.thread.start()
    yield server
    server.server.shutdown()
    server.thread.join(timeout=5)


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                       "resultTypes": ["violations"]})
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})"
            for v in results.response["violations"]]
