"""Flask-Login is the identity layer: `current_user` is the host on the hosts' pages and the
agent in the console, read from the collectivité's session rows and nothing else."""

import flask_login
import pytest
from flask import jsonify
from itsdangerous import URLSafeTimedSerializer

from plateforme.routing import TenantBlueprint
from tenants.access.identity import Anonymous
from tenants.access.rules import Role, public
from tests.conftest import make_app
from tests.tenants.conftest import Client, ConsoleClient, make_agent, vallee_with_hosts


def probe_app(tmp_path):
    """An application with one more page telling who Flask-Login says is there, on the hosts'
    side and in the console (registered before the first request, like any page)."""
    app = make_app(f"sqlite:///{tmp_path / 'shared.db'}")
    for name, prefix in (("probe", "/qui"), ("console_probe", "/admin/qui")):
        blueprint = TenantBlueprint(name, __name__)

        @public
        def who():
            user = flask_login.current_user
            return jsonify(kind=type(user._get_current_object()).__name__, id=user.get_id(),
                           authenticated=user.is_authenticated)

        blueprint.add_url_rule(prefix, view_func=who)
        app.register_blueprint(blueprint)
    return app


@pytest.fixture
def probe(tmp_path):
    app = probe_app(tmp_path)
    tenant, email = vallee_with_hosts(app)
    with app.app_context():
        admin = make_agent(tenant, "admin@vallee-verte.fr", Role.ADMINISTRATEUR)
    yield app, email, admin
    app.extensions["taxesejour.db"].dispose()


def who(client, path="/qui"):
    return client.get(path).get_json()


def test_an_anonymous_visitor_is_flask_logins_anonymous_user(probe):
    app, _email, _admin = probe
    assert who(Client(app, "vallee.taxesejour.test")) == {
        "kind": Anonymous.__name__, "id": None, "authenticated": False}


def test_a_logged_in_host_is_current_user_on_the_hosts_pages_only(probe, clock):
    app, email, admin = probe
    client = ConsoleClient(app, "vallee.taxesejour.test")
    client.login(email)
    seen = who(client)
    assert seen["kind"] == "Host" and seen["authenticated"]
    assert seen["id"].startswith("host:")
    assert who(client, "/admin/qui")["kind"] == Anonymous.__name__  # not an agent
    # The same browser logs into the console: each space sees its own person.
    client.console_login(*admin, clock)
    assert who(client, "/admin/qui")["id"].startswith("agent:")
    assert who(client)["id"] == seen["id"]


def test_flask_logins_own_cookie_held_id_and_remember_cookie_log_nobody_in(probe):
    """Flask-Login would trust `_user_id` in the signed session and its own remember cookie;
    neither can be revoked on the server, so neither is read."""
    app, email, _admin = probe
    client = Client(app, "vallee.taxesejour.test")
    client.login(email)
    host_id = who(client)["id"]
    client.logout()
    with client.http.session_transaction(base_url=client.base) as session:
        session["_user_id"] = host_id
        session["_fresh"] = True
    token = URLSafeTimedSerializer(app.secret_key).dumps(host_id)
    client.http.set_cookie("remember_token", f"{host_id}|{token}", domain=client.host)
    assert who(client)["kind"] == Anonymous.__name__
    assert client.get("/tableau-de-bord").status_code == 302
