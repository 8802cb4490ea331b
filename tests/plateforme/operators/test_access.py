"""The operators' console is the apex's alone, and every page of it says who may reach it:
the URL map, the role matrix (anonymous, support, opérateur, a collectivité's administrator),
CSRF."""

import re

import pytest
import sqlalchemy as sa

from plateforme.database import db
from plateforme.operators import access
from plateforme.operators.models import Operator
from tenants.access.rules import Role
from tests.conftest import TEST_DOMAIN, get, host_of
from tests.plateforme.operators.conftest import OperatorClient, make_operator
from tests.tenants.conftest import AGENT_PASSWORD, ConsoleClient, make_agent

PREFIX = "/operateurs/"


def operator_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(PREFIX)]


def sample_path(rule) -> str:
    """A concrete path for the rule (1 for every integer, a word for the rest)."""
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "1" if m.group(1) == "int" else "x",
                  rule.rule)


def test_operator_routes_exist_on_the_apex_only_and_tenant_routes_never_there(app):
    rules = operator_rules(app)
    assert rules and {rule.host for rule in rules} == {"platform"}
    assert all(rule.endpoint.startswith("operators") for rule in rules)
    for rule in app.url_map.iter_rules():
        if rule.host == "tenant":
            assert not rule.rule.startswith(PREFIX.rstrip("/")), rule.rule


def test_every_operator_view_declares_its_access(app):
    for rule in operator_rules(app):
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "access", None) in (access.STEP, access.ANY, access.WRITER), \
            rule.endpoint


def test_no_operator_page_on_a_collectivite_host_and_no_tenant_page_on_the_apex(app,
                                                                                  make_tenant):
    make_tenant("vallee", "Vallée Verte")
    for path in ("/operateurs/", "/operateurs/connexion", "/operateurs/journal"):
        assert get(app, host_of("vallee"), path).status_code == 404
        assert get(app, "inconnue." + TEST_DOMAIN, path).status_code == 404
    assert get(app, TEST_DOMAIN, "/admin/connexion").status_code == 404
    assert get(app, TEST_DOMAIN, "/connexion").status_code == 404
    assert get(app, host_of("vallee"), "/admin/connexion").status_code == 200


def test_role_matrix(app, totp_clock):
    operateur = OperatorClient(app)
    operateur.operator_login(*make_operator("olga@taxesejour.fr", "operateur"), totp_clock)
    support = OperatorClient(app)
    support.operator_login(*make_operator("sam@taxesejour.fr", "support"), totp_clock)
    anonymous = OperatorClient(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      support.get("/operateurs/").text).group(1)
    checked = 0
    for rule in operator_rules(app):
        view = app.view_functions[rule.endpoint]
        if view.access == access.STEP:
            continue
        path = sample_path(rule)
        if "GET" in rule.methods:
            response = anonymous.get(path)
            assert response.status_code == 302, path
            assert response.headers["Location"].startswith("/operateurs/connexion")
            if view.access == access.ANY:
                assert support.get(path).status_code in (200, 404), path
                assert operateur.get(path).status_code in (200, 404), path
        if "POST" in rule.methods and view.access == access.WRITER:
            refused = support.post(path, {"csrf_token": token}, csrf=False)
            assert refused.status_code == 403, path
            assert "pas de modifier" in refused.text
            checked += 1
    assert checked >= 1


def operator_id(email: str) -> int:
    found = db.session.scalar(sa.select(Operator.id).where(Operator.email == email))
    db.session.commit()  # no snapshot kept open across the requests
    return found


def test_support_refused_then_operateur_disables_an_operator(app, totp_clock):
    operateur = OperatorClient(app)
    operateur.operator_login(*make_operator("olga@taxesejour.fr", "operateur"), totp_clock)
    support = OperatorClient(app)
    support.operator_login(*make_operator("sam@taxesejour.fr", "support"), totp_clock)
    sam_id, olga_id = operator_id("sam@taxesejour.fr"), operator_id("olga@taxesejour.fr")
    page = support.get("/operateurs/comptes")
    assert "Désactiver" not in page.text
    refused = support.post(f"/operateurs/comptes/{olga_id}/desactiver", page="/operateurs/comptes")
    assert refused.status_code == 403
    assert "réservée aux opérateurs" in refused.text
    done = operateur.post(f"/operateurs/comptes/{sam_id}/desactiver", page="/operateurs/comptes",
                          follow_redirects=True)
    assert "Le compte sam@taxesejour.fr est désactivé" in done.text
    assert support.get("/operateurs/").status_code == 302  # sessions ended at once
    journal = operateur.get("/operateurs/journal?action=operator.disabled").text
    assert "olga@taxesejour.fr a désactivé le compte de l&#39;opérateur sam@taxesejour.fr" \
        in journal


def test_a_collectivite_administrator_gets_nothing_here(app, make_tenant, totp_clock):
    tenant = make_tenant("vallee", "Vallée Verte")
    admin = ConsoleClient(app, host_of("vallee"))
    email, secret = make_agent(tenant, "admin@vallee-verte.fr", Role.ADMINISTRATEUR)
    assert admin.console_login(email, secret, totp_clock).status_code == 302
    assert admin.get("/admin/").status_code == 200
    # The same browser on the apex: its cookie is the collectivité's host's alone.
    apex = admin.http.get("/operateurs/", base_url=f"http://{TEST_DOMAIN}")
    assert apex.status_code == 302 and apex.headers["Location"].startswith(
        "/operateurs/connexion")
    # Even carried over by hand, the cookie does not decode on the apex (another realm's salt).
    cookie = admin.cookie("session")
    stolen = OperatorClient(app)
    stolen.http.set_cookie("session", cookie, domain=TEST_DOMAIN)
    assert stolen.get("/operateurs/").status_code == 302
    # Nor do its credentials open the operators' door.
    refused = stolen.post("/operateurs/connexion", {"email": email,
                                                    "password": AGENT_PASSWORD})
    assert "Courriel, mot de passe ou code incorrect." in refused.text


@pytest.mark.parametrize("path", ["/operateurs/connexion", "/operateurs/deconnexion"])
def test_posts_without_a_csrf_token_are_refused(app, path):
    client = OperatorClient(app)
    response = client.post(path, {"email": "a@b.fr", "password": "x"}, csrf=False)
    assert response.status_code == 400 and "Formulaire expiré" in response.text


def test_a_disable_without_csrf_token_changes_nothing(app, as_operator, support):
    sam_id = operator_id(support[0])
    response = as_operator.post(f"/operateurs/comptes/{sam_id}/desactiver", csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(sa.select(Operator.disabled_at).where(Operator.id == sam_id)) is None


def test_the_doors_are_rate_limited(app):
    for endpoint in ("login", "verify", "enrol", "invitation"):
        view = app.view_functions[f"operators_auth.{endpoint}"]
        spec, methods = view.rate_limit
        assert "per minute" in spec or "per 15 minutes" in spec
        assert methods == ("POST",)
