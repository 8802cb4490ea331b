"""Every console route checks the role on the server: the URL map is walked, and each route is
run as anonymous, host, agent, administrator and another collectivité's administrator."""

import pytest

from tests.conftest import create_tenant, host_of
from tests.tenants.conftest import Client, ConsoleClient, make_agent

CONSOLE_ACCESS = {"console:agent", "console:administrateur", "console:step"}


def console_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.host == "tenant" and rule.rule.startswith("/admin"):
            yield rule, app.view_functions[rule.endpoint]


def access_of(view):
    while view is not None:
        if hasattr(view, "access"):
            return view.access
        view = getattr(view, "__wrapped__", None)
    return None


def path_of(rule):
    return rule.build({arg: 1 for arg in rule.arguments}, append_unknown=False)[1]


def test_every_console_route_has_a_permission_check(app):
    routes = list(console_routes(app))
    assert len(routes) >= 10
    assert [r.rule for r, view in routes if access_of(view) not in CONSOLE_ACCESS] == []
    assert all(r.endpoint.startswith("console") for r, _ in routes)


@pytest.fixture
def visitors(app, tenant, admin, agent, clock, logged_in):
    other = create_tenant(app, "autre", "Autre Collectivité")
    other_admin = make_agent(other, "admin@autre.fr", "administrateur")
    as_admin = ConsoleClient(app, host_of("vallee"))
    as_admin.console_login(*admin, clock)
    as_agent = ConsoleClient(app, host_of("vallee"))
    as_agent.console_login(*agent, clock)
    elsewhere = ConsoleClient(app, host_of("autre"))
    elsewhere.console_login(*other_admin, clock)
    # The other collectivité's administrator, with their cookies, on this collectivité's host.
    intruder = Client(app, host_of("vallee"))
    intruder.http.set_cookie("session", elsewhere.cookie("session"), domain=host_of("vallee"))
    return {"anonyme": Client(app, host_of("vallee")), "hébergeur": logged_in,
            "agent": as_agent, "administrateur": as_admin, "autre collectivité": intruder}


def page_with_form(client):
    """A page of this host that gives this visitor a CSRF token."""
    from tests.tenants.conftest import CSRF_RE

    for page in ("/admin/connexion", "/accessibilite", "/"):
        if CSRF_RE.search(client.get(page).text):
            return page
    raise AssertionError("no page with a CSRF token")


def expected(access, who):
    if access == "console:step":
        return None  # the login pages themselves: reachable by anyone
    if who in ("anonyme", "hébergeur", "autre collectivité"):
        return 302  # to the console's login page
    if access == "console:administrateur" and who == "agent":
        return 403
    return 200


def test_the_role_matrix(app, visitors):
    checked = 0
    for rule, view in console_routes(app):
        access = access_of(view)
        for who, client in visitors.items():
            want = expected(access, who)
            if want is None:
                continue
            if "GET" in rule.methods:
                response = client.get(path_of(rule))
                got = response.status_code
                if want == 200:
                    assert got in (200, 404), (rule.rule, who, got)  # 404: no object 1
                else:
                    assert got == want, (rule.rule, who, got)
                if got == 302:
                    assert response.headers["Location"].startswith("/admin/connexion")
                response.close()
                checked += 1
            if "POST" in rule.methods and want != 200:
                response = client.post(path_of(rule), page=page_with_form(client))
                assert response.status_code == want, (rule.rule, who, "POST")
                checked += 1
    assert checked > 30


def test_any_page_number_gives_a_page_never_a_500(as_admin):
    """Issue 12, finding 10: every `?page=` is bounded before it reaches the database."""
    for path in ("/admin/journal", "/admin/hebergeurs/", "/admin/declarations/"):
        for value in ("99999999999999999999", "-3", "deux", "0", ""):
            response = as_admin.get(f"{path}?page={value}")
            assert response.status_code == 200, (path, value)
