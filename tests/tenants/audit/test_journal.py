"""The audit log: console actions and security events, searchable, exportable, purged, and
never a secret in it."""

import csv
import io
from datetime import timedelta

import sqlalchemy as sa

from plateforme.database import db
from plateforme.registry import utcnow
from tenants.agents import accounts as agents
from tenants.audit import journal as audit
from tenants.audit.models import AuditEvent
from tests.tenants.conftest import AGENT_PASSWORD, PASSWORD


def actions(tenant):
    with db.tenant_context(tenant):
        return db.session.scalars(sa.select(AuditEvent.action)
                                  .order_by(AuditEvent.id)).all()


def test_host_security_events_are_recorded(client, imported, host_email, tenant):
    client.login(host_email, "un mauvais mot de passe")
    client.login(host_email)
    client.accept_cgu()
    client.post("/mot-de-passe-oublie", {"email": host_email})
    recorded = actions(tenant)
    for action in ("login.failure", "login.success", "cgu.accepted",
                   "password_reset.requested"):
        assert action in recorded, action


def test_console_actions_are_recorded_and_nothing_secret(as_admin, tenant, admin):
    as_admin.post("/admin/agents", {"name": "Chloé", "email": "chloe@vallee-verte.fr",
                                    "role": "agent"})
    recorded = actions(tenant)
    assert "console.login_success" in recorded and "agent.invited" in recorded
    with db.tenant_context(tenant):
        dump = " ".join(f"{e.actor_label} {e.target} {e.details}"
                        for e in db.session.scalars(sa.select(AuditEvent)))
        secret = agents.by_email(db.session, admin[0]).totp_secret
    for forbidden in (AGENT_PASSWORD, PASSWORD, secret, "invitation/"):
        assert forbidden not in dump


def test_record_refuses_secret_fields(app, tenant):
    import pytest

    with db.tenant_context(tenant), pytest.raises(ValueError):
        audit.record(db.session, "x", password="hunter2")


def test_the_journal_searches_and_exports(as_admin, tenant):
    as_admin.post("/admin/agents", {"name": "Chloé", "email": "chloe@vallee-verte.fr",
                                    "role": "agent"})
    page = as_admin.get("/admin/journal?q=chloe")
    assert "a invité un agent : chloe@vallee-verte.fr" in page.text
    assert "s'est connecté(e) à la console" not in page.text
    export = as_admin.get("/admin/journal.csv?action=agent")
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == list(audit.CSV_COLUMNS)
    assert [r[2] for r in rows[1:]] == ["agent.invited"]


def test_events_older_than_the_retention_are_purged(as_admin, tenant):
    with db.tenant_context(tenant):
        audit.record(db.session, "ancien", target="vieux")
        db.session.flush()
        db.session.execute(sa.update(AuditEvent).where(AuditEvent.action == "ancien")
                           .values(at=utcnow() - timedelta(days=200)))
        db.session.commit()
    response = as_admin.post("/admin/journal/conservation", {"months": "6"},
                             page="/admin/journal", follow_redirects=True)
    assert "1 évènement(s) plus ancien(s) supprimé(s)" in response.text
    assert "ancien" not in actions(tenant)
    refused = as_admin.post("/admin/journal/conservation", {"months": "0"},
                            page="/admin/journal", follow_redirects=True)
    assert "entre 1 et 36 mois" in refused.text


def test_the_purge_command_applies_each_retention(app, tenant):
    with db.tenant_context(tenant):
        audit.record(db.session, "ancien")
        audit.record(db.session, "recent")
        db.session.flush()
        db.session.execute(sa.update(AuditEvent).where(AuditEvent.action == "ancien")
                           .values(at=utcnow() - timedelta(days=400)))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["tenants", "purge-audit", "vallee"])
    assert result.exit_code == 0, result.output
    assert "vallee : 1 évènement(s) de plus de 12 mois supprimé(s)." in result.output
    assert "ancien" not in actions(tenant) and "recent" in actions(tenant)
