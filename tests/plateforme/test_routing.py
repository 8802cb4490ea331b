"""Executable rules: every route has a realm, and a tenant route needs a collectivité bound."""

import pytest
from flask import Blueprint

from plateforme.routing import REALMS, TenantBlueprint
from tests.conftest import TEST_DOMAIN, host_of


def _concrete_path(rule):
    """A path the rule matches: 1 for each argument, an `any(…)` argument's first choice."""
    values = {arg: min(getattr(converter, "items", {1}))
              for arg, converter in rule._converters.items()}
    return rule.build(values, append_unknown=False)[1]


def test_every_route_declares_a_realm(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        assert rule.host in REALMS, f"{rule.rule} -> {rule.endpoint} has no realm"


@pytest.fixture
def unstarted_app(tmp_path):
    from plateforme import create_app

    return create_app({"ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})


def test_a_route_without_a_realm_cannot_be_registered(unstarted_app):
    app = unstarted_app
    bp = Blueprint("sans_royaume", __name__)
    bp.add_url_rule("/x", "x", lambda: "x")
    with pytest.raises(ValueError, match="no realm"):
        app.register_blueprint(bp)


def test_a_tenant_blueprint_cannot_declare_another_realm(unstarted_app):
    app = unstarted_app
    bp = TenantBlueprint("fuyant", __name__)
    bp.add_url_rule("/x", "x", lambda: "x", host="platform")
    with pytest.raises(ValueError, match="realm"):
        app.register_blueprint(bp)


@pytest.mark.parametrize("host, status", [(TEST_DOMAIN, 404), (f"www.{TEST_DOMAIN}", 404),
                                          (f"inconnue.{TEST_DOMAIN}", 404),
                                          ("127.0.0.1:5000", 404), ("localhost", 404),
                                          ("evil.example", 400)])
def test_no_tenant_route_is_reachable_without_a_collectivite(app, host, status):
    tenant_rules = [r for r in app.url_map.iter_rules() if r.host == "tenant"
                    and r.endpoint != "static"]
    assert tenant_rules, "the tenant realm has routes"
    client = app.test_client()
    for rule in tenant_rules:
        for method in sorted(rule.methods - {"OPTIONS", "HEAD"}):
            path = _concrete_path(rule)
            response = client.open(path, method=method, headers={"Host": host})
            if response.status_code == 200:
                # Only the platform's own page of the same path may answer (e.g. "/").
                assert rule.endpoint not in response.text
                platform_paths = {_concrete_path(r) for r in app.url_map.iter_rules()
                                  if r.host == "platform"}
                assert path in platform_paths, f"{method} {path} answered on {host}"
            else:
                assert response.status_code in (status, 405), (method, path, host)


def test_no_platform_route_is_reachable_on_a_collectivites_host(app, make_tenant):
    make_tenant("alpha")
    tenant_paths = {_concrete_path(r) for r in app.url_map.iter_rules() if r.host == "tenant"}
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        if rule.host != "platform" or rule.endpoint == "static":
            continue
        path = _concrete_path(rule)
        response = client.get(path, headers={"Host": host_of("alpha")})
        if path not in tenant_paths:
            assert response.status_code == 404, path
