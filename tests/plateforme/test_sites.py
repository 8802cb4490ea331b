"""The host middleware: which site a Host header reaches, and what can never choose it."""

import os
import subprocess
import sys
import time

import pytest

from plateforme import provisioning
from plateforme.database import db
from plateforme.deployment import Platform
from plateforme.hostnames import InvalidHost, normalise_host
from tests.conftest import ROOT, TEST_DOMAIN, get, host_of


@pytest.mark.parametrize("raw, expected", [
    ("Vallee.Taxesejour.TEST", "vallee.taxesejour.test"),
    ("vallee.taxesejour.test:8443", "vallee.taxesejour.test"),
    ("vallee.taxesejour.test.", "vallee.taxesejour.test"),
    ("VALLEE.taxesejour.test.:80", "vallee.taxesejour.test"),
    ("séjour.example.fr", "xn--sjour-bsa.example.fr"),
    ("SÉJOUR.example.fr", "xn--sjour-bsa.example.fr"),
    ("[::1]:5000", "[::1]"),
    ("XN--SJOUR-BSA.example.fr", "xn--sjour-bsa.example.fr"),
])
def test_hosts_are_normalised(raw, expected):
    assert normalise_host(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "host:port", "a..b", "x" * 300, "[::1", "bad_\x00",
                                 "-a.example.fr", "a-.example.fr", "xn--zz.example.fr",
                                 "a" * 64 + ".example.fr"])
def test_malformed_hosts_are_invalid(raw):
    with pytest.raises(InvalidHost):
        normalise_host(raw)


def test_a_collectivites_host_gets_its_pages(app, make_tenant):
    make_tenant("vallee-verte", "Vallée Verte")
    response = get(app, host_of("vallee-verte"))
    assert response.status_code == 200
    assert "<h1>Vallée Verte</h1>" in response.text


@pytest.mark.parametrize("host", [TEST_DOMAIN, f"www.{TEST_DOMAIN}"])
def test_the_apex_and_www_get_the_platforms_landing_page(app, host):
    response = get(app, host)
    assert response.status_code == 200
    assert "<h1>taxesejour.fr</h1>" in response.text
    assert 'lang="fr"' in response.text
    assert response.text.count('href="/accessibilite"') == 1  # in the footer, once


def test_an_unknown_subdomain_gets_a_french_404_linking_to_the_apex(app):
    response = get(app, f"inconnue.{TEST_DOMAIN}")
    assert response.status_code == 404
    assert "Collectivité introuvable" in response.text
    assert f'href="http://{TEST_DOMAIN}/"' in response.text


@pytest.mark.parametrize("host", ["evil.example", "localhost.evil.example", "127.0.0.1.nip.io",
                                  f"{TEST_DOMAIN}.evil.example", "", "bad host", "[zz]"])
def test_any_other_host_gets_400_without_even_a_stylesheet(app, host):
    response = app.test_client().get("/", headers={"Host": host})
    assert response.status_code == 400
    assert "Requête invalide" in response.text
    css = app.test_client().get("/static/css/app.css", headers={"Host": host})
    css.close()
    assert css.status_code == 400


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:5000", "localhost:5000", "LOCALHOST.",
                                  "[::1]:5000", "[2001:db8::7]", "192.0.2.10"])
def test_the_servers_bare_address_gets_a_styled_page_linking_to_the_apex(app, make_tenant,
                                                                         monkeypatch, host):
    """What `flask run` prints (http://127.0.0.1:5000) leads to the platform, and to no data."""
    make_tenant("vallee-verte", "Vallée Verte")
    monkeypatch.setitem(app.config, "PUBLIC_PORT", "5077")
    response = app.test_client().get("/", headers={"Host": host})
    assert response.status_code == 404
    assert "<h1>Aucun espace à cette adresse</h1>" in response.text
    assert f'<a href="http://{TEST_DOMAIN}:5077/">' in response.text
    assert "Vallée Verte" not in response.text and "vallee-verte" not in response.text
    stylesheet = '<link rel="stylesheet" href="/static/css/app.css">'
    assert stylesheet in response.text
    css = app.test_client().get("/static/css/app.css", headers={"Host": host})
    css.close()
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert app.test_client().get("/marque/couleurs.css", headers={"Host": host}).status_code == 404


def test_a_suspended_collectivite_gets_a_french_503(app, make_tenant):
    make_tenant("vallee-verte", "Vallée Verte")
    provisioning.set_status(db.session, "vallee-verte", "suspended")
    response = get(app, host_of("vallee-verte"))
    assert response.status_code == 503
    assert "momentanément indisponible" in response.text
    assert "Vallée Verte" in response.text
    provisioning.set_status(db.session, "vallee-verte", "active")
    assert get(app, host_of("vallee-verte")).status_code == 200


def test_a_custom_domain_reaches_its_collectivite(app, make_tenant):
    make_tenant("vallee-verte", "Vallée Verte")
    platform = Platform.from_config(app.config)
    provisioning.add_domain(db.session, platform, "vallee-verte", "taxe.vallée-verte.fr")
    response = get(app, "taxe.xn--valle-verte-ebb.fr")
    assert "<h1>Vallée Verte</h1>" in response.text
    unicode_host = app.test_client().get("/", headers={"Host": "TAXE.vallée-verte.fr:443"})
    assert "<h1>Vallée Verte</h1>" in unicode_host.text


def test_an_upper_case_host_with_a_port_resolves(app, make_tenant):
    make_tenant("vallee-verte", "Vallée Verte")
    response = app.test_client().get(
        "/", headers={"Host": f"VALLEE-VERTE.{TEST_DOMAIN.upper()}:5000"})
    assert response.status_code == 200
    assert "<h1>Vallée Verte</h1>" in response.text


class TestSpoofing:
    """Headers, parameters and cookies never select a collectivité."""

    @pytest.fixture
    def two(self, app, make_tenant):
        make_tenant("alpha", "Alpha")
        make_tenant("beta", "Beta")

    @pytest.mark.parametrize("header", ["X-Forwarded-Host", "X-Tenant", "X-Original-Host",
                                        "Forwarded", "X-Host"])
    def test_headers_do_not_select_a_tenant(self, app, two, header):
        value = host_of("beta") if header != "Forwarded" else f"host={host_of('beta')}"
        on_alpha = get(app, host_of("alpha"), headers={header: value})
        assert "<h1>Alpha</h1>" in on_alpha.text and "Beta" not in on_alpha.text
        on_apex = get(app, TEST_DOMAIN, headers={header: value})
        assert "Beta" not in on_apex.text
        on_foreign = app.test_client().get("/", headers={"Host": "evil.example", header: value})
        assert on_foreign.status_code == 400

    @pytest.mark.parametrize("query", ["tenant=beta", "collectivite=beta", "host=" + "beta"])
    def test_query_parameters_do_not_select_a_tenant(self, app, two, query):
        response = get(app, host_of("alpha"), query_string=query)
        assert "<h1>Alpha</h1>" in response.text and "Beta" not in response.text

    def test_cookies_do_not_select_a_tenant(self, app, two):
        client = app.test_client()
        client.set_cookie("tenant", "beta", domain=host_of("alpha"))
        response = client.get("/", base_url=f"http://{host_of('alpha')}")
        assert "<h1>Alpha</h1>" in response.text

    def test_proxy_fix_does_not_trust_forwarded_host(self, make_real_app):
        real = make_real_app(PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1)
        from tests.conftest import create_tenant

        create_tenant(real, "beta", "Beta")
        response = real.test_client().get(
            "/", headers={"Host": "evil.example", "X-Forwarded-Host": host_of("beta"),
                          "X-Forwarded-Proto": "https"})
        assert response.status_code == 400


def test_the_cache_answers_without_querying_the_registry_again(app, make_tenant):
    make_tenant("alpha", "Alpha")
    resolver = app.extensions["taxesejour.resolver"]
    get(app, host_of("alpha"))
    lookups = resolver.lookups
    for _ in range(5):
        get(app, host_of("alpha"))
    assert resolver.lookups == lookups


def test_a_change_in_this_process_takes_effect_at_once(app, make_tenant):
    make_tenant("alpha", "Alpha")
    app.extensions["taxesejour.resolver"].check_seconds = 3600  # polling alone would not see it
    assert get(app, host_of("alpha")).status_code == 200
    provisioning.set_status(db.session, "alpha", "suspended")
    assert get(app, host_of("alpha")).status_code == 503


def test_a_suspension_made_by_another_process_is_honoured_within_the_bound(real_app):
    """`flask tenants suspend` in another process; this process answers 503 within the
    documented bound (TENANT_CACHE_CHECK_SECONDS, 0.5 s in tests, at most 5 s)."""
    from tests.conftest import create_tenant

    create_tenant(real_app, "alpha", "Alpha")
    bound = real_app.config["TENANT_CACHE_CHECK_SECONDS"]
    assert get(real_app, host_of("alpha")).status_code == 200
    env = {**os.environ, "TAXESEJOUR_ENV": "test",
           "DATABASE_URL": real_app.config["DATABASE_URL"], "PLATFORM_DOMAIN": TEST_DOMAIN}
    result = subprocess.run([sys.executable, "-m", "flask", "tenants", "suspend", "alpha"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    committed = time.monotonic()
    while get(real_app, host_of("alpha")).status_code != 503:
        assert time.monotonic() - committed < bound + 0.5, "suspension not seen in time"
        time.sleep(0.05)
    assert time.monotonic() - committed <= bound + 0.5


def test_a_lookup_overtaken_by_a_change_is_not_cached(app, make_tenant):
    """A lookup that read the registry before a change must not be stored after the cache was
    dropped for that change, or the stale answer would outlive the bound."""
    make_tenant("alpha", "Alpha")
    resolver = app.extensions["taxesejour.resolver"]
    resolver.check_seconds = 3600
    real_lookup = resolver._lookup

    def lookup_then_change(host):
        site = real_lookup(host)  # reads `active`
        provisioning.set_status(db.session, "alpha", "suspended")  # drops the cache
        resolver._refresh_if_due()  # another request sees the new version meanwhile
        return site

    resolver._lookup = lookup_then_change
    resolver.invalidate()
    resolver.resolve(host_of("alpha"))
    resolver._lookup = real_lookup
    assert resolver.resolve(host_of("alpha")).tenant.status == "suspended"
