"""Redis away or refusing writes: logins and pages keep working (the rate limits fall back to
the process's memory, said in the log), tasks wait in the database and run when it returns.

Each test runs a Redis of its own on a free loopback port, so that stopping it or turning it
read-only disturbs nothing else."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from bench.tenancy import free_port
from plateforme import jobs, mail
from tests.conftest import CI, make_app
from tests.tenants.conftest import Client, vallee_with_hosts

REDIS_SERVER = shutil.which("redis-server")


class PrivateRedis:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, *extra: str) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir), *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis(tmp_path):
    if REDIS_SERVER is None:
        if CI:
            pytest.fail("CI=true requires redis-server.", pytrace=False)
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    yield server
    server.stop()


def application(tmp_path, redis_url):
    app = make_app(f"sqlite:///{tmp_path / 'shared.db'}", TENANT_SQLITE_DIR=str(tmp_path / "t"),
                   RATELIMIT_STORAGE_URI=redis_url, JOBS_BACKEND="rq",
                   JOBS_REDIS_URL=redis_url, JOBS_RETRY_DELAYS="1")
    tenant, email = vallee_with_hosts(app)
    return app, tenant, email


def journey(app, email) -> None:
    """What hosts do every minute: the login page, a login, the dashboard, a forgotten
    password. Rate-limited POSTs included: none of it may fail."""
    client = Client(app, "vallee.taxesejour.test")
    assert client.get("/").status_code == 200
    assert client.login(email).status_code == 302
    assert client.accept_cgu().status_code == 302
    assert client.get("/tableau-de-bord").status_code == 200
    response = client.post("/mot-de-passe-oublie", {"email": email})
    assert response.status_code == 200
    assert "Si un compte" in response.text or "courriel" in response.text


@pytest.mark.parametrize("fault", ["read-only", "stopped"])
def test_logins_and_pages_keep_working_when_redis_fails(private_redis, tmp_path, fault, caplog):
    # A replica of a master that does not exist refuses every write ("READONLY").
    private_redis.start(*(["--replicaof", "127.0.0.1", str(free_port())]
                          if fault == "read-only" else []))
    app, _tenant, email = application(tmp_path, private_redis.url)
    if fault == "stopped":
        private_redis.stop()
    with app.app_context():
        journey(app, email)
        assert "falling back to in-memory storage" in caplog.text     # said in the log
        assert any("held_jobs" in r.getMessage() for r in caplog.records)
        (kept,) = jobs.held()                 # the reset request waits in the database
        assert (kept.name, kept.state) == ("hosts.reset_requested", jobs.WAITING)
    app.extensions["taxesejour.db"].dispose()


def test_tasks_kept_while_redis_was_away_run_when_it_returns(private_redis, tmp_path):
    private_redis.start()
    app, _tenant, email = application(tmp_path, private_redis.url)
    private_redis.stop()
    with app.app_context():
        client = Client(app, "vallee.taxesejour.test")
        assert client.post("/mot-de-passe-oublie", {"email": email}).status_code == 200
        assert [row.state for row in jobs.held()] == [jobs.WAITING]

        private_redis.start()
        jobs.queue(app).connection.connection_pool.reset()
        jobs.work(app, burst=True)            # hands the kept task over, then runs it
        assert jobs.held() == []
        assert [m["To"] for m in mail.outbox(app)] == [email]
    app.extensions["taxesejour.db"].dispose()
