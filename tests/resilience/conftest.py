"""The resilience suite's world: a private PostgreSQL and a private Redis, a collectivité with a
deliberation and hosts who can log in, gunicorn serving the app with the production settings,
and browsers that talk to it as they would through the production reverse proxy.

Why private servers: the restart test restarts PostgreSQL, and the shared server on 5432 serves
every other engineer's tests; this one lives in a temporary directory, on a free loopback port,
trust authentication, fsync off (nothing here must survive a power cut, and a fast shutdown
checkpoints anyway), and is stopped and removed at the end. Debian's binaries
(/usr/lib/postgresql/<version>/bin) are run as the `postgres` user when the tests run as root,
since PostgreSQL refuses to run as root. Redis holds the rate limits (and would hold the jobs),
as production requires.

The tests of this directory marked `resilience` are deselected by the normal run (pyproject's
addopts) and run alone, after it, by scripts/test: timings taken beside a parallel suite on two
cores would measure the other tests. The other tests here (fuzzing, Redis faults) run with the
normal suite and do not use these fixtures.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from datetime import date
from html import unescape
from pathlib import Path

import pytest

from bench.tenancy import DOMAIN, Server, environment, free_port
from tests.conftest import CI

SLUG = "resilience"
TENANT_HOST = f"{SLUG}.{DOMAIN}"
PASSWORD = "une longue phrase de passe pour les mesures"  # noqa: S105 - a throwaway database
SUPPORT_PHONE = "+33475123456"
#: A month of 2026 already over (today is 27 November 2026): the fixture's deliberation is for
#: 2026, and a past month stays open to a late declaration, so the tests keep working next year.
PERIOD = "2026-10"
#: The hébergements' commune (07019, in the fixture's deliberation) and what the calculator is
#: asked: a 3-star meublé, 3 nights, 2 persons.
CALCULATOR_QUERY = {"date": "2026-10-10", "commune": "07019", "nature": "meuble",
                    "classement": "3", "nuits": "3", "personnes": "2", "exoneres": "0"}
HOSTS = int(os.environ.get("RESILIENCE_HOSTS", "220"))
WORKERS = 4  # the README's `gunicorn --workers 4`
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def _problem(message: str):
    if CI:
        pytest.fail(f"CI=true requires the resilience suite. {message}", pytrace=False)
    pytest.skip(message)


# --- private servers --------------------------------------------------------------------------


def postgres_bindir() -> Path | None:
    """Debian's newest PostgreSQL binaries, else pg_config's."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    if found:
        return found[-1].parent
    if shutil.which("pg_config"):
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if bindir.returncode == 0 and (Path(bindir.stdout.strip()) / "initdb").exists():
            return Path(bindir.stdout.strip())
    return None


class PrivatePostgres:
    """A PostgreSQL cluster of this test session's own (see the module's docstring)."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="taxesejour-resilience-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgresql.log"
        self.port = free_port()
        self.owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if self.owner is not None:
            os.chown(self.root, self.owner.pw_uid, self.owner.pw_gid)
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/taxesejour"

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        command = [str(self.bindir / tool), *args]
        if self.owner is not None:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} {' '.join(args)}: {done.stdout}{done.stderr}\n{log}")

    def start(self) -> None:
        self._run("initdb", "--pgdata", str(self.data), "--username", "postgres",
                  "--auth", "trust", "--encoding", "UTF8", "--locale", "C.UTF-8", "--no-sync")
        options = " ".join((
            f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-k {self.root}",
            "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
            "-c max_connections=200", "-c shared_buffers=64MB"))
        self._run("pg_ctl", "start", "--pgdata", str(self.data), "--log", str(self.log),
                  "--wait", "--timeout", "30", "-o", options)
        self.admin("CREATE DATABASE taxesejour")

    def restart(self) -> None:
        """`pg_ctlcluster … restart` on Debian: a fast shutdown (sessions terminated, in-flight
        transactions rolled back, a checkpoint), then a start with the same options."""
        self._run("pg_ctl", "restart", "--pgdata", str(self.data), "--mode", "fast",
                  "--log", str(self.log), "--wait", "--timeout", "60")

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "--pgdata", str(self.data), "--mode", "immediate",
                          "--wait", "--timeout", "30")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def admin(self, sql: str) -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres",
                                  isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
        engine.dispose()


class PrivateRedis:
    """The rate limits' storage, as production requires (not memory://), of this session only."""

    def __init__(self, binary: str, root: Path):
        self.port = free_port()
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def private_postgres():
    bindir = postgres_bindir()
    if bindir is None:
        _problem("PostgreSQL's server binaries (initdb, pg_ctl) are not installed "
                 "(apt-get install postgresql)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            _problem("running as root needs a `postgres` user to run PostgreSQL")
    server = PrivatePostgres(bindir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def rate_limit_redis(tmp_path_factory):
    binary = shutil.which("redis-server")
    if binary is None:
        _problem("redis-server is not installed (apt-get install redis-server): production "
                 "keeps its rate limits in Redis")
    server = PrivateRedis(binary, tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


# --- the collectivité ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """A host who can log in, and their one hébergement."""

    email: str
    hebergement_id: int


@dataclass(frozen=True)
class GunicornSite:
    url: str                      # the private database
    schema: str                   # the collectivité's
    accounts: list[Account]
    setup_seconds: float          # the database, the collectivité, its hosts, gunicorn
    port: int
    server_log: Path              # gunicorn's and the app's output
    server_pid: int               # gunicorn's master
    postgres: PrivatePostgres


def _hosts_csv(count: int) -> bytes:
    """`count` hosts, one 3-star meublé each, in the import's format."""
    lines = ["civilite;nom;prenom;adresse;code_postal;commune;email;telephone;"
             "compte_avant_2019;reference;hebergement_nom;hebergement_adresse;"
             "hebergement_code_postal;hebergement_commune;nature;classement;capacite"]
    for i in range(count):
        lines.append(f"M.;Charge{i:04d};Paul;3 chemin du Moulin;07170;Villeneuve-de-Berg;;;non;"
                     f"R{i:04d};Gîte numéro {i};{i} route des Gorges;07170;Villeneuve-de-Berg;"
                     "meuble;3 étoiles;4")
    return ("\r\n".join(lines) + "\r\n").encode()


def _provision(url: str, count: int) -> tuple[str, list[Account]]:
    """The collectivité and its hosts, through the product's own functions, in this process: the
    deliberation imported from the DELTA fixture (bench.declarations' setup), a support number,
    monthly declarations; `count` hosts imported, activated with a password and having accepted
    the CGU, their hébergements in a commune of the deliberation since 1 January 2026 (set as
    `flask demo` sets them)."""
    import sqlalchemy as sa

    from bench.declarations import make_app, tenant_with_deliberation
    from plateforme.database import db
    from tenants.access import passwords
    from tenants.collectivite import legal, settings
    from tenants.core.keys import Keys
    from tenants.hosts import activation, codes, importing
    from tenants.hosts.models import Hebergement, Host

    app = make_app(url)
    try:
        tenant = tenant_with_deliberation(app, SLUG, "mensuelle")
        with app.app_context(), db.tenant_context(tenant):
            session = db.session
            settings.get(session).support_phone = SUPPORT_PHONE
            importing.import_hosts(session, _hosts_csv(count))
            for hebergement in session.scalars(sa.select(Hebergement)):
                hebergement.insee = "07019"
                hebergement.started_on = date(2026, 1, 1)
            session.commit()
            keys = Keys(app.secret_key, tenant.schema)
            # Argon2id is slow on purpose (19 MiB, 2 passes): one hash of the shared password,
            # handed to every activation, instead of `count` identical computations. The server
            # verifies it on every login as it verifies any host's.
            digest = passwords.hash_password(PASSWORD)
            original, passwords.hash_password = passwords.hash_password, lambda _p: digest
            accounts = []
            try:
                hosts = session.scalars(sa.select(Host).order_by(Host.id)).all()
                for i, host in enumerate(hosts):
                    typed = codes.issue_code(session, keys, host, 90)
                    _state, code = activation.check_code(session, keys, typed)
                    activation.activate(session, code, f"charge{i:04d}@example.fr", PASSWORD,
                                        "Vallée Verte")
                    legal.accept(session, host.id, legal.pending(session, host.id))
                    accounts.append(Account(f"charge{i:04d}@example.fr",
                                            host.hebergements[0].id))
                session.commit()
            finally:
                passwords.hash_password = original
            return tenant.schema, accounts
    finally:
        app.extensions["taxesejour.db"].dispose()


@pytest.fixture(scope="session")
def gunicorn_site(private_postgres, rate_limit_redis, tmp_path_factory):
    """The collectivité, its hosts, and gunicorn serving it (the README's command, production
    settings, mail to files)."""
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        _problem("gunicorn is not installed (pip install -e '.[test]')")
    started = time.monotonic()
    schema, accounts = _provision(private_postgres.url, HOSTS)
    tmp = tmp_path_factory.mktemp("gunicorn")
    env = {**environment(private_postgres.url),
           # Production's own values, which bench/ turns off: the tests play the reverse proxy.
           "PROXY_FIX_X_FOR": "1", "PROXY_FIX_X_PROTO": "1",
           "RATELIMIT_STORAGE_URI": rate_limit_redis.url,
           # Production queues its jobs (emails) on Redis: on this private one too.
           "JOBS_REDIS_URL": rate_limit_redis.url.replace("/0", "/1"),
           "MAIL_BACKEND": "file", "MAIL_OUTBOX_DIR": str(tmp / "outbox")}
    log = tmp / "gunicorn.log"
    server = Server(env, "wsgi:app", workers=WORKERS, log=log)
    try:
        _wait_until_serving(server, log)
        yield GunicornSite(private_postgres.url, schema, accounts,
                           time.monotonic() - started, server.port, log, server.process.pid,
                           private_postgres)
    finally:
        server.stop()


def _wait_until_serving(server: Server, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-3000:]}")
        try:
            if Browser(server.port, address(0)).get("/").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer: {log.read_text()[-3000:]}")


# --- browsers ---------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str
    started: float    # time.monotonic() when the request was sent
    seconds: float    # until the whole body was read

    @property
    def location(self) -> str:
        return urllib.parse.urlsplit(self.headers.get("Location", "")).path

    def csrf(self) -> str:
        match = CSRF_RE.search(self.text)
        if match is None:
            raise AssertionError(f"no CSRF token in the page ({self.status})")
        return unescape(match.group(1))


class Browser:
    """One person's browser, as the application sees it behind the production reverse proxy
    (README, "Deploying"): the proxy terminates TLS, passes the Host header unchanged and sets
    X-Forwarded-For to the person's address and X-Forwarded-Proto to https, which the production
    settings trust (PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1). So each simulated person has an
    address of their own for the per-address rate limits, as real people do, and gets the real
    cookies (__Host-, Secure) and the CSRF check of HTTPS (a same-origin Referer). The cookies are
    kept here by hand: the hop from the proxy is plain HTTP on the loopback, where a cookie jar
    would not send Secure cookies. One connection per request (gunicorn's sync workers close it
    anyway)."""

    def __init__(self, port: int, address: str, host: str = TENANT_HOST, timeout: float = 30):
        self.port, self.address, self.host, self.timeout = port, address, host, timeout
        self.cookies: dict[str, str] = {}

    def get(self, path: str, params: dict | None = None) -> Response:
        if params:
            path = f"{path}?{urllib.parse.urlencode(params)}"
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Response:
        return self.request("POST", path, data)

    def request(self, method: str, path: str, data: dict | None = None) -> Response:
        headers = {"Host": self.host, "X-Forwarded-For": self.address,
                   "X-Forwarded-Proto": "https", "Accept-Language": "fr-FR"}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://{self.host}/"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            text = raw.read().decode("utf-8", "replace")
        finally:
            conn.close()
        seconds = time.monotonic() - started
        for cookie in raw.headers.get_all("Set-Cookie") or []:
            pair, _, attributes = cookie.partition(";")
            name, _, value = pair.strip().partition("=")
            expired = "max-age=0" in attributes.lower() or "1970" in attributes
            if expired or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return Response(raw.status, raw.headers, text, started, seconds)

    def log_in(self, email: str, password: str = PASSWORD) -> Response:
        """The login page, then the form posted with its token: the dashboard's redirect."""
        page = self.get("/")
        assert page.status == 200, page.status
        return self.post("/connexion", {"csrf_token": page.csrf(), "email": email,
                                        "password": password})


def address(n: int) -> str:
    """The n-th simulated person's address (10.x.y.z)."""
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def french_outage(response: Response) -> bool:
    """The 503 of an unreachable database, as a person (or a program) must get it: in French,
    without a traceback or the server's English default page."""
    if response.status != 503:
        return False
    text = response.text
    if any(word in text for word in ("Traceback", "Internal Server Error", "Service Unavailable",
                                     "OperationalError", "psycopg")):
        return False
    if response.headers.get("Content-Type", "").startswith("application/json"):
        return json.loads(text) == {"erreur": "Service momentanément indisponible"}
    return '<html lang="fr">' in text and "momentanément indisponible" in text


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values: p99 is a value 99 % of the requests did not
    exceed."""
    if not ordered:
        return float("nan")
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


# --- where the CPU went -----------------------------------------------------------------------


def _cpu_ticks(pid: int) -> int:
    """A process's CPU ticks, its reaped children's included (PostgreSQL's ended backends)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # ended meanwhile
        return 0
    return sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its live children (gunicorn's workers, PostgreSQL's
    backends)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    ticks = _cpu_ticks(pid) + sum(_cpu_ticks(int(child)) for child in children)
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, every core summed."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    total = sum(values[:8])
    ticks = os.sysconf("SC_CLK_TCK")
    return (total - idle) / ticks, total / ticks


class CpuMeter:
    """Where the CPU went during a measurement: the app (gunicorn's workers), PostgreSQL, this
    process (the load generator), and everything else on the machine (other people's tests)."""

    def __init__(self, site: GunicornSite):
        self.site = site
        self.begin = self._snapshot()

    def _snapshot(self) -> dict:
        busy, total = machine_busy_seconds()
        own = os.times()
        return {"app": tree_cpu_seconds(self.site.server_pid),
                "postgresql": tree_cpu_seconds(self.site.postgres.postmaster_pid()),
                "load generator": own.user + own.system, "busy": busy, "total": total,
                "wall": time.monotonic()}

    def report(self, requests: int) -> dict:
        end = self._snapshot()
        spent = {k: end[k] - self.begin[k] for k in end}
        wall = spent["wall"]
        ours = spent["app"] + spent["postgresql"] + spent["load generator"]
        return {
            "cpu_ms_per_request": {k: round(spent[k] * 1000 / max(requests, 1), 1)
                                   for k in ("app", "postgresql", "load generator")},
            "cores_busy": {k: round(spent[k] / wall, 2)
                           for k in ("app", "postgresql", "load generator")}
            | {"others": round(max(0.0, spent["busy"] - ours) / wall, 2),
               "machine": round(spent["busy"] / wall, 2)},
        }
