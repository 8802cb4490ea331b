"""The platform's health page: collectivités behind the tenant migration head, provisionings
failed or stuck, the last errors `flask tenants migrate` met, per-server counts. Real pools
(the versions are read as `flask tenants migrate` reads them, on connections of their own)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from plateforme import provisioning
from plateforme.database import db
from plateforme.operators import collectivites as service
from plateforme.registry import Collectivite, utcnow
from tests.conftest import create_tenant
from tests.plateforme.operators.conftest import OperatorClient, make_operator
from tests.plateforme.test_migrate import add_column_revision, run_migrate


@pytest.mark.slow
def test_health_shows_what_needs_an_operator(real_app, tenant_migrations_copy, monkeypatch,
                                             totp_clock):
    ok, broken, resting = (create_tenant(real_app, slug)
                           for slug in ("alpha", "beta", "gamma"))
    provisioning.set_status(db.session, "gamma", "suspended")
    with db.state.tenant_connection(broken) as conn:
        conn.execute(sa.schema.DropTable(sa.Table("news_items", sa.MetaData(),
                                                  schema="tenant")))
    real_app.config["TENANT_MIGRATIONS_DIR"] = str(tenant_migrations_copy)
    revision = add_column_revision(tenant_migrations_copy)
    before = service.health(db.state, db.session)
    assert [b.collectivite.slug for b in before.behind] == ["alpha", "beta", "gamma"]
    assert before.heads == (revision,) and before.migration_failures == []
    db.session.commit()  # the command's process would not share this session's snapshot

    assert run_migrate(real_app, "--workers", "1").exit_code == 1
    db.session.commit()  # the command ran in this test's context, on its session

    platform = service.current_platform()
    provisioning.register(db.session, platform, slug="lente", name="Lente")
    db.session.execute(sa.update(Collectivite).where(Collectivite.slug == "lente")
                       .values(created_at=utcnow() - timedelta(minutes=30)))
    db.session.commit()

    def no_disk(*_args, **_kwargs):
        raise OSError("plus de place sur le disque")

    monkeypatch.setattr(provisioning, "build_schema", no_disk)
    with pytest.raises(OSError):
        provisioning.create(db.state, db.session, platform, slug="pleine", name="Pleine")
    db.session.rollback()

    health = service.health(db.state, db.session)
    assert [(b.collectivite.slug, b.version) for b in health.behind] == [
        ("beta", before.behind[1].version)]
    (failure,) = health.migration_failures
    assert failure.collectivite == "beta" and "news_items" in failure.message
    pending = {p.collectivite.slug: p for p in health.provisionings}
    assert pending["lente"].stuck and pending["lente"].failure is None
    assert "plus de place" in pending["pleine"].failure.message
    assert not pending["pleine"].stuck
    (server,) = health.servers
    assert server.server == "default" and server.total == 5
    assert server.statuses == {"active": 2, "suspended": 1, "provisioning": 2}

    client = OperatorClient(real_app)
    client.operator_login(*make_operator("sam@taxesejour.fr", "support"), totp_clock)
    page = client.get("/operateurs/sante").text
    assert "beta" in page and "news_items" in page
    assert "bloquée depuis plus de 10 minutes" in page and "plus de place sur le disque" in page
    assert "active : 2, en cours de création : 2, suspendue : 1" in page
    assert ok.slug not in page.split("Migrations en retard")[1].split("Créations")[0]
    assert resting.slug not in page.split("Migrations en retard")[1].split("Créations")[0]
