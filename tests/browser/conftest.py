"""A real server on a free port and Debian's Chromium driven by Playwright, on real
`*.localhost` subdomains (Chromium sends every *.localhost name to the loopback address).

Chromium is /usr/bin/chromium (`apt-get install -y chromium`). Without it, browser tests are
skipped with the reason printed, except under CI=true where they fail.

Every HTML page a test loads, in any context, is checked when the test ends (`PageChecks`): its
ids are unique (RGAA 8.2) and, rendered again at 320 px, it does not scroll sideways (RGAA 10.11).
"""

from __future__ import annotations

import re
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
REFLOW_WIDTH = 320


def _chromium_problem() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"Playwright for Python is not installed: {exc}"
    return None


@pytest.fixture(scope="session")
def chromium():
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


@pytest.fixture(scope="session")
def reflow_page(chromium):
    """Where pages are rendered again at 320 px, scripts off: what a test's page showed, laid
    out on the narrowest screen WCAG 1.4.10 asks for."""
    context = chromium.new_context(locale="fr-FR", java_script_enabled=False,
                                   viewport={"width": REFLOW_WIDTH, "height": 640})
    yield context.new_page()
    context.close()


@pytest.fixture
def browser(chromium, reflow_page, live_server):
    """Chromium, whose contexts report every page they load; the test fails at its end on a
    duplicate id or a page wider than 320 px. It needs the live server until the checks ran (they
    load its style sheets)."""
    checks = PageChecks()
    yield CheckedBrowser(chromium, checks)
    problems = checks.problems(reflow_page)
    if problems:
        pytest.fail("Pages failing the checks of every page:\n" + "\n".join(problems),
                    pytrace=False)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


# Runs in each page once it is loaded: the document as scripts left it, taken at once.
REPORT_ON_LOAD = """addEventListener("load", () => {
  if (window === window.top && /^https?:$/.test(location.protocol)
      && document.contentType === "text/html") {
    window.__pageCheck(location.href, document.documentElement.outerHTML);
  }
});"""
DUPLICATE_IDS = """() => {
  const counts = new Map();
  for (const element of document.querySelectorAll("[id]")) {
    counts.set(element.id, (counts.get(element.id) || 0) + 1);
  }
  return [...counts].filter(([, n]) => n > 1).map(([id, n]) => `${id} (${n}×)`);
}"""
# The document's width and the element that sticks out furthest, leaving out what an element
# that scrolls or clips its overflow contains (a table in its scroll container is fine), along
# each element's chain of containing blocks (an absolute element escapes a static container).
WIDEST = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) { return null; }
  const clipped = (element) => {
    let position = getComputedStyle(element).position;
    if (position === "fixed") { return true; }
    for (let parent = element.parentElement; parent && parent !== document.body;
         parent = parent.parentElement) {
      const style = getComputedStyle(parent);
      if (position === "absolute" && style.position === "static") { continue; }
      if (style.overflowX !== "visible" || style.position === "fixed") { return true; }
      position = style.position;
    }
    return false;
  };
  let best = null, right = root.clientWidth;
  for (const element of document.body.querySelectorAll("*")) {
    const r = element.getBoundingClientRect();
    if ((r.right > right + 0.5 || (best && best.contains(element) && r.right >= right - 0.5))
        && !clipped(element)) {
      best = element; right = r.right;
    }
  }
  const name = best ? best.tagName.toLowerCase() + (best.id ? "#" + best.id : "")
    + (typeof best.className === "string" && best.className.trim()
       ? "." + best.className.trim().split(/\\s+/).join(".") : "") : "?";
  const text = best ? best.textContent.trim().replace(/\\s+/g, " ").slice(0, 60) : "";
  return {width: root.scrollWidth, element: name, text};
}"""


class PageChecks:
    """The documents the test's browser loaded, checked when the test ends."""

    def __init__(self):
        self.snapshots: set[tuple[str, str]] = set()

    def record(self, url: str, html: str) -> None:
        self.snapshots.add((url.split("#")[0], html))

    def take(self, response) -> None:
        """For pages without JavaScript, whose init scripts do not run: the document is what
        the server sent."""
        if (response.request.is_navigation_request()
                and response.frame.parent_frame is None
                and response.headers.get("content-type", "").startswith("text/html")):
            try:
                self.record(response.url, response.text())
            except Exception:  # noqa: BLE001 - a redirect or an aborted load has no body
                pass

    def problems(self, reflow_page) -> list[str]:
        found = []
        for url, html in self.snapshots:
            base = f'<base href="{url}">'
            reflow_page.set_content("<!doctype html>" + re.sub("<head>", "<head>" + base, html,
                                                                count=1))
            duplicates = reflow_page.evaluate(DUPLICATE_IDS)
            if duplicates:
                found.append(f"{url}: duplicate ids {', '.join(duplicates)}")
            wide = reflow_page.evaluate(WIDEST)
            if wide:
                found.append(f"{url}: {wide['width']} px wide at {REFLOW_WIDTH} px, widest "
                             f"element {wide['element']} ({wide['text']!r})")
        return sorted(set(found))


class CheckedBrowser:
    """The session's Chromium, each new context set up to report its pages to `checks`."""

    def __init__(self, chromium, checks: PageChecks):
        self._chromium = chromium
        self._checks = checks

    def new_context(self, **options):
        context = self._chromium.new_context(**options)
        if options.get("java_script_enabled", True):
            context.expose_function("__pageCheck", self._checks.record)
            context.add_init_script(REPORT_ON_LOAD)
        else:
            context.on("response", self._checks.take)
        return CheckedContext(context)

    def __getattr__(self, name):
        return getattr(self._chromium, name)


class CheckedContext:
    """A browser context that lets its pages' last reports arrive before it closes."""

    def __init__(self, context):
        self._context = context

    def close(self, **options):
        for page in self._context.pages:
            try:
                page.evaluate("0")  # a round trip: the reports sent before it are handled
            except Exception:  # noqa: BLE001 - a crashed or closing page has nothing left to say
                pass
        self._context.close(**options)

    def __getattr__(self, name):
        return getattr(self._context, name)


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
    """axe-core's WCAG violations on the page once it has loaded.

    A click on a link returns before the browser replaces the document: axe run then meets
    the old document torn down under it. The run waits for the page to load and, if the
    document was replaced during the run, runs again on the new one."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Error

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            results = Axe().run(page, options=options)
            break
        except Error as error:
            replaced = ("documentElement" in error.message
                        or "Execution context was destroyed" in error.message)
            if not replaced or attempt == 2:
                raise
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})"
            for v in results.response["violations"]]
