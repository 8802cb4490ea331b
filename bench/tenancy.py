"""The foundation's benchmarks, on PostgreSQL. Run by hand; figures go to the issue note.

    .venv/bin/pip install -e '.[server]'    # gunicorn; wrk: apt-get install wrk
    .venv/bin/python bench/tenancy.py [--tenants 1000] [--duration 10] [--workers 4]

It creates two databases on TEST_POSTGRES_URL's server (one collectivité; N collectivités), dropped
at the end, and measures:
- provisioning each of the N collectivités (in process), and `flask tenants create` as a command;
- `flask tenants migrate` over N collectivités with nothing to apply;
- a one-column migration over N collectivités;
- requests per second on a tenant page with 1 collectivité and with N (requests on one host, and
  spread over all N hosts), and the app process's memory in both cases; the two are served side
  by side and measured in alternation, --runs times, medians kept, after every host has been
  requested once;
- the same HTML from a bare Flask route under the same server.
The server is gunicorn, one sync worker, loaded by wrk (2 threads, 8 connections).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DOMAIN = "taxesejour.bench"
ADMIN_URL = os.environ.get("TEST_POSTGRES_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def admin(sql: str) -> None:
    engine = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql(sql)
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env, *args) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    return time.perf_counter() - start, result


class Server:
    """gunicorn on a free loopback port, sync workers (one by default: the benchmarks compare
    one process; tests/resilience runs the README's four); its output to `log` if given."""

    def __init__(self, env, app: str, workers: int = 1, log: Path | None = None):
        self.port = free_port()
        output = open(log, "ab") if log is not None else None  # handed to the child
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
             f"127.0.0.1:{self.port}", "--log-level", "warning", app],
            cwd=ROOT, env=env, start_new_session=True, stdout=output, stderr=output)
        if output is not None:
            output.close()
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)

    def worker_rss_kib(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        pid = int(children.split()[0])
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def wrk(port: int, hosts: list[str], path: str, duration: int) -> float:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    host_list = ",".join(f'"{h}"' for h in hosts)
    script.write_text(textwrap.dedent(f"""
        local hosts = {{{host_list}}}
        local i = 0
        request = function()
          i = i % #hosts + 1
          wrk.headers["Host"] = hosts[i]
          return wrk.format("GET", "{path}")
        end
        response = function(status, headers, body)
          if status ~= 200 then error("status " .. status) end
        end
    """))
    subprocess.run(["wrk", "-t2", "-c8", "-d2s", "-s", str(script),
                    f"http://127.0.0.1:{port}{path}"], capture_output=True, check=True)  # warm-up
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{duration}s", "-s", str(script),
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         check=True).stdout
    script.unlink()
    if "Non-2xx" in out:
        raise RuntimeError(out)
    return float(next(ln for ln in out.splitlines() if ln.startswith("Requests/sec")).split()[1])


def warm(port: int, hosts: list[str]) -> str:
    """One request per host first: every host's lookup is cached and every collectivité's
    tables are known to the database connection before anything is timed."""
    import urllib.request

    html = ""
    for host in hosts:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": host})
        with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback only
            html = response.read().decode()
    return html


BARE_APP = '''
from flask import Flask
from pathlib import Path
app = Flask(__name__)
HTML = Path({path!r}).read_text()

@app.get("/")
def page():
    return HTML
'''


def new_database(label: str) -> str:
    name = f"taxesejour_bench_{label}_{secrets.token_hex(4)}"
    admin(f'CREATE DATABASE "{name}"')
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop(url: str) -> None:
    admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def environment(url: str) -> dict:
    return {**os.environ, "TAXESEJOUR_ENV": "production", "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_urlsafe(32), "PLATFORM_DOMAIN": DOMAIN,
            "PROXY_FIX_X_FOR": "0", "PROXY_FIX_X_PROTO": "0"}


def provision_many(url: str, count: int) -> list[float]:
    """Provision c0000… in process, as `flask tenants create` does; returns each duration."""
    from plateforme import create_app, provisioning
    from plateforme.database import db
    from plateforme.deployment import Platform

    _, r = flask(environment(url), "tenants", "migrate")
    assert r.returncode == 0, r.stderr
    app = create_app({"ENV": "production", "DATABASE_URL": url, "PLATFORM_DOMAIN": DOMAIN,
                      "SECRET_KEY": "bench-" + "k" * 40})
    timings = []
    with app.app_context():
        platform = Platform.from_config(app.config)
        for i in range(count):
            start = time.perf_counter()
            provisioning.create(db.state, db.session, platform, slug=f"c{i:04d}",
                                name=f"Collectivité {i}")
            db.session.expunge_all()
            timings.append(time.perf_counter() - start)
    app.extensions["taxesejour.db"].dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--runs", type=int, default=5, help="wrk runs per case (median kept)")
    args = parser.parse_args()
    results: dict = {"tenants": args.tenants}
    one_url, many_url = new_database("one"), new_database("many")
    tmp = Path(tempfile.mkdtemp())
    servers = []
    try:
        provision_many(one_url, 1)
        timings = sorted(provision_many(many_url, args.tenants))
        results["provision_s"] = {"n": len(timings), "median": statistics.median(timings),
                                  "p95": timings[int(len(timings) * 0.95)], "max": timings[-1]}
        env = environment(many_url)
        seconds, r = flask(env, "tenants", "create", "cli-created", "--name", "Par la CLI")
        assert r.returncode == 0, r.stderr
        results["provision_cli_command_s"] = seconds

        # Both databases served side by side, measured in alternation so that drift on this
        # shared machine (wrk, gunicorn and PostgreSQL on the same cores) hits every case alike.
        one_host = ["c0000." + DOMAIN]
        every_host = [f"c{i:04d}.{DOMAIN}" for i in range(args.tenants)]
        server_one = Server(environment(one_url), "wsgi:app")
        server_many = Server(env, "wsgi:app")
        servers += [server_one, server_many]
        html = warm(server_one.port, one_host)
        warm(server_many.port, every_host)
        (tmp / "page.html").write_text(html)
        (tmp / "bare.py").write_text(BARE_APP.format(path=str(tmp / "page.html")))
        server_bare = Server({**env, "PYTHONPATH": str(tmp)}, "bare:app")
        servers.append(server_bare)
        warm(server_bare.port, ["bare.example"])
        cases = {
            "rps_1": (server_one, one_host),
            "rps_n_same_host": (server_many, one_host),
            "rps_n_every_host": (server_many, every_host),
            "rps_bare": (server_bare, ["bare.example"]),
        }
        runs = {key: [] for key in cases}
        for _ in range(args.runs):
            for key, (server, hosts) in cases.items():
                runs[key].append(wrk(server.port, hosts, "/", args.duration))
        for key, values in runs.items():
            results[key] = {"median": statistics.median(values), "runs": values}
        results["rss_kib_1"] = server_one.worker_rss_kib()
        results["rss_kib_n"] = server_many.worker_rss_kib()
        results["rss_kib_bare"] = server_bare.worker_rss_kib()
        median = {k: results[k]["median"] for k in cases}
        results["ratio_n_same_host_over_1"] = median["rps_n_same_host"] / median["rps_1"]
        results["ratio_n_every_host_over_1"] = median["rps_n_every_host"] / median["rps_1"]
        results["ratio_1_over_bare"] = median["rps_1"] / median["rps_bare"]
        for server in servers:
            server.stop()
        servers.clear()

        # Migrations: nothing to apply, then one column.
        seconds, r = flask(env, "tenants", "migrate", "--workers", str(args.workers))
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr
        results["migrate_noop_s"] = seconds
        results["migrate_noop_summary"] = r.stdout.strip().splitlines()[-1]

        tree = tmp / "tenant_tree"
        shutil.copytree(ROOT / "migrations" / "tenant", tree,
                        ignore=shutil.ignore_patterns("__pycache__"))
        from plateforme.migrate import tenant_heads

        (head,) = tenant_heads(str(tree))
        (tree / "versions" / "bench0000001_extra.py").write_text(textwrap.dedent(f'''
            from alembic import op
            import sqlalchemy as sa
            revision = "bench0000001"
            down_revision = "{head}"
            branch_labels = None
            depends_on = None
            def upgrade():
                op.add_column("news_items", sa.Column("bench_extra", sa.String(20)))
            def downgrade():
                op.drop_column("news_items", "bench_extra")
        '''))
        seconds, r = flask({**env, "TENANT_MIGRATIONS_DIR": str(tree)}, "tenants", "migrate",
                           "--workers", str(args.workers))
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr
        results["migrate_one_column_s"] = seconds
        results["migrate_one_column_summary"] = r.stdout.strip().splitlines()[-1]
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        drop(one_url)
        drop(many_url)

    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"tenancy-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
