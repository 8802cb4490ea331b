"""A collectivité's data, returned as one archive, restored from one, or deleted for good.

At the end of a contract the platform, the collectivité's processor (GDPR art. 28), hands back
everything it holds for it, then deletes it. The archive is a zip file whose format is written
down in its own LISEZMOI.md (`templates/plateforme/archive_readme.md`) and versioned
(`FORMAT_VERSION`): one JSON-lines file per table of the collectivité's schema, values as the
database stores them (amounts in whole hundredths, dates in ISO 8601, bytes in base64), a
readable copy of every file kept in the database (documents, logo, PDFs), and `manifest.json`
with the platform's tenant revision, the registry row, and each file's row count and SHA-256.

The same archive restores the collectivité under a new identifier, here or on another platform
(`import_collectivite`): everything is checked against the manifest before the new collectivité
opens, and a failure leaves nothing behind. Rows are streamed both ways: a table is never held
in memory.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import click
import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateSchema, DropSchema
from sqlalchemy.sql.elements import quoted_name

from plateforme import provisioning, registry
from plateforme.cli import tenants_group
from plateforme.database import db
from plateforme.deployment import Platform
from plateforme.errors import UserError
from plateforme.migrate import (
    alembic_config,
    read_version,
    target_of,
    tenant_heads,
    upgrade_tenant,
    version_table,
)
from plateforme.operators import journal
from plateforme.registry import Collectivite
from plateforme.tenancy import SCHEMA_PLACEHOLDER, TenantInfo

log = logging.getLogger(__name__)

FORMAT = "taxesejour-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
README = "LISEZMOI.md"
BATCH = 1000
NAME_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")

journal.describe_action("collectivite.exported", "a exporté les données de la collectivité")
journal.describe_action("collectivite.imported",
                        "a restauré une collectivité depuis une archive")
journal.describe_action("collectivite.deleted", "a supprimé les données de la collectivité")


# --- values: the database's own, written as JSON and read back exactly ----------------------


def _raw_type(column_type: sa.types.TypeEngine) -> sa.types.TypeEngine:
    """The type the database stores (hundredths as integers, enums as their text)."""
    while isinstance(column_type, sa.TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, sa.Enum):
        return sa.String()
    return column_type


#: The archive's value kinds, in the order they are recognised, with the type that reads them.
KINDS: dict[str, tuple[type, sa.types.TypeEngine]] = {
    "datetime": (sa.DateTime, sa.DateTime()),
    "date": (sa.Date, sa.Date()),
    "time": (sa.Time, sa.Time()),
    "bytes": (sa.LargeBinary, sa.LargeBinary()),
    "boolean": (sa.Boolean, sa.Boolean()),
    "json": (sa.JSON, sa.JSON()),
    "integer": (sa.Integer, sa.BigInteger()),
    "float": (sa.Float, sa.Float()),
    "decimal": (sa.Numeric, sa.Numeric()),
    "string": (sa.String, sa.Text()),
}


def _kind(column_type: sa.types.TypeEngine) -> str:
    raw = _raw_type(column_type)
    for kind, (base, _reader) in KINDS.items():
        if isinstance(raw, base):
            return kind
    raise UserError(f"Type de colonne non pris en charge par l'archive : {raw!r}.")


def _encode(kind: str, value):
    if value is None:
        return None
    if kind in ("datetime", "date", "time"):
        return value.isoformat()
    if kind == "bytes":
        return base64.b64encode(value).decode("ascii")
    if kind == "decimal":
        return str(value)
    return value


DECODERS = {
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "bytes": lambda v: base64.b64decode(v, validate=True),
    "decimal": lambda v: Decimal(str(v)),
}


def _decode(kind: str, value):
    if value is None:
        return None
    decoder = DECODERS.get(kind)
    return decoder(value) if decoder else value


def _json_line(record: dict) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


# --- the manifest ---------------------------------------------------------------------------


@dataclass
class TableEntry:
    name: str
    rows: int
    sha256: str
    columns: list[dict]  # {"name", "type", "nullable"}
    primary_key: list[str]
    self_references: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"tables/{self.name}.jsonl"


@dataclass
class Manifest:
    """What an archive holds, written last into it and read first from it."""

    created_at: str
    tenant_revision: list[str]
    collectivite: dict
    domains: list[dict]
    tables: list[TableEntry]
    files: list[dict]  # {"path", "table", "row", "column", "size", "sha256"}
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def as_dict(self) -> dict:
        return {"format": self.format, "format_version": self.format_version,
                "created_at": self.created_at, "tenant_revision": self.tenant_revision,
                "collectivite": self.collectivite, "domains": self.domains,
                "tables": [{**vars(t), "file": t.path} for t in self.tables],
                "files": self.files}

    @classmethod
    def parse(cls, data: bytes) -> Manifest:
        try:
            raw = json.loads(data)
            if raw.get("format") != FORMAT:
                raise ValueError("format")
            if raw.get("format_version") != FORMAT_VERSION:
                raise UserError(
                    f"Archive au format {raw.get('format_version')} : cette plateforme lit le "
                    f"format {FORMAT_VERSION}.")
            tables = [TableEntry(name=t["name"], rows=int(t["rows"]), sha256=t["sha256"],
                                 columns=t["columns"], primary_key=t["primary_key"],
                                 self_references=t.get("self_references", []))
                      for t in raw["tables"]]
            manifest = cls(created_at=raw["created_at"],
                           tenant_revision=sorted(raw["tenant_revision"]),
                           collectivite=raw["collectivite"], domains=raw["domains"],
                           tables=tables, files=raw["files"])
        except UserError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError):
            raise UserError("Ce fichier n'est pas une archive de collectivité lisible "
                            "(manifest.json absent ou invalide).") from None
        for table in manifest.tables:
            names = [table.name, *(c["name"] for c in table.columns)]
            if not all(isinstance(n, str) and NAME_RE.fullmatch(n) for n in names) or \
                    any(c.get("type") not in KINDS for c in table.columns):
                raise UserError(f"Archive invalide : table « {table.name} » mal décrite.")
        return manifest


# --- export ---------------------------------------------------------------------------------


def _registry_row(collectivite: Collectivite) -> dict:
    return {c.name: _encode(_kind(c.type), getattr(collectivite, c.key))
            for c in Collectivite.__table__.columns}


def _ordered_select(table: sa.Table, columns: list[sa.Column]):
    order = list(table.primary_key.columns) or list(table.columns)
    return sa.select(*[sa.type_coerce(c, _raw_type(c.type)).label(c.name)
                       for c in columns]).order_by(*order)


def _snapshot(conn) -> None:
    """Every table read as of one instant, while the collectivité keeps working."""
    if conn.dialect.name == "postgresql" and not conn.in_nested_transaction():
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def _write_table(zf: zipfile.ZipFile, conn, table: sa.Table) -> TableEntry:
    kinds = [(c.name, _kind(c.type)) for c in table.columns]
    entry = TableEntry(
        name=table.name, rows=0, sha256="",
        columns=[{"name": c.name, "type": kind, "nullable": c.nullable}
                 for c, (_n, kind) in zip(table.columns, kinds, strict=True)],
        primary_key=[c.name for c in table.primary_key.columns],
        self_references=[fk.parent.name for fk in table.foreign_keys
                         if fk.column.table is table])
    digest = hashlib.sha256()
    with zf.open(entry.path, "w", force_zip64=True) as out:
        result = conn.execute(_ordered_select(table, list(table.columns)),
                              execution_options={"yield_per": BATCH})
        for row in result:
            line = _json_line({name: _encode(kind, value)
                               for (name, kind), value in zip(kinds, row, strict=True)})
            digest.update(line)
            out.write(line)
            entry.rows += 1
    entry.sha256 = digest.hexdigest()
    return entry


FILE_TYPES = ((b"%PDF", ".pdf"), (b"\x89PNG", ".png"), (b"\xff\xd8\xff", ".jpg"),
              (b"GIF8", ".gif"))


def _write_files(zf: zipfile.ZipFile, conn, table: sa.Table) -> list[dict]:
    """A readable copy of each file the table keeps (its bytes are in the table's lines too)."""
    binaries = [c for c in table.columns if _kind(c.type) == "bytes"]
    key = list(table.primary_key.columns)
    if not binaries or len(key) != 1:
        return []
    files = []
    for column in binaries:
        query = _ordered_select(table, [key[0], column]).where(column.is_not(None))
        for row_id, content in conn.execute(query, execution_options={"yield_per": 100}):
            suffix = next((s for magic, s in FILE_TYPES if content.startswith(magic)), ".bin")
            path = f"fichiers/{table.name}/{row_id}-{column.name}{suffix}"
            zf.writestr(path, content)
            files.append({"path": path, "table": table.name, "row": row_id,
                          "column": column.name, "size": len(content),
                          "sha256": hashlib.sha256(content).hexdigest()})
    return files


@contextmanager
def _writable(target: Path | BinaryIO) -> Iterator[BinaryIO]:
    """A file path is written beside itself and renamed once complete: never half an archive."""
    if not isinstance(target, (str, Path)):
        yield target
        return
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_collectivite(state, session: Session, slug: str,
                        target: Path | BinaryIO) -> Manifest:
    """Write `slug`'s whole data into `target` (a path or a writable binary file); journaled."""
    collectivite = registry.require(session, slug)
    if collectivite.status in ("provisioning", "deleted"):
        raise UserError(f"« {slug} » est {collectivite.status_label} : rien à exporter.")
    tenant = registry.tenant_info(collectivite)
    manifest = Manifest(
        created_at=registry.utcnow().isoformat(timespec="seconds"), tenant_revision=[],
        collectivite=_registry_row(collectivite),
        domains=[{"host": d.host, "is_primary": d.is_primary} for d in collectivite.domains],
        tables=[], files=[])
    session.commit()  # the registry's connection back before the schema's long read
    metadata = provisioning._tenant_schema().metadata
    with _writable(target) as out, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf, \
            state.tenant_connection(tenant) as conn:
        _snapshot(conn)
        manifest.tenant_revision = sorted(read_version(conn, target_of(state, tenant.schema))
                                          or ())
        for table in metadata.sorted_tables:
            manifest.tables.append(_write_table(zf, conn, table))
            manifest.files.extend(_write_files(zf, conn, table))
        zf.writestr(MANIFEST, json.dumps(manifest.as_dict(), ensure_ascii=False, indent=2))
        zf.writestr(README, render_template(
            "plateforme/archive_readme.md", manifest=manifest, format_version=FORMAT_VERSION,
            kinds=KINDS))
    journal.record(session, "collectivite.exported", collectivite=slug,
                   detail={"tables": len(manifest.tables),
                           "rows": sum(t.rows for t in manifest.tables)})
    session.commit()
    return manifest


# --- import ---------------------------------------------------------------------------------


def _check_revision(revision: list[str], heads: frozenset[str], directory: str) -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(directory))
    known = {s.revision for s in script.walk_revisions()}
    if not revision or not known.issuperset(revision):
        raise UserError(
            f"L'archive vient d'une version plus récente de la plateforme (révision "
            f"{', '.join(revision) or 'inconnue'}, ici {', '.join(sorted(heads))}) : mettez "
            "cette plateforme à jour avant de l'importer.")
    if frozenset(revision) != heads and len(revision) != 1:
        raise UserError("L'archive est à plusieurs révisions à la fois : importez-la sur une "
                        "plateforme à la même version.")


def _check_files(zf: zipfile.ZipFile, manifest: Manifest) -> None:
    names = set(zf.namelist())
    for table in manifest.tables:
        if table.path not in names:
            raise UserError(f"Archive incomplète : {table.path} manque.")
    for entry in manifest.files:
        if entry.get("path") not in names:
            raise UserError(f"Archive incomplète : {entry.get('path')} manque.")
        with zf.open(entry["path"]) as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        if digest != entry["sha256"]:
            raise _tampered(entry["path"])


def _tampered(path: str) -> UserError:
    return UserError(f"Archive altérée : {path} ne correspond pas à son empreinte SHA-256 "
                     "dans manifest.json. Rien n'a été importé.")


def _loader(table: TableEntry) -> sa.Table:
    """The table as the archive describes it, in the placeholder schema the connection
    translates."""
    return sa.Table(table.name, sa.MetaData(), *[sa.Column(c["name"], KINDS[c["type"]][1])
                                                 for c in table.columns],
                    schema=SCHEMA_PLACEHOLDER)


def _load_table(conn, zf: zipfile.ZipFile, entry: TableEntry) -> None:
    target = _loader(entry)
    kinds = {c["name"]: c["type"] for c in entry.columns}
    later: list[dict] = []  # rows pointing at rows of their own table: set once all are in
    digest = hashlib.sha256()
    rows = 0
    batch: list[dict] = []
    with zf.open(entry.path) as lines:
        for line in lines:
            digest.update(line)
            rows += 1
            record = {name: _decode(kinds[name], value)
                      for name, value in json.loads(line).items() if name in kinds}
            pointers = {c: record[c] for c in entry.self_references if record.get(c) is not None}
            if pointers:
                later.append({**{f"_{k}": record[k] for k in entry.primary_key}, **pointers})
                record.update(dict.fromkeys(pointers))
            batch.append(record)
            if len(batch) == BATCH:
                conn.execute(sa.insert(target), batch)
                batch = []
    if batch:
        conn.execute(sa.insert(target), batch)
    if digest.hexdigest() != entry.sha256 or rows != entry.rows:
        raise _tampered(entry.path)
    for column in entry.self_references:
        pairs = [p for p in later if column in p]
        if pairs:
            where = [target.c[k] == sa.bindparam(f"_{k}") for k in entry.primary_key]
            conn.execute(sa.update(target).where(*where)
                         .values({column: sa.bindparam(column)}),
                         [{**{f"_{k}": p[f"_{k}"] for k in entry.primary_key},
                           column: p[column]} for p in pairs])


def _load(conn, zf: zipfile.ZipFile, manifest: Manifest, schema: str) -> None:
    present = set(sa.inspect(conn).get_table_names(
        schema=schema if conn.dialect.name == "postgresql" else None))
    missing = [t.name for t in manifest.tables if t.name not in present]
    if missing:
        raise UserError(f"L'archive contient des tables inconnues ici : {', '.join(missing)}.")
    for entry in manifest.tables:
        try:
            _load_table(conn, zf, entry)
        except (sa.exc.DBAPIError, ValueError, KeyError) as exc:
            detail = " ".join(str(getattr(exc, "orig", exc)).split())[:300]
            raise UserError(f"Archive refusée : la table {entry.name} ne se charge pas "
                            f"({detail}). Rien n'a été importé.") from None
    for entry in manifest.tables:
        count = conn.scalar(sa.select(sa.func.count()).select_from(_loader(entry)))
        if count != entry.rows:
            raise UserError(f"Archive refusée : {entry.name} compte {count} lignes chargées "
                            f"pour {entry.rows} annoncées.")
    if conn.dialect.name == "postgresql":
        _reset_sequences(conn, manifest, schema)


def _reset_sequences(conn, manifest: Manifest, schema: str) -> None:
    """Rows came with their ids: the next id each table hands out follows the largest."""
    quote = conn.dialect.identifier_preparer.quote
    for entry in manifest.tables:
        integer_keys = [c["name"] for c in entry.columns
                        if c["name"] in entry.primary_key and c["type"] == "integer"]
        if len(entry.primary_key) != 1 or not integer_keys:
            continue
        table, key = f"{quote(schema)}.{quote(entry.name)}", integer_keys[0]
        conn.execute(
            sa.text(f"SELECT setval(pg_get_serial_sequence(:table, :key), "  # noqa: S608
                    f"COALESCE((SELECT MAX({quote(key)}) FROM {table}), 0) + 1, false)"),
            {"table": table, "key": key})


def _build_and_load(state, tenant: TenantInfo, platform: Platform, zf: zipfile.ZipFile,
                    manifest: Manifest, heads: frozenset[str]) -> None:
    stamp = version_table(SCHEMA_PLACEHOLDER)
    at_head = frozenset(manifest.tenant_revision) == heads
    with state.tenant_connection(tenant) as conn:
        if state.is_postgresql:
            conn.execute(CreateSchema(quoted_name(tenant.schema, quote=True)))
        stamp.create(conn)
        if at_head:
            provisioning._tenant_schema().metadata.create_all(conn)
            conn.execute(sa.insert(stamp), [{"version_num": h} for h in sorted(heads)])
            _load(conn, zf, manifest, tenant.schema)
            return
    # An older platform's archive: its schema as it was, its rows, then this platform's
    # migrations, which carry the rows forward as they carry every collectivité's.
    target = target_of(state, tenant.schema)
    _upgrade(target, platform, manifest.tenant_revision[0])
    with state.tenant_connection(tenant) as conn:
        _load(conn, zf, manifest, tenant.schema)
    _upgrade(target, platform, "head")


def _upgrade(target, platform: Platform, revision: str) -> None:
    status, _before, _after, error = upgrade_tenant(target, platform.tenant_migrations, revision)
    if status == "failed":
        raise UserError(f"Le schéma de l'archive ne se construit pas : {error}")


def _drop_data(state, tenant: TenantInfo) -> None:
    """Remove the collectivité's schema (PostgreSQL) or its file (SQLite); safe to run again."""
    if state.is_postgresql:
        with state.tenant_connection(tenant) as conn:
            conn.execute(DropSchema(quoted_name(tenant.schema, quote=True), cascade=True,
                                    if_exists=True))
        return
    state.forget_tenant_engine(tenant.schema)
    path = state.tenant_file(tenant.schema)
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def import_collectivite(state, session: Session, platform: Platform,
                        source: Path | BinaryIO, new_slug: str) -> Collectivite:
    """Restore an archive as the new collectivité `new_slug` (its own subdomain; the archive's
    domains are not taken). Everything or nothing: on any failure, what was created is
    removed."""
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        raise UserError("Ce fichier n'est pas une archive zip de collectivité.") from None
    with zf:
        try:
            manifest = Manifest.parse(zf.read(MANIFEST))
        except KeyError:
            raise UserError("Ce fichier n'est pas une archive de collectivité : "
                            "manifest.json manque.") from None
        heads = tenant_heads(platform.tenant_migrations)
        _check_revision(manifest.tenant_revision, heads, platform.tenant_migrations)
        _check_files(zf, manifest)
        registry.validate_slug(new_slug)
        if registry.get_by_slug(session, new_slug) is not None:
            raise UserError(f"L'identifiant « {new_slug} » est déjà pris : choisissez-en un "
                            "autre.")
        source_row = manifest.collectivite
        collectivite = provisioning.register(
            session, platform, slug=new_slug, name=source_row.get("name", ""),
            kind=source_row.get("kind") or "commune", siren=source_row.get("siren"),
            insee=source_row.get("insee"))
        tenant = registry.tenant_info(collectivite)
        try:
            _build_and_load(state, tenant, platform, zf, manifest, heads)
            collectivite.status = "active"
            journal.record(session, "collectivite.imported", collectivite=new_slug,
                           detail={"from": source_row.get("slug"),
                                   "rows": sum(t.rows for t in manifest.tables)})
            session.commit()
        except BaseException:
            session.rollback()
            _drop_data(state, tenant)
            session.delete(session.get(Collectivite, collectivite.id))
            session.commit()
            raise
    return collectivite


# --- deletion -------------------------------------------------------------------------------


def delete_collectivite_data(state, session: Session, slug: str,
                             confirmation: str) -> Collectivite:
    """Delete an archived collectivité's schema (or file) for good; its registry row stays,
    « supprimée », dated, without domains. `confirmation`: the slug typed again. Journaled."""
    collectivite = registry.require(session, slug)
    if (confirmation or "").strip() != slug:
        raise UserError(f"Confirmation refusée : tapez de nouveau l'identifiant « {slug} » "
                        "pour supprimer ses données.")
    if collectivite.status != "archived":
        raise UserError(f"« {slug} » est {collectivite.status_label} : seules les données "
                        "d'une collectivité archivée peuvent être supprimées.")
    tenant = registry.tenant_info(collectivite)
    hosts = [d.host for d in collectivite.domains]
    session.commit()  # the registry's connection back while the schema is dropped
    _drop_data(state, tenant)
    collectivite.status = "deleted"
    collectivite.deleted_at = registry.utcnow()
    collectivite.domains.clear()
    journal.record(session, "collectivite.deleted", collectivite=slug,
                   detail={"schema": tenant.schema, "domains": hosts})
    session.commit()
    return collectivite


# --- commands -------------------------------------------------------------------------------


@tenants_group.command("export")
@click.argument("slug")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier d'archive à écrire (.zip).")
def export_command(slug, output):
    """Write a collectivité's whole data into one archive (format in its LISEZMOI.md)."""
    manifest = export_collectivite(db.state, db.session, slug, output)
    rows = sum(t.rows for t in manifest.tables)
    click.echo(f"« {slug} » exportée : {len(manifest.tables)} tables, {rows} lignes, "
               f"{len(manifest.files)} fichiers → {output}")


@tenants_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", "new_slug", required=True,
              help="Identifiant de la collectivité restaurée (son sous-domaine).")
def import_command(file, new_slug):
    """Restore an archive as a new collectivité, checked against its manifest."""
    platform = Platform.from_config(current_app.config)
    collectivite = import_collectivite(db.state, db.session, platform, file, new_slug)
    click.echo(f"Collectivité « {collectivite.name} » restaurée sous « {new_slug} » : "
               f"{platform.url(collectivite.primary_domain.host)}")


@tenants_group.command("delete")
@click.argument("slug")
@click.option("--confirm", "confirmation", required=True,
              help="L'identifiant tapé de nouveau, pour confirmer.")
def delete_command(slug, confirmation):
    """Delete an archived collectivité's data for good (its registry row stays, « supprimée »)."""
    delete_collectivite_data(db.state, db.session, slug, confirmation)
    click.echo(f"Données de « {slug} » supprimées ; la collectivité reste au registre, "
               "« supprimée ».")
