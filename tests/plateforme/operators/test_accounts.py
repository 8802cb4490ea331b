"""Operators: the invitation by command, password then TOTP enrolment, recovery codes, the
home page; throttled logins without account enumeration; sessions; the commands."""

import re

import pyotp
import sqlalchemy as sa

from plateforme import mail
from plateforme.database import db
from plateforme.operators import accounts, security
from plateforme.operators.models import Operator, OperatorSession, PlatformEvent
from tests.conftest import TEST_DOMAIN, get
from tests.plateforme.operators.conftest import OPERATOR_PASSWORD, OperatorClient
from tests.tenants.conftest import messages


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def actions(**where):
    db.session.commit()  # a fresh look at what the requests saved (nothing pending here)
    query = sa.select(PlatformEvent).order_by(PlatformEvent.id)
    for column, value in where.items():
        query = query.where(getattr(PlatformEvent, column) == value)
    return [e.action for e in db.session.scalars(query)]


def sessions_count():
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count()).select_from(OperatorSession))


def test_invitation_password_totp_recovery_codes_then_home(app, totp_clock):
    result = cli(app, "operators", "add", "Olga@Taxesejour.fr", "--name", "Olga Opératrice")
    assert result.exit_code == 0, result.output
    assert "olga@taxesejour.fr (Opérateur) créé ; invitation envoyée par courriel" in result.output
    body = mail.outbox(app)[-1].get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/operateurs/invitation/\S+", body).group(0)
    assert link in result.output and link.startswith(f"http://{TEST_DOMAIN}/operateurs/")
    path = link.split(TEST_DOMAIN, 1)[1]

    client = OperatorClient(app)
    page = client.get(path)
    assert "Bienvenue, Olga Opératrice" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    weak = client.post(path, {"password": "motdepasse12", "confirm": "motdepasse12"})
    assert weak.status_code == 200 and "trop courant" in weak.text
    done = client.post(path, {"password": OPERATOR_PASSWORD, "confirm": OPERATOR_PASSWORD})
    assert done.headers["Location"] == "/operateurs/double-authentification"
    assert client.get(path).status_code == 400  # the link works once

    enrol = client.get("/operateurs/double-authentification")
    assert "<svg" in enrol.text
    key = re.search(r'<code class="secret">(.+?)</code>', enrol.text).group(1)
    secret = "".join(re.findall(r"<span>([A-Z2-7]+)</span>", key))
    wrong = client.post("/operateurs/double-authentification", {"code": "000000"})
    assert "Code incorrect" in wrong.text
    totp_clock.tick()
    codes_page = client.post("/operateurs/double-authentification",
                             {"code": pyotp.TOTP(secret).at(totp_clock.now)})
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", codes_page.text)
    assert len(codes) == security.RECOVERY_CODES
    home = client.get("/operateurs/")
    assert home.status_code == 200 and "Console des opérateurs" in home.text
    assert "Se déconnecter (Olga Opératrice)" in home.text

    operator = accounts.by_email(db.session, "olga@taxesejour.fr")
    assert operator.totp_enabled_at is not None and operator.state_label == "Actif"
    assert actions() == ["operator.invited", "operator.invitation_accepted",
                         "operator.enrolled", "operator.login"]

    # Next time: password, then a recovery code instead of the phone; each code works once.
    again = OperatorClient(app)
    again.post("/operateurs/connexion", {"email": "olga@taxesejour.fr",
                                         "password": OPERATOR_PASSWORD})
    assert again.post("/operateurs/verification",
                      {"code": codes[0]}).headers["Location"] == "/operateurs/"
    third = OperatorClient(app)
    third.post("/operateurs/connexion", {"email": "olga@taxesejour.fr",
                                         "password": OPERATOR_PASSWORD})
    assert third.post("/operateurs/verification", {"code": codes[0]}).status_code == 200
    assert "operator.recovery_code_used" in actions()


def test_wrong_passwords_are_throttled_and_accounts_not_enumerated(app, operator, totp_clock):
    email, secret = operator
    client = OperatorClient(app)
    unknown = client.post("/operateurs/connexion", {"email": "nobody@taxesejour.fr",
                                                     "password": OPERATOR_PASSWORD})
    wrong = client.post("/operateurs/connexion", {"email": email, "password": "pas le bon"})
    assert messages(unknown.text) == messages(wrong.text) == [
        "Courriel, mot de passe ou code incorrect."]
    for _ in range(security.FREE_FAILURES - 1):
        client.post("/operateurs/connexion", {"email": email, "password": "pas le bon"})
    blocked = client.post("/operateurs/connexion", {"email": email,
                                                     "password": OPERATOR_PASSWORD})
    assert blocked.status_code == 200
    assert messages(blocked.text) == ["Trop de tentatives : réessayez plus tard."]
    assert actions(action="operator.login_failed")  # each failure journaled
    failure = db.session.scalars(sa.select(PlatformEvent).where(
        PlatformEvent.action == "operator.login_failed")).first()
    assert failure.ip == "127.0.0.1" and failure.detail["email"] == "nobody@taxesejour.fr"


def test_wrong_totp_codes_are_throttled(app, operator, totp_clock):
    email, secret = operator
    client = OperatorClient(app)
    client.post("/operateurs/connexion", {"email": email, "password": OPERATOR_PASSWORD})
    for _ in range(security.FREE_FAILURES):
        page = client.post("/operateurs/verification", {"code": "123456"})
        assert messages(page.text) == ["Courriel, mot de passe ou code incorrect."]
    totp_clock.tick()
    refused = client.post("/operateurs/verification",
                          {"code": pyotp.TOTP(secret).at(totp_clock.now)})
    assert refused.status_code == 200 and client.get("/operateurs/").status_code == 302


def test_logout_ends_the_session_row_and_timeouts_apply(app, as_operator, monkeypatch):
    cookie = as_operator.http.get_cookie("session", domain=TEST_DOMAIN)
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.domain.startswith(".")
    assert as_operator.get("/operateurs/").headers["Cache-Control"] == "no-store"
    assert sessions_count() == 1
    as_operator.post("/operateurs/deconnexion", page="/operateurs/")
    assert sessions_count() == 0
    assert as_operator.get("/operateurs/").headers["Location"].startswith(
        "/operateurs/connexion")
    assert actions()[-1] == "operator.logout"


def test_idle_and_absolute_limits(app, as_operator, monkeypatch):
    from datetime import timedelta

    from plateforme.registry import utcnow

    now = utcnow()
    monkeypatch.setattr(security, "utcnow",
                        lambda: now + timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1))
    assert as_operator.get("/operateurs/").status_code == 302
    assert sessions_count() == 0


def test_commands_list_and_disable(app, operator, as_operator):
    assert cli(app, "operators", "add", "olga@taxesejour.fr").output.strip() == (
        "Erreur : Un opérateur utilise déjà l'adresse olga@taxesejour.fr.")
    assert cli(app, "operators", "add", "x@y.fr", "--role", "chef").exit_code == 2
    added = cli(app, "operators", "add", "sam@taxesejour.fr", "--role", "support")
    assert added.exit_code == 0, added.output
    listed = cli(app, "operators", "list").output
    assert "olga@taxesejour.fr\tOlga Opératrice\toperateur\tActif" in listed
    assert "sam@taxesejour.fr\tsam@taxesejour.fr\tsupport\tInvitation envoyée" in listed
    result = cli(app, "operators", "disable", "olga@taxesejour.fr")
    assert result.exit_code == 0 and "désactivé" in result.output
    assert as_operator.get("/operateurs/").status_code == 302  # its session ended at once
    db.session.expire_all()
    assert db.session.scalar(sa.select(Operator.disabled_at).where(
        Operator.email == "olga@taxesejour.fr")) is not None
    assert cli(app, "operators", "disable", "nobody@x.fr").exit_code == 1


def test_operator_pages_are_apex_only(app):
    assert get(app, TEST_DOMAIN, "/operateurs/connexion").status_code == 200
    assert get(app, "www." + TEST_DOMAIN, "/operateurs/connexion").status_code == 200
