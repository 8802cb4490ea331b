"""Rules made executable over every tenant route: each declares who may reach it, every POST
needs its CSRF token, and a host's pages need a login and the accepted CGU."""

import logging
import re

import pytest

from tests.tenants.conftest import PASSWORD, Client

ACCESS = {"public", "host", "host_before_cgu", "notification",
          "console:agent", "console:administrateur", "console:step"}  # console: its own tests


def tenant_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.host == "tenant" and rule.endpoint != "static":
            yield rule, app.view_functions[rule.endpoint]


def _path(rule):
    return rule.build({arg: 1 for arg in rule.arguments}, append_unknown=False)[1]


def _access(view):
    while view is not None:
        if hasattr(view, "access"):
            return view.access
        view = getattr(view, "__wrapped__", None)
    return None


def test_every_tenant_view_declares_who_may_reach_it(app):
    missing = [rule.rule for rule, view in tenant_routes(app) if _access(view) not in ACCESS]
    assert missing == []


def test_every_post_without_its_csrf_token_is_refused(app, logged_in):
    posts = [rule for rule, view in tenant_routes(app)
             if "POST" in rule.methods and _access(view) != "notification"]
    assert len(posts) >= 8
    for rule in posts:
        response = logged_in.post(_path(rule), {"email": "x@example.fr"}, csrf=False)
        assert response.status_code == 400, rule.rule
        assert "Formulaire expiré" in response.text


def test_gets_change_nothing(app, logged_in):
    """No GET is a state change: logout, acceptance and the rest are POSTs."""
    for rule, _view in tenant_routes(app):
        if "GET" in rule.methods:
            assert rule.endpoint not in ("auth.logout_post", "cgu.accept_post")
    logged_in.get("/deconnexion")
    assert logged_in.get("/tableau-de-bord").status_code == 200


def test_host_pages_need_a_login(app, client, imported):
    for rule, view in tenant_routes(app):
        if _access(view) in ("host", "host_before_cgu") and "GET" in rule.methods:
            response = client.get(_path(rule))
            assert response.status_code == 302, rule.rule
            assert response.headers["Location"].startswith("/?next="), rule.rule


def test_host_pages_need_the_cgu(app, client, host_email):
    client.login(host_email)
    for rule, view in tenant_routes(app):
        if _access(view) == "host" and "GET" in rule.methods:
            response = client.get(_path(rule))
            assert response.headers.get("Location") == "/cgu", rule.rule


def test_every_tenant_page_is_never_cached_and_carries_the_security_headers(app, logged_in):
    for rule, _view in tenant_routes(app):
        if "GET" not in rule.methods:
            continue
        response = logged_in.get(_path(rule))
        assert response.headers["Cache-Control"] == "no-store", rule.rule
        assert "Cookie" in response.headers["Vary"], rule.rule
        csp = response.headers["Content-Security-Policy"]
        assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")
        response.close()


def test_security_events_are_logged_without_secrets(app, client, host_email, caplog):
    caplog.set_level(logging.INFO, logger="taxesejour.security")
    client.login(host_email, "un mauvais mot de passe")
    client.login(host_email)
    client.post("/mot-de-passe-oublie", {"email": host_email})
    events = [r.event for r in caplog.records]
    assert "login.failure" in events and "login.success" in events
    assert "password_reset.requested" in events
    text = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert PASSWORD not in text and "un mauvais mot de passe" not in text
    assert not re.search(r"reinitialisation/[\w.-]{20,}", text)
    with client.http.session_transaction(base_url=client.base) as session:
        assert session["auth"] not in text


def test_production_refuses_in_process_rate_limits(tmp_path):
    from config import ConfigurationError
    from tests.conftest import make_app

    with pytest.raises(ConfigurationError, match="RATELIMIT_STORAGE_URI"):
        make_app("postgresql+psycopg://u@db/x", ENV="production", SECRET_KEY="k" * 40,
                 RATELIMIT_STORAGE_URI="memory://")


def test_production_cookies_are_host_only_secure_and_prefixed(tmp_path, request):
    from tests.conftest import create_database, drop_database, make_app, redis_url_or_skip
    from tests.tenants.conftest import vallee_with_hosts

    redis_url = redis_url_or_skip()   # production's rate limits and jobs
    url = create_database()   # production runs on PostgreSQL only
    request.addfinalizer(lambda: drop_database(url))
    app = make_app(url, ENV="production", SECRET_KEY="k" * 40,
                   RATELIMIT_STORAGE_URI=redis_url, JOBS_REDIS_URL=redis_url,
                   PLATFORM_DOMAIN="taxesejour.test", PUBLIC_PORT=None)
    request.addfinalizer(app.extensions["taxesejour.db"].dispose)
    app.extensions["taxesejour.limiter"].reset()
    _tenant, email = vallee_with_hosts(app)
    client = Client(app, "vallee.taxesejour.test")
    client.base = "https://vallee.taxesejour.test"
    response = client.login(email, remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    for name in ("__Host-session", "__Host-remember", "__Host-device"):
        header = next(c for c in cookies if c.startswith(name + "="))
        assert "Secure" in header and "HttpOnly" in header and "Path=/" in header
        assert "Domain" not in header and "SameSite=Lax" in header
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # Over HTTPS a form posted from another site's page is refused, token or not.
    forged = client.post("/connexion", {"email": email, "password": PASSWORD},
                         page="/accessibilite", headers={"Referer": "https://evil.example/"})
    assert forged.status_code == 400
