"""Provisioning: one command, idempotent, retryable, never `active` when half done."""

import pytest
import sqlalchemy as sa

from plateforme import migrate, provisioning, registry
from plateforme.database import db
from plateforme.errors import UserError
from tenants.collectivite import legal, news, settings
from tenants.collectivite.models import LegalDocument, NewsItem, Settings
from tests.conftest import create_tenant, get, host_of, replace_seed


def schema_tables(app, tenant) -> set[str]:
    state = db.state
    if state.is_postgresql:
        with state.shared_connection() as conn:
            return set(conn.execute(sa.text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                {"s": tenant.schema}).scalars())
    path = state.tenant_file(tenant.schema)
    if not path.exists():
        return set()
    with state.tenant_connection(tenant) as conn:
        return set(sa.inspect(conn).get_table_names())


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_new_collectivite_is_active_at_head_with_its_defaults(app):
    tenant = create_tenant(app, "vallee-verte", "Vallée Verte")
    assert registry.require(db.session, "vallee-verte").status == "active"
    assert {"settings", "legal_documents", "news_items", "alembic_version"} <= \
        schema_tables(app, tenant)
    heads = migrate.tenant_heads(app.config["TENANT_MIGRATIONS_DIR"])
    with db.state.tenant_connection(tenant) as conn:
        assert migrate.read_version(conn, migrate.target_of(db.state, tenant.schema)) == heads
    with db.tenant_context(tenant):
        cgu, privacy = legal.current(db.session, "cgu"), legal.current(db.session, "privacy")
        assert (cgu.version, privacy.version) == (1, 1)
        assert cgu.sha256 == legal.text_hash(cgu.body)
        assert "Vallée Verte" in cgu.body and "Conditions générales" in cgu.body
        assert "responsable du traitement est Vallée Verte" in privacy.body
        assert "Nouveaux Territoires" in privacy.body and "sous-traitant" in privacy.body
        assert "vallee-verte.taxesejour.test" in cgu.body
        assert settings.get(db.session).support_phone == ""
        assert settings.get(db.session).display_name == "Vallée Verte"
        (welcome,) = news.published(db.session)
        assert "Bienvenue" in welcome.title


def test_creating_again_changes_nothing(app):
    create_tenant(app, "vallee-verte", "Vallée Verte")
    tenant = create_tenant(app, "vallee-verte", "Vallée Verte")
    with db.tenant_context(tenant):
        assert count(LegalDocument) == 2
        assert count(NewsItem) == 1
    assert len(registry.all_collectivites(db.session)) >= 1


def test_a_slug_taken_by_another_name_is_refused(app):
    create_tenant(app, "vallee-verte", "Vallée Verte")
    with pytest.raises(UserError, match="déjà pris par « Vallée Verte »"):
        create_tenant(app, "vallee-verte", "Autre Vallée")


def test_a_failure_halfway_leaves_it_provisioning_and_a_rerun_finishes(app, monkeypatch):
    def fail_while_seeding(session, **_kwargs):
        session.add(Settings(id=1, display_name="à moitié", support_phone=""))
        session.flush()
        raise RuntimeError("panne injectée pendant l'amorçage")

    replace_seed(app, monkeypatch, fail_while_seeding)
    with pytest.raises(RuntimeError, match="panne injectée"):
        create_tenant(app, "vallee-verte", "Vallée Verte")
    row = registry.require(db.session, "vallee-verte")
    assert row.status == "provisioning"
    info = registry.tenant_info(row)
    # Nothing of the schema survived: tables, stamp and seed were one transaction.
    assert schema_tables(app, info) == set()
    response = get(app, host_of("vallee-verte"))
    assert response.status_code == 503
    assert "en cours de préparation" in response.text

    monkeypatch.undo()
    tenant = create_tenant(app, "vallee-verte", "Vallée Verte")
    assert registry.require(db.session, "vallee-verte").status == "active"
    with db.tenant_context(tenant):
        assert settings.get(db.session).display_name == "Vallée Verte"
        assert count(LegalDocument) == 2
    assert get(app, host_of("vallee-verte")).status_code == 200


def test_a_crash_after_the_schema_but_before_activation_is_finished_by_a_rerun(app, monkeypatch):
    real_build = provisioning.build_schema

    def build_then_crash(*args, **kwargs):
        real_build(*args, **kwargs)
        raise KeyboardInterrupt  # the process dies before the registry says `active`

    monkeypatch.setattr(provisioning, "build_schema", build_then_crash)
    with pytest.raises(KeyboardInterrupt):
        create_tenant(app, "vallee-verte", "Vallée Verte")
    db.session.rollback()
    assert registry.require(db.session, "vallee-verte").status == "provisioning"
    monkeypatch.undo()
    tenant = create_tenant(app, "vallee-verte", "Vallée Verte")
    assert registry.require(db.session, "vallee-verte").status == "active"
    with db.tenant_context(tenant):
        assert count(LegalDocument) == 2
        assert count(NewsItem) == 1


def test_suspend_and_resume_follow_the_lifecycle(app):
    create_tenant(app, "vallee-verte")
    assert provisioning.set_status(db.session, "vallee-verte", "suspended").status == "suspended"
    assert provisioning.set_status(db.session, "vallee-verte", "active").status == "active"
    with pytest.raises(UserError, match="Aucune collectivité"):
        provisioning.set_status(db.session, "inconnue", "suspended")


def test_a_collectivite_still_provisioning_cannot_be_resumed(app, monkeypatch):
    replace_seed(app, monkeypatch, lambda *a, **k: (_ for _ in ()).throw(RuntimeError()))
    with pytest.raises(RuntimeError):
        create_tenant(app, "vallee-verte")
    with pytest.raises(UserError, match="pas encore provisionnée"):
        provisioning.set_status(db.session, "vallee-verte", "active")
