"""Data return and deletion: a collectivité exported into one archive, restored under a new
identifier with every row equal, a tampered archive refused with nothing left behind, an archived
collectivité's data deleted while its registry row stays « supprimée »."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from plateforme import archive, provisioning, registry
from plateforme.database import TenantModel, db
from plateforme.deployment import Platform
from plateforme.errors import UserError
from plateforme.operators.models import PlatformEvent
from tenants.audit.journal import Actor
from tenants.collectivite import documents, news
from tenants.core.printing import Sender
from tenants.hosts.guide import guide_pdf
from tenants.payments import paying
from tests.conftest import create_tenant, get, host_of
from tests.plateforme.test_cli import assert_one_line_error, run
from tests.tenants.conftest import host_by_name
from tests.tenants.conftest import utc_clock as utc_clock  # noqa: F401
from tests.tenants.payments.conftest import declared as declared  # noqa: F401
from tests.tenants.payments.conftest import imported as imported  # noqa: F401
from tests.tenants.payments.conftest import tenant as tenant  # noqa: F401
from tests.tenants.payments.conftest import today as today  # noqa: F401

BY = Actor(label="test")


def rows_of(tenant) -> dict[str, list[tuple]]:
    """Every table of the collectivité, as the database stores it, in key order."""
    with db.tenant_context(tenant):
        found = {}
        for table in TenantModel.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            found[table.name] = [tuple(r) for r in db.session.execute(
                sa.select(table).order_by(*order))]
        db.session.commit()
    return found


def data_gone(app, schema: str) -> bool:
    state = db.state
    if state.is_postgresql:
        with state.shared_connection() as conn:
            return conn.scalar(sa.text(
                "SELECT count(*) FROM information_schema.schemata WHERE schema_name = :s"),
                {"s": schema}) == 0
    return not state.tenant_file(schema).exists()


@pytest.fixture
def busy(app, declared):  # noqa: F811 (the payments' fixture: hosts, hébergements, declarations)
    """Vallée Verte with a payment, news, a document and a logo besides its declarations."""
    with db.tenant_context(declared):
        host = host_by_name("Martin")
        paying.record(db.session, host, Decimal("10.56"), "virement", date(2026, 8, 18),
                      "VIR 2026-08", BY)
        news.save(db.session, None, {"title": "Nouveaux tarifs", "body": "À partir de 2027…",
                                     "published_at": datetime(2026, 8, 1, 9, 0),
                                     "pinned": True}, BY)
        documents.add(db.session, "Délibération 2026", guide_pdf(Sender(
            name="Vallée Verte", support_phone="", home_url="https://x.fr/")), by=BY)
        db.session.commit()
    return declared


def test_an_export_imported_under_a_new_slug_has_every_row(app, busy, tmp_path):
    path = tmp_path / "vallee.zip"
    exported = run(app, "tenants", "export", "vallee", "--output", str(path))
    assert exported.exit_code == 0, exported.output

    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        readme = zf.read("LISEZMOI.md").decode()
        names = set(zf.namelist())
        payments = [json.loads(line) for line in zf.read("tables/payments.jsonl").splitlines()]
    assert manifest["format_version"] == archive.FORMAT_VERSION
    assert manifest["collectivite"]["name"] == "Vallée Verte"
    assert manifest["domains"] == [{"host": host_of("vallee"), "is_primary": True}]
    assert [t["name"] for t in manifest["tables"]] == \
        [t.name for t in TenantModel.metadata.sorted_tables]
    assert payments[0]["amount"] == 1056  # stored as hundredths, as the database holds it
    assert payments[0]["received_on"] == "2026-08-18"
    pdfs = [f for f in manifest["files"] if f["table"] == "documents"]
    assert len(pdfs) == 1 and pdfs[0]["path"].endswith(".pdf") and pdfs[0]["path"] in names
    assert "Vallée Verte" in readme and "centièmes" in readme
    assert "| `payments` | 1 |" in readme

    imported_ = run(app, "tenants", "import", str(path), "--slug", "vallee-copie")
    assert imported_.exit_code == 0, imported_.output
    copy = registry.require(db.session, "vallee-copie")
    assert copy.status == "active" and copy.name == "Vallée Verte"
    assert [d.host for d in copy.domains] == [host_of("vallee-copie")]
    copy_info = registry.tenant_info(copy)
    source_info = registry.tenant_info(registry.require(db.session, "vallee"))
    db.session.commit()

    source_rows, copy_rows = rows_of(source_info), rows_of(copy_info)
    assert sum(map(len, source_rows.values())) > 50
    for name, rows in source_rows.items():
        assert copy_rows[name] == rows, name

    # The copy goes on living: new rows get fresh ids (PostgreSQL's sequences were moved on).
    with db.tenant_context(copy_info):
        item = news.save(db.session, None, {"title": "Après la restauration", "body": "",
                                            "published_at": datetime(2026, 8, 21, 9, 0),
                                            "pinned": False}, BY)
        db.session.commit()
        assert item.id > max(r[0] for r in source_rows["news_items"])
    assert get(app, host_of("vallee-copie")).status_code == 200
    events = db.session.scalars(sa.select(PlatformEvent.action).where(
        PlatformEvent.action.like("collectivite.%"))).all()
    assert sorted(events) == ["collectivite.exported", "collectivite.imported"]


def _rewritten(path, change) -> io.BytesIO:
    """The archive at `path` with `change(name, data) -> data` applied to each member."""
    out = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, change(name, src.read(name)))
    out.seek(0)
    return out


def test_a_tampered_or_foreign_archive_is_refused_and_leaves_nothing(app, tmp_path):
    create_tenant(app, "vallee", "Vallée Verte")
    path = tmp_path / "vallee.zip"
    archive.export_collectivite(db.state, db.session, "vallee", path)
    platform = Platform.from_config(app.config)

    def tamper(name, data):
        if name == "tables/news_items.jsonl":
            return data.replace(b"Bienvenue", b"Bienvenu", 1)
        return data

    with pytest.raises(UserError, match="Archive altérée : tables/news_items.jsonl"):
        archive.import_collectivite(db.state, db.session, platform, _rewritten(path, tamper),
                                    "vallee-copie")
    assert registry.get_by_slug(db.session, "vallee-copie") is None
    assert data_gone(app, "tenant_vallee_copie")

    def newer(name, data):
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["tenant_revision"] = ["ffffffffffff"]
            return json.dumps(manifest).encode()
        return data

    refused = run(app, "tenants", "import", str(tmp_path / "newer.zip"), "--slug", "x")
    assert refused.exit_code == 2  # click: no such file
    (tmp_path / "newer.zip").write_bytes(_rewritten(path, newer).getvalue())
    refused = run(app, "tenants", "import", str(tmp_path / "newer.zip"), "--slug", "x")
    assert_one_line_error(refused, contains="version plus récente de la plateforme")
    (tmp_path / "not.zip").write_bytes(b"PK? no")
    assert_one_line_error(run(app, "tenants", "import", str(tmp_path / "not.zip"), "--slug", "x"),
                          contains="pas une archive")
    assert_one_line_error(run(app, "tenants", "import", str(path), "--slug", "vallee"),
                          contains="déjà pris")
    assert [c.slug for c in registry.all_collectivites(db.session)] == ["vallee"]


def test_deleting_an_archived_collectivite_keeps_its_row_supprimee(app, tmp_path):
    tenant = create_tenant(app, "vallee", "Vallée Verte")  # noqa: F811
    run(app, "tenants", "domains", "add", "vallee", "taxe.vallee-verte.fr")
    assert_one_line_error(run(app, "tenants", "delete", "vallee", "--confirm", "vallee"),
                          contains="« vallee » est active : seules les données d'une "
                                   "collectivité archivée")
    provisioning.set_status(db.session, "vallee", "archived")
    assert_one_line_error(run(app, "tenants", "delete", "vallee", "--confirm", "valee"),
                          contains="tapez de nouveau l'identifiant « vallee »")
    assert not data_gone(app, tenant.schema)

    deleted = run(app, "tenants", "delete", "vallee", "--confirm", "vallee")
    assert deleted.exit_code == 0, deleted.output
    db.session.expire_all()
    row = registry.require(db.session, "vallee")
    assert row.status == "deleted" and row.status_label == "supprimée"
    assert row.deleted_at is not None and row.domains == []
    assert data_gone(app, tenant.schema)
    event = db.session.scalars(sa.select(PlatformEvent)
                               .where(PlatformEvent.action == "collectivite.deleted")).one()
    assert event.collectivite == "vallee"
    assert event.detail["domains"] == [host_of("vallee"), "taxe.vallee-verte.fr"]

    page = get(app, host_of("vallee"))
    assert page.status_code == 503
    assert get(app, "taxe.vallee-verte.fr").status_code == 400
    assert data_gone(app, tenant.schema)  # answering did not recreate anything
    migrated = run(app, "tenants", "migrate", "vallee")
    assert "vallee" in migrated.output and "supprimée" in migrated.output, migrated.output
    assert data_gone(app, tenant.schema)  # nor did migrating
    assert_one_line_error(run(app, "tenants", "resume", "vallee"), contains="est supprimée")
    assert_one_line_error(run(app, "tenants", "export", "vallee", "--output",
                              str(tmp_path / "x.zip")), contains="est supprimée")
    assert_one_line_error(run(app, "tenants", "delete", "vallee", "--confirm", "vallee"),
                          contains="est supprimée")


def test_an_older_platforms_archive_is_built_at_its_revision_then_migrated(
        app, backend, tmp_path, tenant_migrations_copy, monkeypatch):
    """The archive of a platform one revision behind: its schema is built by the migrations up
    to the archive's revision, loaded, then brought to this platform's head."""
    if backend == "postgresql":
        pytest.skip("the migrations run on connections of their own, outside the test's "
                    "transaction: SQLite shows the path")
    source = create_tenant(app, "vallee", "Vallée Verte")
    path = tmp_path / "vallee.zip"
    manifest = archive.export_collectivite(db.state, db.session, "vallee", path)
    (head,) = manifest.tenant_revision
    (tenant_migrations_copy / "versions" / "ffff00000001_later.py").write_text(
        f'revision = "ffff00000001"\ndown_revision = "{head}"\nbranch_labels = None\n'
        "depends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n")
    monkeypatch.setitem(app.config, "TENANT_MIGRATIONS_DIR", str(tenant_migrations_copy))

    imported_ = run(app, "tenants", "import", str(path), "--slug", "vallee-copie")
    assert imported_.exit_code == 0, imported_.output
    copy = registry.tenant_info(registry.require(db.session, "vallee-copie"))
    db.session.commit()
    assert rows_of(copy) == rows_of(source)
    with db.state.tenant_connection(copy) as conn:
        assert conn.scalar(sa.text("SELECT version_num FROM alembic_version")) == "ffff00000001"
