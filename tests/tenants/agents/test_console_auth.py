"""Agents: the first administrator by command, invitations, password then TOTP, recovery codes,
roles, disabling that ends sessions at once."""

import re
from html import unescape

import pyotp
import sqlalchemy as sa

from plateforme import jobs, mail
from plateforme.database import db
from tenants.access.rules import Role
from tenants.agents import accounts as agents
from tenants.agents import totp
from tenants.audit.models import AuditEvent
from tests.conftest import create_tenant
from tests.tenants.conftest import AGENT_PASSWORD, ConsoleClient, make_agent, messages


def invitation_path(app):
    body = mail.outbox(app)[-1].get_body(("plain",)).get_content()
    return re.search(r"https?://[^/]+(/admin/invitation/\S+)", body).group(1)


def test_the_first_administrator_joins_and_enrols(app, tenant, console, clock):
    result = app.test_cli_runner().invoke(
        args=["tenants", "add-admin", "vallee", "Maire@Vallee-Verte.fr", "--name", "Marie Maire"])
    assert result.exit_code == 0, result.output
    assert "maire@vallee-verte.fr" in result.output and "/admin/invitation/" in result.output
    path = invitation_path(app)
    assert path in result.output

    page = console.get(path)
    assert "Bienvenue, Marie Maire" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    done = console.post(path, {"password": AGENT_PASSWORD, "confirm": AGENT_PASSWORD})
    assert done.headers["Location"] == "/admin/double-authentification"
    enrol = console.get("/admin/double-authentification")
    assert "<svg" in enrol.text and "Code QR" in enrol.text
    key = re.search(r'<code class="secret">(.+?)</code>', enrol.text).group(1)
    groups = re.findall(r"<span>([A-Z2-7]+)</span>", key)
    assert {len(g) for g in groups[:-1]} == {4}  # "ABCD EFGH …" to read and type
    secret = "".join(groups)
    wrong = console.post("/admin/double-authentification", {"code": "000000"})
    assert any("Code incorrect" in m for m in messages(wrong.text))
    clock.tick()
    codes_page = console.post("/admin/double-authentification",
                              {"code": pyotp.TOTP(secret).at(clock.now)})
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", codes_page.text)
    assert len(codes) == 10
    home = console.get("/admin/")
    assert home.status_code == 200 and "Console de Vallée Verte" in home.text
    # The invitation works once.
    assert console.get(path).status_code == 400


def test_login_needs_both_factors_and_a_code_works_once(console, admin, clock):
    email, secret = admin
    console.post("/admin/connexion", {"email": email, "password": AGENT_PASSWORD})
    assert console.get("/admin/").status_code == 302  # password alone opens nothing
    clock.tick()
    code = pyotp.TOTP(secret).at(clock.now)
    assert console.post("/admin/verification", {"code": code}).status_code == 302
    assert console.get("/admin/").status_code == 200
    other = ConsoleClient(console.app, console.host)
    other.post("/admin/connexion", {"email": email, "password": AGENT_PASSWORD})
    replay = other.post("/admin/verification", {"code": code})
    assert any("incorrect" in m for m in messages(replay.text))


def test_a_recovery_code_stands_in_once(app, tenant, console, admin, clock):
    email, _secret = admin
    with db.tenant_context(tenant):
        agent = agents.by_email(db.session, email)
        from tests.tenants.conftest import keys_for

        (code, *_rest) = totp.new_recovery_codes(db.session, keys_for(tenant), agent)
        db.session.commit()
    console.post("/admin/connexion", {"email": email, "password": AGENT_PASSWORD})
    assert console.post("/admin/verification", {"code": code}).status_code == 302
    other = ConsoleClient(app, console.host)
    other.post("/admin/connexion", {"email": email, "password": AGENT_PASSWORD})
    assert other.post("/admin/verification", {"code": code}).status_code == 200


def test_a_wrong_password_is_generic(console, admin):
    wrong = console.post("/admin/connexion", {"email": admin[0], "password": "pas le bon du tout"})
    unknown = console.post("/admin/connexion", {"email": "x@example.fr",
                                                "password": "pas le bon du tout"})
    assert messages(wrong.text) == messages(unknown.text) == ["Courriel, mot de passe ou code "
                                                              "incorrect."]


def test_an_agent_cannot_reach_administrator_pages(as_agent):
    assert as_agent.get("/admin/").status_code == 200
    for path in ("/admin/agents", "/admin/journal", "/admin/journal.csv"):
        assert as_agent.get(path).status_code == 403, path


def test_disabling_an_agent_ends_their_sessions_at_once(as_admin, as_agent, tenant):
    with db.tenant_context(tenant):
        target = agents.by_email(db.session, "agent@vallee-verte.fr")
    response = as_admin.post(f"/admin/agents/{target.id}/desactiver", page="/admin/agents")
    assert response.status_code == 302
    assert as_agent.get("/admin/").status_code == 302
    with db.tenant_context(tenant):
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "agent.disabled" in actions


def test_the_last_administrator_cannot_be_demoted(as_admin, tenant):
    with db.tenant_context(tenant):
        me = agents.by_email(db.session, "admin@vallee-verte.fr")
    response = as_admin.post(f"/admin/agents/{me.id}/role", {"role": "agent"},
                             page="/admin/agents", follow_redirects=True)
    assert "propre rôle" in response.text


def test_an_administrator_invites_an_agent(app, as_admin, tenant):
    response = as_admin.post("/admin/agents", {"name": "Chloé Agent",
                                               "email": "chloe@vallee-verte.fr",
                                               "role": "agent"})
    assert response.status_code == 302
    message = mail.outbox(app)[-1]
    assert message["To"] == "chloe@vallee-verte.fr"
    assert "invitation" in message["Subject"].lower()
    duplicate = as_admin.post("/admin/agents", {"name": "Chloé", "email": "chloe@vallee-verte.fr",
                                                "role": "agent"})
    assert any("déjà" in m for m in messages(duplicate.text))


def test_logout_ends_the_console_session_on_the_server(as_admin):
    stolen = as_admin.cookie("session")
    as_admin.post("/admin/deconnexion", page="/admin/")
    replay = ConsoleClient(as_admin.app, as_admin.host)
    replay.http.set_cookie("session", stolen, domain=as_admin.host)
    assert replay.get("/admin/").status_code == 302


def test_an_invitation_the_mail_server_refuses_is_kept_and_sent_when_released(
        app, as_admin, tenant, monkeypatch, clock):
    """Issue 12: the agent is created whatever the mail server does; the invitation it refused
    waits among the failed tasks, which only this collectivité's administrators see, and
    « Relancer » sends it."""
    def broken(_email):
        raise mail.MailError("Le serveur SMTP est injoignable.")

    working = mail.send
    monkeypatch.setattr(mail, "send", broken)
    response = as_admin.post("/admin/agents", {"name": "Chloé", "email": "chloe@vallee-verte.fr",
                                               "role": "agent"})
    assert response.status_code == 302
    with db.tenant_context(tenant):
        assert agents.by_email(db.session, "chloe@vallee-verte.fr") is not None
        assert "agent.invited" in db.session.scalars(sa.select(AuditEvent.action)).all()
    page = unescape(as_admin.get("/admin/taches").text)
    assert "Envoi d'un courriel à chloe@vallee-verte.fr" in page
    assert "injoignable" in page
    (row,) = jobs.held(tenant.slug)

    other = create_tenant(app, "pays-bleu", "Pays Bleu")
    other_admin = make_agent(other, "admin@pays-bleu.fr", Role.ADMINISTRATEUR)
    elsewhere = ConsoleClient(app, "pays-bleu.taxesejour.test")
    assert elsewhere.console_login(*other_admin, clock).status_code == 302
    assert "chloe@" not in elsewhere.get("/admin/taches").text
    assert elsewhere.post(f"/admin/taches/{row.id}/relancer", page="/admin/taches"
                          ).status_code == 302
    assert jobs.held(tenant.slug) != []          # not theirs to release

    monkeypatch.setattr(mail, "send", working)
    as_admin.post(f"/admin/taches/{row.id}/relancer", page="/admin/taches")
    assert [m["To"] for m in mail.outbox(app)][-1] == "chloe@vallee-verte.fr"
    assert jobs.held(tenant.slug) == []
    assert "Aucune tâche en échec" in as_admin.get("/admin/taches").text


def test_the_console_throttle_reads_the_address_as_the_lookup_does(console, admin):
    """Issue 12, finding 1: fullwidth letters or an ideographic full stop in the domain are the
    same account, and share its budget of tries."""
    email, _secret = admin
    for _ in range(5):
        console.post("/admin/connexion", {"email": email, "password": "mauvais mot de passe"})
    disguised = email.replace("@v", "@\uff56").replace(".fr", "\u3002fr")
    response = console.post("/admin/connexion", {"email": disguised,
                                                 "password": AGENT_PASSWORD})
    assert "Trop de tentatives" in " ".join(messages(response.text))
    assert "agent_pending" not in response.text


def test_logging_out_of_one_space_ends_both_sessions_the_cookie_carried(as_admin, host_email):
    """Issue 12, finding 7: one browser, a host's and an agent's session in one cookie; the
    logout clears the cookie, so both rows go."""
    assert as_admin.login(host_email).status_code == 302
    as_admin.accept_cgu()
    stolen = as_admin.cookie("session")
    as_admin.logout()                                   # the hosts' "Se déconnecter"
    replay = ConsoleClient(as_admin.app, as_admin.host)
    replay.http.set_cookie("session", stolen, domain=as_admin.host)
    assert replay.get("/admin/").status_code == 302     # the console's session ended too
    assert replay.get("/tableau-de-bord").status_code == 302


def test_a_formula_typed_into_the_login_form_is_inert_in_the_journal_export(as_admin):
    """Issue 12, finding 3: anyone can type into the console's login form; the journal's CSV
    never hands a spreadsheet a formula."""
    typed = '=HYPERLINK("http://evil.example","clic")'
    stranger = ConsoleClient(as_admin.app, as_admin.host)
    stranger.post("/admin/connexion", {"email": typed, "password": "mauvais mot de passe"})
    export = as_admin.get("/admin/journal.csv")
    assert export.status_code == 200
    text = export.data.decode("utf-8-sig")
    assert "HYPERLINK" in text
    for line in text.splitlines():
        for cell in line.split(";"):
            assert not cell.strip('"').startswith(("=", "+", "@", "-", "\t", "\r")), cell


def _attack_the_console(app, host, email, utc_clock, failures=25):
    """Wrong passwords from a browser that never logged in, each from another address and
    once the delay is over; returns that browser."""
    from datetime import timedelta

    attacker = ConsoleClient(app, host)
    for i in range(failures):
        if i >= 5:
            utc_clock[0] += timedelta(minutes=61)
        response = attacker.post("/admin/connexion", {"email": email, "password": "mauvais !"},
                                 environ_base={"REMOTE_ADDR": f"10.7.0.{i + 1}"})
        assert response.status_code == 200 and "Trop de tentatives" not in response.text, i
    return attacker


def test_after_25_failures_the_agents_known_browser_still_logs_in(app, console, admin, clock,
                                                                  utc_clock):
    """Issue 12, finding 2: the failures count against the address typed for unknown
    browsers, against itself for a browser that logged in to this account before."""
    email, secret = admin
    assert console.console_login(email, secret, clock).status_code == 302
    console.post("/admin/deconnexion", page="/admin/")
    attacker = _attack_the_console(app, console.host, email, utc_clock)
    refused = attacker.post("/admin/connexion", {"email": email, "password": AGENT_PASSWORD})
    assert "Trop de tentatives" in " ".join(messages(refused.text))
    stranger = ConsoleClient(app, console.host)  # a new browser: refused too
    refused = stranger.post("/admin/connexion", {"email": email, "password": AGENT_PASSWORD})
    assert "Trop de tentatives" in " ".join(messages(refused.text))
    assert console.console_login(email, secret, clock).status_code == 302
    assert console.get("/admin/").status_code == 200


def test_an_accepted_invitation_clears_the_throttle(app, console, tenant, utc_clock):
    from tests.tenants.conftest import keys_for

    with db.tenant_context(tenant):
        chloe = agents.create(db.session, "chloe@vallee-verte.fr", "Chloé", "agent")
        token = agents.invitation_token(keys_for(tenant), chloe)
        db.session.commit()
    attacker = _attack_the_console(app, console.host, "chloe@vallee-verte.fr", utc_clock, 5)
    refused = attacker.post("/admin/connexion", {"email": "chloe@vallee-verte.fr",
                                                 "password": "mauvais !"})
    assert "Trop de tentatives" in " ".join(messages(refused.text))
    accepted = console.post(f"/admin/invitation/{token}",
                            {"password": AGENT_PASSWORD, "confirm": AGENT_PASSWORD})
    assert accepted.headers["Location"] == "/admin/double-authentification"
    stranger = ConsoleClient(app, console.host)
    first = stranger.post("/admin/connexion", {"email": "chloe@vallee-verte.fr",
                                               "password": AGENT_PASSWORD})
    assert first.status_code == 302
    assert first.headers["Location"] == "/admin/double-authentification"
