"""Enrolment as an agent reads it (issue 13, item 11): the key in groups of 4, no word of
recovery codes before they exist, and the codes kept as a .txt file or a printed page without
the server ever holding them in clear."""

import re

import pyotp

from plateforme.database import db
from tenants.agents import accounts, totp
from tests.tenants.conftest import AGENT_PASSWORD, ConsoleClient, make_agent, messages


def enrolled(app, tenant, clock):
    """A new agent at the second factor's enrolment, then enrolled: (client, enrolment page,
    key, recovery codes page)."""
    email, _secret = make_agent(tenant, "chloe@vallee-verte.fr")
    with db.tenant_context(tenant):
        agent = accounts.by_email(db.session, email)
        agent.totp_enabled_at = None
        agent.totp_secret = None
        db.session.commit()
    client = ConsoleClient(app, "vallee.taxesejour.test")
    client.post("/admin/connexion", {"email": email, "password": AGENT_PASSWORD})
    enrol = client.get("/admin/double-authentification").text
    key = re.search(r'<code class="secret">(.+?)</code>', enrol).group(1)
    secret = "".join(re.findall(r"<span>([A-Z2-7]{1,4})</span>", key))
    clock.tick()
    page = client.post("/admin/double-authentification",
                       {"code": pyotp.TOTP(secret).at(clock.now)})
    return client, enrol, secret, page.text


def test_the_key_is_grouped_and_the_hint_comes_before_any_code(app, tenant, clock):
    _client, enrol, secret, _page = enrolled(app, tenant, clock)
    assert len(secret) == 32 and "<span>" + secret[:4] + "</span><span>" + secret[4:8] in enrol
    hint = re.search(r'<p class="hint" id="code-aide">(.*?)</p>', enrol).group(1)
    assert "codes de secours vous seront donnés ensuite" in hint
    assert "l&#39;un de vos codes de secours" not in hint and "l'un de vos codes" not in hint


def test_recovery_codes_download_and_print_only_for_who_holds_them(app, tenant, clock):
    client, _enrol, _secret, page = enrolled(app, tenant, clock)
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", page)
    assert len(codes) == totp.RECOVERY_CODES
    assert "Télécharger (.txt)" in page and ">Imprimer</button>" in page

    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    file = client.post("/admin/codes-de-secours/fichier", {"csrf_token": token, "code": codes},
                       csrf=False)
    assert file.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "attachment" in file.headers["Content-Disposition"]
    text = file.data.decode("utf-8")
    assert all(f"{i}. {code}\r\n" in text for i, code in enumerate(codes, 1))
    assert "chloe@vallee-verte.fr" in text and "Vallée Verte" in text
    assert file.headers["Cache-Control"] == "no-store"

    printed = client.post("/admin/codes-de-secours/impression",
                          {"csrf_token": token, "code": codes}, csrf=False)
    assert printed.status_code == 200 and all(code in printed.text for code in codes)
    assert "Ctrl+P" in printed.text and "data-print hidden" in printed.text
    assert "js/print.js" in printed.text

    # Nothing is echoed to who does not hold the codes: a made-up code, or a used one.
    forged = client.post("/admin/codes-de-secours/fichier",
                         {"csrf_token": token, "code": codes[:9] + ["000000-000000"]},
                         csrf=False, follow_redirects=True)
    assert "000000-000000" not in forged.text
    assert any("ne sont plus valables" in m for m in messages(forged.text))
    none = client.post("/admin/codes-de-secours/fichier", {"csrf_token": token}, csrf=False)
    assert none.status_code == 302
    stranger = ConsoleClient(app, "vallee.taxesejour.test")
    assert stranger.post("/admin/codes-de-secours/fichier", {"code": codes},
                         page="/admin/connexion").status_code == 302
