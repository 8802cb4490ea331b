"""Several PostgreSQL servers: two databases of the local server play two servers."""

import threading
import time

import pytest
import sqlalchemy as sa

from plateforme import migrate, registry, servers
from plateforme.database import TenantModel, db
from tests.conftest import (
    create_database,
    create_tenant,
    drop_database,
    get,
    host_of,
    make_app,
)
from tests.plateforme.test_migrate import add_column_revision


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def two_servers():
    """A platform on one database and a second server, "second", on another."""
    first, second = create_database(), create_database()
    app = make_app(first)
    try:
        with app.app_context():
            result = cli(app, "servers", "add", "second", second)
            assert result.exit_code == 0, result.output
            yield app, second
    finally:
        app.extensions["taxesejour.db"].dispose()
        drop_database(first)
        drop_database(second)


def schemas_on(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        names = set(conn.execute(sa.text(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%'")).scalars())
    engine.dispose()
    return names


def checksums(app, tenant) -> dict:
    state = app.extensions["taxesejour.db"]
    with state.server_engine(tenant.server).connect() as conn, conn.begin():
        servers._prepare(conn)
        return {t.name: servers.table_checksum(conn, tenant.schema, t) for t in servers._tables()}


def info(slug: str):
    db.session.expire_all()
    return registry.tenant_info(registry.require(db.session, slug))


# --- SQLite: refused ------------------------------------------------------------------------


def test_servers_are_refused_on_sqlite(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'shared.db'}")
    with app.app_context():
        for args in (("servers", "add", "second", "postgresql://u@h/db"), ("servers", "list"),
                     ("tenants", "create", "alpha", "--name", "Alpha", "--server", "second")):
            result = cli(app, *args)
            assert result.exit_code == 1, result.output
            assert result.output.strip().endswith(
                "Erreur : Les serveurs de bases de données demandent PostgreSQL : la "
                "démonstration sur SQLite n'a que son fichier.")
            assert len(result.output.strip().splitlines()) == 1
        assert registry.get_by_slug(db.session, "alpha") is None
    app.extensions["taxesejour.db"].dispose()


# --- adding and listing -----------------------------------------------------------------------


def test_a_server_is_stored_without_password_and_listed(two_servers, monkeypatch):
    app, second = two_servers
    stored = db.session.get(servers.DatabaseServer, "second")
    assert stored.url.endswith("/" + sa.engine.make_url(second).database)

    refused = cli(app, "servers", "add", "third", "postgresql://u:secret@127.0.0.1/x")
    assert refused.exit_code == 1
    assert "Pas de mot de passe dans l'URL" in refused.output
    assert "TAXESEJOUR_SERVER_THIRD_PASSWORD" in refused.output
    unreachable = cli(app, "servers", "add", "third", "postgresql://u@127.0.0.1:1/x")
    assert unreachable.exit_code == 1 and "injoignable, rien n'est enregistré" in \
        unreachable.output
    assert cli(app, "servers", "add", "second", second).exit_code == 1
    assert cli(app, "servers", "add", "default", second).exit_code == 1
    assert db.session.get(servers.DatabaseServer, "third") is None

    # A server that stopped answering is listed as such; the password comes from the
    # environment when set.
    db.session.add(servers.DatabaseServer(name="gone", url="postgresql+psycopg://u@127.0.0.1:1/x"))
    db.session.commit()
    monkeypatch.setenv("TAXESEJOUR_SERVER_GONE_PASSWORD", "s3cret")
    assert servers.with_password("gone", "postgresql+psycopg://u@h/x").password == "s3cret"
    create_tenant(app, "alpha", server="second")
    listing = cli(app, "servers", "list")
    assert listing.exit_code == 0, listing.output
    lines = {line.split()[0]: line for line in listing.output.splitlines()[1:]}
    assert lines["default"].split()[1:3] == ["0", "joignable"]
    assert lines["second"].split()[1:3] == ["1", "joignable"]
    assert lines["gone"].split()[1:3] == ["0", "injoignable"]
    assert "s3cret" not in listing.output and "***" not in listing.output


# --- placing, routing, migrating --------------------------------------------------------------


def test_a_collectivite_created_on_a_server_lives_there(two_servers):
    app, second = two_servers
    result = cli(app, "tenants", "create", "alpha", "--name", "Alpha", "--server", "second")
    assert result.exit_code == 0, result.output
    unknown = cli(app, "tenants", "create", "beta", "--name", "Beta", "--server", "nowhere")
    assert unknown.exit_code == 1 and "« nowhere » inconnu" in unknown.output
    create_tenant(app, "gamma", "Gamma")
    listed = {line.split()[0]: line.split() for line in
              cli(app, "tenants", "list").output.splitlines()[1:]}
    assert (listed["alpha"][3], listed["gamma"][3]) == ("second", "default")
    alpha = info("alpha")
    assert alpha.server == "second"
    assert "tenant_alpha" in schemas_on(second)
    assert "tenant_alpha" not in schemas_on(app.config["DATABASE_URL"])
    assert "tenant_gamma" in schemas_on(app.config["DATABASE_URL"])

    state = app.extensions["taxesejour.db"]
    located = []
    locate = state.locate_server
    state.locate_server = lambda name: located.append(name) or locate(name)
    state._server_engines.pop("second").dispose()  # as in a process that just started
    resolver = app.extensions["taxesejour.resolver"]
    lookups = resolver.lookups
    for _ in range(5):
        for slug, name, other in (("alpha", "Alpha", "Gamma"), ("gamma", "Gamma", "Alpha")):
            response = get(app, host_of(slug))
            assert response.status_code == 200
            assert name in response.text and other not in response.text
    assert located == ["second"]  # one pool per server, found once per process
    assert resolver.lookups - lookups <= 2  # the host cache carries the server


def test_migrate_upgrades_each_collectivite_on_its_server(two_servers, tenant_migrations_copy):
    app, _second = two_servers
    create_tenant(app, "alpha", server="second")
    create_tenant(app, "gamma")
    app.config["TENANT_MIGRATIONS_DIR"] = str(tenant_migrations_copy)
    revision = add_column_revision(tenant_migrations_copy)
    result = cli(app, "tenants", "migrate", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert "2 migrée(s)" in result.output
    for slug in ("alpha", "gamma"):
        tenant = info(slug)
        with db.state.tenant_connection(tenant) as conn:
            target = migrate.target_of(db.state, tenant.schema, tenant.server)
            assert migrate.read_version(conn, target) == {revision}
            columns = {c["name"] for c in sa.inspect(conn).get_columns(
                "news_items", schema=tenant.schema)}
        assert "extra" in columns
    again = cli(app, "tenants", "migrate")
    assert "2 à jour" in again.output


# --- moving -----------------------------------------------------------------------------------


class Traffic:
    """Threads requesting a collectivité's pages until stopped, every answer recorded."""

    def __init__(self, app, slugs, threads=3):
        self.app, self.slugs = app, slugs
        self.answers: list[tuple[float, str, int, str]] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(slugs[i % len(slugs)],))
                        for i in range(threads)]

    def _run(self, slug):
        while not self.stop.is_set():
            response = get(self.app, host_of(slug))
            self.answers.append((time.monotonic(), slug, response.status_code, response.text))
            time.sleep(0.01)  # people, not a benchmark: the move's thread needs the GIL too

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        time.sleep(0.3)
        return self

    def __exit__(self, *_exc):
        time.sleep(0.3)
        self.stop.set()
        for thread in self.threads:
            thread.join()


def test_a_move_under_traffic_loses_nothing_and_answers_503_meanwhile(two_servers, capsys):
    app, second = two_servers
    create_tenant(app, "alpha", "Alpha")
    create_tenant(app, "gamma", "Gamma")
    before = checksums(app, info("alpha"))
    names = {"alpha": "Alpha", "gamma": "Gamma"}

    with Traffic(app, ["alpha", "alpha", "gamma"]) as traffic:
        result = cli(app, "tenants", "move", "alpha", "--to", "second")
    assert result.exit_code == 0, result.output
    assert "« alpha » est sur le serveur « second »" in result.output

    for _at, slug, status, text in traffic.answers:
        other = names["gamma" if slug == "alpha" else "alpha"]
        assert other not in text
        if status == 503:
            assert slug == "alpha"
            assert "en maintenance" in text and "Espace momentanément indisponible" in text
        else:
            assert status == 200, text[:300]
            assert names[slug] in text
    unavailable = [at for at, slug, status, _ in traffic.answers if status == 503]
    assert unavailable, "no request fell in the maintenance window"
    alpha_after = [status for at, slug, status, _ in traffic.answers
                   if slug == "alpha" and at > unavailable[-1]]
    assert alpha_after and set(alpha_after) == {200}
    window = unavailable[-1] - unavailable[0]
    with capsys.disabled():
        print(f"\nmove: {len(traffic.answers)} requests, {len(unavailable)} answered 503, "
              f"503 window {window:.2f} s (output: {result.output.strip().splitlines()[-1]})")

    alpha = info("alpha")
    assert (alpha.server, alpha.moving_to, alpha.status) == ("second", None, "active")
    assert checksums(app, alpha) == before
    assert sum(c.rows for c in before.values()) > 0
    assert "tenant_alpha" in schemas_on(second)
    assert "tenant_alpha" not in schemas_on(app.config["DATABASE_URL"])
    assert get(app, host_of("alpha")).status_code == 200


def test_a_write_in_flight_when_the_move_starts_is_in_the_copy(two_servers):
    """A request whose process had not yet seen the maintenance flag: the copy waits for its
    transaction (the lock), so its row moves too."""
    app, _second = two_servers
    alpha = create_tenant(app, "alpha")
    app.config["TENANT_CACHE_CHECK_SECONDS"] = 0  # the move waits only its margin
    news = TenantModel.metadata.tables["tenant.news_items"]
    started = threading.Event()

    def straggler():
        with db.state.tenant_connection(alpha) as conn:
            conn.execute(sa.insert(news).values(title="En vol", body="…", pinned=False,
                                                created_at=registry.utcnow()))
            started.set()
            time.sleep(servers.SETTLE_MARGIN + 1)

    thread = threading.Thread(target=_in_context(app, straggler))
    thread.start()
    started.wait(5)
    result = cli(app, "tenants", "move", "alpha", "--to", "second")
    thread.join()
    assert result.exit_code == 0, result.output
    moved = info("alpha")
    with db.state.tenant_connection(moved) as conn:
        titles = set(conn.execute(sa.select(news.c.title)).scalars())
    assert "En vol" in titles


def _in_context(app, function):
    def run():
        with app.app_context():
            function()
    return run


def test_a_failed_move_leaves_the_collectivite_where_it_was(two_servers, monkeypatch):
    app, second = two_servers
    create_tenant(app, "alpha", "Alpha")
    before = checksums(app, info("alpha"))
    copy = servers.copy_table

    def corrupting_copy(source, target, schema, table):
        copy(source, target, schema, table)
        if table.name == "news_items":  # one row lost on the way
            target.exec_driver_sql(
                f'DELETE FROM "{schema}".news_items WHERE id = (SELECT min(id) FROM '
                f'"{schema}".news_items)')

    monkeypatch.setattr(servers, "copy_table", corrupting_copy)
    result = cli(app, "tenants", "move", "alpha", "--to", "second")
    assert result.exit_code == 1
    progress, error = result.output.strip().splitlines()
    assert progress == "« alpha » en maintenance : copie de « default » vers « second »…"
    assert error.startswith(
        "Erreur : Déplacement de « alpha » annulé, elle reste sur le serveur « default » : "
        "table « news_items » : "), result.output
    alpha = info("alpha")
    assert (alpha.server, alpha.moving_to, alpha.status) == ("default", None, "active")
    assert "tenant_alpha" not in schemas_on(second)
    assert checksums(app, alpha) == before
    assert get(app, host_of("alpha")).status_code == 200

    monkeypatch.setattr(servers, "copy_table", copy)  # the same move, repaired, goes through
    assert cli(app, "tenants", "move", "alpha", "--to", "second").exit_code == 0
    assert checksums(app, info("alpha")) == before


def test_moves_that_cannot_be_done_are_refused_before_any_maintenance(two_servers):
    app, _second = two_servers
    create_tenant(app, "alpha")
    for args, message in (
            (("--to", "nowhere"), "« nowhere » inconnu"),
            (("--to", "default"), "déjà sur le serveur « default »")):
        result = cli(app, "tenants", "move", "alpha", *args)
        assert result.exit_code == 1 and message in result.output, result.output
    assert info("alpha").moving_to is None


def test_a_collectivite_being_moved_says_when_to_come_back(two_servers):
    app, _second = two_servers
    create_tenant(app, "alpha", "Alpha")
    registry.require(db.session, "alpha").moving_to = "second"
    db.session.commit()
    response = get(app, host_of("alpha"))
    assert response.status_code == 503 and "en maintenance" in response.text
    assert int(response.headers["Retry-After"]) > 0
