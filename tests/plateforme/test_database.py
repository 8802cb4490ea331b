"""Schema binding: each collectivité sees its own rows, and nothing falls back elsewhere."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from plateforme.database import TenantModel, db
from plateforme.registry import utcnow
from plateforme.tenancy import (
    NoTenantBound,
    TenantInfo,
    check_schema_name,
    current_tenant,
    schema_name_for,
)
from tenants import models
from tenants.collectivite import legal, news, settings
from tests.conftest import create_tenant, get, host_of


# One factory per tenant-scoped model: (the column that carries the tag, a function that adds a
# row tagged `tag`). A new model without one fails test_every_tenant_model_has_a_separation_
# factory: separation is proved for every table.
def _host(session, tag):
    host = models.Host(civility="M.", last_name=tag, first_name="x", address="x",
                      postal_code="07200", city="x", reference=f"ref-{tag}")
    session.add(host)
    session.flush()
    return host


def _hebergement(session, tag):
    host = _host(session, "h" + tag)
    item = models.Hebergement(host_id=host.id, name=tag, address="x", postal_code="07200",
                             city="x", nature="meuble", classement="2", capacity=2)
    session.add(item)
    return item


def _code(session, tag):
    row = models.ActivationCode(host_id=_host(session, "c" + tag).id, code_digest=tag,
                                  expires_at=utcnow())
    session.add(row)
    return row


def _session(session, tag):
    row = models.HostSession(host_id=_host(session, "s" + tag).id, token_digest=tag,
                               auth_version="v", expires_at=utcnow())
    session.add(row)
    return row


def _remember(session, tag):
    row = models.RememberToken(host_id=_host(session, "r" + tag).id, selector=tag,
                                 validator_digest="v", auth_version="v", expires_at=utcnow())
    session.add(row)
    return row


def _acceptance(session, tag):
    document = legal.current(session, "cgu")
    row = models.Acceptance(host_id=_host(session, "a" + tag).id, document_id=document.id,
                           kind="cgu", version=document.version, sha256=tag)
    session.add(row)
    return row


def _simple(model, column, **values):
    def make(session, tag):
        row = model(**{column: tag, **values})
        session.add(row)
        return row

    return make


def _agent(session, tag):
    row = models.Agent(email=f"{tag}@example.fr".lower(), name=tag, role="agent")
    session.add(row)
    session.flush()
    return row


def _agent_session(session, tag):
    row = models.AgentSession(agent_id=_agent(session, "s" + tag).id, token_digest=tag,
                              auth_version="v", expires_at=utcnow())
    session.add(row)
    return row


def _recovery(session, tag):
    row = models.RecoveryCode(agent_id=_agent(session, "r" + tag).id, code_digest=tag)
    session.add(row)
    return row


def _deliberation(session, tag):
    row = models.Deliberation(year=2026, key=f"k-{tag}", version=1, source="console", name=tag,
                              adopted_on=date(2025, 6, 1), fingerprint=tag)
    session.add(row)
    session.flush()
    return row


def _child(make_child):
    """A row that belongs to a deliberation named `tag` (it has no text column of its own)."""
    def make(session, tag):
        row = make_child(_deliberation(session, tag))
        session.add(row)
        return row

    return make


def _period(deliberation):
    return models.Period(deliberation_id=deliberation.id, position=0, start_month=1,
                         start_day=1, end_month=12, end_day=31)


def _tariff(deliberation):
    period = _period(deliberation)
    db.session.add(period)
    db.session.flush()
    return models.Tariff(period_id=period.id, category=4, amount=Decimal("1.50"))


def _deliberation_of(row):
    if isinstance(row, models.Tariff):
        row = db.session.get(models.Period, row.period_id)
    return db.session.get(models.Deliberation, row.deliberation_id).name


def _declaration(session, tag):
    item = _hebergement(session, "d" + tag)
    session.flush()
    row = models.Declaration(hebergement_id=item.id, period="2026-07",
                             period_start=date(2026, 7, 1), period_end=date(2026, 7, 31),
                             deadline=date(2026, 8, 15), version=1, status="brouillon",
                             regime="reel", reason=tag)
    session.add(row)
    session.flush()
    return row


def _stay(session, tag):
    row = models.Stay(declaration_id=_declaration(session, "s" + tag).id,
                      arrival=date(2026, 7, 1), departure=date(2026, 7, 3), persons=2,
                      channel="plateforme", platform=tag)
    session.add(row)
    return row


def _closure(session, tag):
    item = _hebergement(session, tag)
    session.flush()
    row = models.Closure(hebergement_id=item.id, starts_on=date(2026, 1, 1),
                         ends_on=date(2026, 1, 31))
    session.add(row)
    return row


def _reminder(session, tag):
    row = models.Reminder(host_id=_host(session, tag).id, period="2026-07", kind="avant")
    session.add(row)
    return row


def _payment(session, tag):
    row = models.Payment(host_id=_host(session, "p" + tag).id, means="virement",
                         status="payee", amount=Decimal("12.50"), received_on=date(2026, 8, 1),
                         bank_reference=tag)
    session.add(row)
    session.flush()
    return row


def _allocation(session, tag):
    declaration = _declaration(session, "a" + tag)
    row = models.Allocation(payment_id=_payment(session, tag).id, declaration_id=declaration.id,
                            hebergement_id=declaration.hebergement_id, period="2026-07",
                            amount=Decimal("12.50"))
    session.add(row)
    return row


def _recovery_document(session, tag):
    row = models.RecoveryDocument(host_id=_host(session, "r" + tag).id, kind="mise_en_demeure",
                                  issued_on=date(2026, 9, 1), reference=tag, pdf=b"%PDF-")
    session.add(row)
    session.flush()
    return row


def _recovery_case(session, tag):
    declaration = _declaration(session, "c" + tag)
    host_id = db.session.get(models.Hebergement, declaration.hebergement_id).host_id
    row = models.RecoveryCase(host_id=host_id, hebergement_id=declaration.hebergement_id,
                              period="2026-07", period_start=date(2026, 7, 1),
                              period_end=date(2026, 7, 31), deadline=date(2026, 8, 15),
                              kind="non_declaree", step="rappel", reminded_on=date(2026, 8, 22),
                              observations=tag)
    session.add(row)
    return row


def _statement(session, tag):
    row = models.PlatformStatement(platform=tag, starts_on=date(2026, 1, 1),
                                   ends_on=date(2026, 6, 30), filename="x.csv", lines=1,
                                   person_nights=2, amount=Decimal("3.74"), content=b"x")
    session.add(row)
    session.flush()
    return row


FACTORIES = {
    models.LegalDraft: ("body", _simple(models.LegalDraft, "body", kind="cgu")),
    models.Document: ("title", _simple(models.Document, "title", filename="x.pdf",
                                          content=b"%PDF-", size=5)),
    models.Agent: ("name", _agent),
    models.AgentSession: ("token_digest", _agent_session),
    models.RecoveryCode: ("code_digest", _recovery),
    models.AuditEvent: ("action", _simple(models.AuditEvent, "action", actor_kind="system")),
    models.NewsItem: ("title", _simple(models.NewsItem, "title", body=".")),
    models.LegalDocument: ("title", _simple(models.LegalDocument, "title", kind="cgu",
                                           version=100, body=".", sha256=".")),
    models.Tutorial: ("title", _simple(models.Tutorial, "title", url="https://x.example")),
    models.Host: ("last_name", _host),
    models.Hebergement: ("name", _hebergement),
    models.ActivationCode: ("code_digest", _code),
    models.HostSession: ("token_digest", _session),
    models.RememberToken: ("selector", _remember),
    models.DeltaImport: ("filename", _simple(models.DeltaImport, "filename")),
    models.LetterBatch: ("requested_by", _simple(models.LetterBatch, "requested_by", fmt="pdf")),
    models.LoginThrottle: ("key_digest", _simple(models.LoginThrottle, "key_digest")),
    models.Acceptance: ("sha256", _acceptance),
    models.Settings: None,  # one row per collectivité: see test_settings_are_separate
    models.AccessibilityStatement: ("auditor", _simple(models.AccessibilityStatement,
                                                       "auditor")),
    models.LegalGridLine: ("label", _simple(models.LegalGridLine, "label", year=1999,
                                            category=1, floor=Decimal("0.70"),
                                            ceiling=Decimal("4.90"), unit="€")),
    models.Deliberation: ("name", _deliberation),
    models.DeliberationCommune: ("name", lambda session, tag: session.add(
        models.DeliberationCommune(deliberation_id=_deliberation(session, "c" + tag).id,
                                   insee="07019", name=tag))),
    models.Regime: (_deliberation_of, _child(lambda d: models.Regime(
        deliberation_id=d.id, nature=4, regime="reel"))),
    models.Period: (_deliberation_of, _child(_period)),
    models.Tariff: (_deliberation_of, _child(_tariff)),
    models.Band: (_deliberation_of, _child(lambda d: models.Band(
        deliberation_id=d.id, rate=Decimal("20.00"), nights_min=1))),
    models.Closure: (lambda row: db.session.get(models.Hebergement, row.hebergement_id).name,
                     _closure),
    models.Declaration: ("reason", _declaration),
    models.Stay: ("platform", _stay),
    models.Reminder: (lambda row: db.session.get(models.Host, row.host_id).last_name,
                      _reminder),
    models.ReminderSettings: ("text_before", _simple(models.ReminderSettings, "text_before")),
    models.PaymentSettings: ("account_holder", _simple(models.PaymentSettings,
                                                       "account_holder")),
    models.Payment: ("bank_reference", _payment),
    models.Allocation: (lambda row: db.session.get(models.Payment,
                                                   row.payment_id).bank_reference, _allocation),
    models.RecoverySettings: None,  # one row, numbers only: see test_recovery_settings_...
    models.RecoveryDocument: ("reference", _recovery_document),
    models.RecoveryCase: ("observations", _recovery_case),
    models.PlatformStatement: ("platform", _statement),
    models.PlatformPayment: ("reference", lambda session, tag: session.add(
        models.PlatformPayment(platform="Airbnb", received_on=date(2026, 7, 1),
                               amount=Decimal("3.74"), reference=tag,
                               statement_id=_statement(session, "s" + tag[:20]).id))),
}


def tenant_models():
    return sorted((m.class_ for m in TenantModel.registry.mappers), key=lambda c: c.__name__)


def test_every_tenant_model_has_a_separation_factory():
    assert set(tenant_models()) == set(FACTORIES), "add the new model to FACTORIES"
    assert set(models.__all__) == {m.__name__ for m in tenant_models()}


def _tags(model, column):
    rows = db.session.scalars(sa.select(model)).all()
    return {column(o) if callable(column) else getattr(o, column) for o in rows}


@pytest.mark.parametrize("model", [m for m in FACTORIES if FACTORIES[m]],
                         ids=lambda m: m.__name__)
def test_data_separation(app, model):
    """Write in A, absent in B; write in B; back in A, A's intact; a new C is empty."""
    a, b = create_tenant(app, "alpha"), create_tenant(app, "beta")
    column, make = FACTORIES[model]
    tag_a, tag_b = "tagAAAAAAAAAAAAA", "tagBBBBBBBBBBBBB"
    with db.tenant_context(a):
        baseline = _tags(model, column)
        make(db.session, tag_a)
        db.session.commit()
        assert _tags(model, column) - baseline == {tag_a}
    with db.tenant_context(b):
        assert tag_a not in _tags(model, column)
        make(db.session, tag_b)
        db.session.commit()
        assert tag_b in _tags(model, column)
    with db.tenant_context(a):
        assert _tags(model, column) - baseline == {tag_a}
    c = create_tenant(app, "gamma")
    with db.tenant_context(c):
        assert {tag_a, tag_b}.isdisjoint(_tags(model, column))


def test_recovery_settings_are_separate(app):
    a, b = create_tenant(app, "alpha", "Alpha"), create_tenant(app, "beta", "Beta")
    with db.tenant_context(a):
        db.session.add(models.RecoverySettings(id=1, days_to_notice=45))
        db.session.commit()
    with db.tenant_context(b):
        assert db.session.get(models.RecoverySettings, 1) is None
        db.session.add(models.RecoverySettings(id=1, days_to_notice=20))
        db.session.commit()
    with db.tenant_context(a):
        assert db.session.get(models.RecoverySettings, 1).days_to_notice == 45


def test_settings_are_separate(app):
    a, b = create_tenant(app, "alpha", "Alpha"), create_tenant(app, "beta", "Beta")
    with db.tenant_context(a):
        settings.get(db.session).support_phone = "04 75 00 00 01"
        db.session.commit()
    with db.tenant_context(b):
        assert settings.get(db.session).support_phone == ""
        assert settings.get(db.session).display_name == "Beta"
    with db.tenant_context(a):
        assert settings.get(db.session).support_phone == "04 75 00 00 01"
    with db.tenant_context(create_tenant(app, "gamma", "Gamma")):
        assert settings.get(db.session).support_phone == ""


def test_tenant_tables_without_a_binding_fail_loudly(app):
    create_tenant(app, "alpha")
    with pytest.raises(NoTenantBound):
        db.session.scalars(sa.select(models.NewsItem)).all()
    with pytest.raises(NoTenantBound):
        db.session.execute(sa.select(models.NewsItem.__table__)).all()
    with pytest.raises(NoTenantBound):
        current_tenant()


def test_a_tenant_session_never_changes_tenant(app):
    a, b = create_tenant(app, "alpha"), create_tenant(app, "beta")
    with db.tenant_context(a):
        session_a = db.session
        with db.tenant_context(b):
            assert db.session is not session_a
            assert current_tenant().slug == "beta"
        assert db.session is session_a
        assert current_tenant().slug == "alpha"


def test_a_thread_started_in_a_tenant_context_has_no_tenant(app):
    import threading

    a = create_tenant(app, "alpha")
    seen = []
    with db.tenant_context(a):
        thread = threading.Thread(target=lambda: seen.append(_bound()))
        thread.start()
        thread.join()
    assert seen == [None]


def _bound():
    from plateforme import tenancy

    return tenancy.current_binding()


@pytest.mark.parametrize("name", ["public", "tenant_", "tenant_A", 'tenant_x"; drop',
                                  "tenant_x y", "pg_catalog", "tenant_" + "a" * 41])
def test_schema_names_follow_a_strict_pattern(name):
    with pytest.raises(ValueError):
        check_schema_name(name)
    with pytest.raises(ValueError):
        TenantInfo(1, "x", "x", "active", name, "default", "x")


def test_schema_names_derive_from_slugs():
    assert schema_name_for("saint-jean") == "tenant_saint_jean"


def test_schema_names_are_always_quoted_in_sql(pg_app):
    a = create_tenant(pg_app, "alpha")
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.state.shared_engine, "before_cursor_execute", record)
    try:
        with db.tenant_context(a):
            news.published(db.session)
    finally:
        sa.event.remove(db.state.shared_engine, "before_cursor_execute", record)
    assert any('FROM "tenant_alpha".news_items' in s for s in statements), statements


def test_pool_reuse_never_carries_a_tenant(backend, make_real_app):
    """One connection in the pool: requests on A, then B, then A see only their own rows,
    and the connection's search_path is never changed."""
    app = make_real_app(DB_POOL_SIZE=1, DB_MAX_OVERFLOW=0)
    a = create_tenant(app, "alpha", "Alpha")
    b = create_tenant(app, "beta", "Beta")
    for tenant in (a, b):
        with app.app_context(), db.tenant_context(tenant):
            db.session.add(models.NewsItem(title=f"only-{tenant.slug}", body=".",
                                         published_at=utcnow()))
            db.session.commit()
    for tenant, other in ((a, b), (b, a), (a, b), (b, a)):
        page = get(app, host_of(tenant.slug)).text
        assert f"only-{tenant.slug}" in page
        assert f"only-{other.slug}" not in page
    if backend == "postgresql":
        engine = app.extensions["taxesejour.db"].shared_engine
        assert engine.pool.size() == 1
        with engine.connect() as conn:
            assert "tenant" not in conn.exec_driver_sql("SHOW search_path").scalar()


def test_one_user_action_is_one_transaction(app):
    """`db.attempt`: committed with its value, or rolled back with its French reason; anything
    else rolls back too and is raised."""
    from plateforme.errors import UserError

    tenant = create_tenant(app, "alpha")

    def add(title, refuse=None):
        db.session.add(models.NewsItem(title=title, body="."))
        db.session.flush()
        if refuse:
            raise refuse
        return title.upper()

    def titles():
        return set(db.session.scalars(sa.select(models.NewsItem.title)))

    with db.tenant_context(tenant):
        done = db.attempt(add, "gardée")
        assert done.ok and done.value == "GARDÉE" and done.error is None
        refused = db.attempt(add, "refusée", UserError("Titre déjà pris."))
        assert not refused.ok and refused.error == "Titre déjà pris."
        assert isinstance(refused.refused, UserError) and refused.value is None
        with pytest.raises(RuntimeError):
            db.attempt(add, "en panne", RuntimeError("disque plein"))
        assert {"gardée"} <= titles() and not {"refusée", "en panne"} & titles()


def _transaction_ends(engine):
    ends = []
    sa.event.listen(engine, "commit", lambda _conn: ends.append("commit"))
    sa.event.listen(engine, "rollback", lambda _conn: ends.append("rollback"))
    return ends


def test_a_transaction_that_only_read_keeps_the_prepared_statements(real_app):
    """psycopg drops a connection's prepared statements on ROLLBACK: a request that only read
    ends with COMMIT (the same, for it) on PostgreSQL, so its queries stay prepared; one that
    wrote, or left a change unflushed, is rolled back as before and saves nothing."""
    tenant = create_tenant(real_app, "alpha", "Alpha")
    state = db.state
    ends = _transaction_ends(state.tenant_engine(tenant))
    with db.tenant_context(tenant):
        assert settings.get(db.session).display_name == "Alpha"
    expected = "commit" if state.is_postgresql else "rollback"
    assert ends == [expected]

    ends.clear()
    with db.tenant_context(tenant):
        settings.get(db.session).display_name = "Jamais flushé"
    with db.tenant_context(tenant):
        settings.get(db.session).display_name = "Flushé, jamais validé"
        db.session.flush()
    assert ends == ["rollback", "rollback"]
    with db.tenant_context(tenant):
        assert settings.get(db.session).display_name == "Alpha"


def test_a_query_that_only_reads_is_prepared_after_a_few_runs(real_app):
    """On PostgreSQL the same reads, run again in later transactions, use prepared statements."""
    if not db.state.is_postgresql:
        pytest.skip("prepared statements: PostgreSQL only")
    tenant = create_tenant(real_app, "alpha", "Alpha")
    for _ in range(8):
        with db.tenant_context(tenant):
            legal.versions(db.session, "cgu")
    raw = db.state.shared_engine.raw_connection()  # the pool's only connection
    try:
        assert raw.driver_connection.execute(
            "SELECT count(*) FROM pg_prepared_statements").fetchone()[0] > 0
    finally:
        raw.close()
