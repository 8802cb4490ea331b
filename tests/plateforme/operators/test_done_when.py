"""Issue 14's whole journey, on PostgreSQL with two servers: an operator invited by `flask
operators add` onboards a collectivité from the console, its administrator receives the
invitation, the operator suspends and resumes it, exports it; the archive is imported under a
new slug, the copy moved to a second server, and a visitor finds it from the platform's home
page by a commune's postal code."""

import re

from flask import current_app

from plateforme import mail, registry
from plateforme.database import db
from plateforme.operators import accounts, security
from plateforme.operators.models import Operator
from tests.conftest import TEST_DOMAIN, get, host_of
from tests.plateforme.operators.conftest import OPERATOR_PASSWORD, OperatorClient
from tests.plateforme.test_servers import cli, schemas_on, two_servers  # noqa: F401 (fixture)

BASE = "/operateurs/collectivites"


def enrolled(email: str) -> str:
    """The invited operator sets a password and enrols a TOTP, as the invitation's pages do
    (tests/plateforme/operators/test_accounts.py goes through those pages)."""
    keys = security.Keys(current_app.secret_key)
    operator = db.session.query(Operator).filter_by(email=email).one()
    accounts.accept_invitation(db.session, keys, operator, OPERATOR_PASSWORD)
    accounts.start_enrolment(operator)
    operator.totp_enabled_at = registry.utcnow()
    security.new_recovery_codes(db.session, keys, operator)
    secret = operator.totp_secret
    db.session.commit()
    return secret


def test_invite_onboard_suspend_resume_export_import_move_and_find(two_servers, totp_clock,  # noqa: F811
                                                                    tmp_path):
    app, second = two_servers
    invited = cli(app, "operators", "add", "olga@taxesejour.fr")
    assert invited.exit_code == 0, invited.output
    assert re.search(r"http://\S+/operateurs/invitation/\S+", invited.output)
    operator = OperatorClient(app)
    assert operator.operator_login("olga@taxesejour.fr", enrolled("olga@taxesejour.fr"),
                                   totp_clock).status_code == 302

    created = operator.post(f"{BASE}/nouvelle", {"slug": "privas", "siren": "200071413",
                                                 "admin_email": "dgs@privas.fr"},
                            page=f"{BASE}/nouvelle")
    assert created.status_code == 302, created.text
    assert "La collectivité est ouverte" in operator.get(f"{BASE}/privas/creation").text
    assert "dgs@privas.fr" in [m["To"] for m in mail.outbox(app)]
    assert get(app, host_of("privas"), "/").status_code == 200

    for change, code in (("suspendre", 503), ("reactiver", 200)):
        assert operator.post(f"{BASE}/privas/statut", {"change": change, "reason": "Contrat"},
                             page=f"{BASE}/privas").status_code == 302
        assert get(app, host_of("privas"), "/").status_code == code

    export = operator.post(f"{BASE}/privas/export", {}, page=f"{BASE}/privas")
    assert export.status_code == 200
    archive = tmp_path / "privas.zip"
    archive.write_bytes(export.data)
    export.close()
    restored = cli(app, "tenants", "import", str(archive), "--slug", "privas-copie")
    assert restored.exit_code == 0, restored.output

    moved = cli(app, "tenants", "move", "privas-copie", "--to", "second")
    assert moved.exit_code == 0, moved.output
    assert "tenant_privas_copie" in schemas_on(second)
    db.session.expire_all()
    assert registry.require(db.session, "privas-copie").server == "second"
    assert get(app, host_of("privas-copie"), "/").status_code == 200

    found = get(app, TEST_DOMAIN, "/?commune=07000").text
    assert f'href="http://{host_of("privas-copie")}/"' in found
    assert "Privas" in found
