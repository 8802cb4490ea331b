"""Where one page's time goes, in process: the application and Flask's test client, no server,
no network. Run by hand; figures go to the issue note.

    .venv/bin/python bench/profile_page.py [--path /] [--host-page /tableau-de-bord]
        [--requests 500] [--backend sqlite|postgresql] [--profile] [--top 30] [--sort tottime]

A collectivité is built as the tests build one (`plateforme.provisioning.create`), its hosts
imported from tests/fixtures/hebergeurs.csv and one activated through the product's own
functions. `--path` is requested anonymously; `--host-page` (optional) as that host, logged in
and past the CGU as a browser would be (CSRF token read from the page). Each page is requested
N times after a warm-up; the median, mean and p90 in ms are printed. With `--profile`, the same
N requests run again under cProfile and the top functions are printed (cumulative and own time,
so that templates, context processors and the database can be told apart).

PostgreSQL: a database of its own on TEST_POSTGRES_URL's server, dropped at the end. SQLite:
files in a temporary directory.
"""

from __future__ import annotations

import argparse
import contextvars
import cProfile
import io
import os
import pstats
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOMAIN = "taxesejour.bench"
SLUG = "vallee"
HOST = f"{SLUG}.{DOMAIN}"
PASSWORD = "une longue phrase de passe pour les mesures"  # noqa: S105 - a benchmark's host
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
ADMIN_URL = os.environ.get("TEST_POSTGRES_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _admin(sql: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql(sql)
    engine.dispose()


def build_app(backend: str, tmp: Path):
    """The application and its database URL (PostgreSQL: a new database)."""
    from sqlalchemy.engine import make_url

    from plateforme import create_app, migrate
    from plateforme.database import db

    if backend == "postgresql":
        name = f"taxesejour_profile_{secrets.token_hex(4)}"
        _admin(f'CREATE DATABASE "{name}"')
        url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp / 'shared.db'}"
    app = create_app({"ENV": "test", "DATABASE_URL": url, "PLATFORM_DOMAIN": DOMAIN,
                      "PUBLIC_PORT": None, "TENANT_SQLITE_DIR": str(tmp / "tenants"),
                      "SECRET_KEY": "profile-" + "k" * 40})
    with app.app_context():
        migrate.upgrade_shared(db.state, app.config["SHARED_MIGRATIONS_DIR"])
    return app, url


def build_tenant(app) -> str:
    """The collectivité, its hosts, one of them activated; returns that host's email."""
    import sqlalchemy as sa

    from plateforme import provisioning, registry
    from plateforme.database import db
    from plateforme.deployment import Platform
    from tenants.core.keys import Keys
    from tenants.hosts import activation, codes, importing
    from tenants.hosts.models import Host

    email = "banc@example.fr"
    with app.app_context():
        platform = Platform.from_config(app.config)
        collectivite, _ = provisioning.create(db.state, db.session, platform, slug=SLUG,
                                              name="Vallée Verte")
        tenant = registry.tenant_info(collectivite)
        db.session.commit()
        with db.tenant_context(tenant):
            importing.import_hosts(db.session,
                                   (ROOT / "tests" / "fixtures" / "hebergeurs.csv").read_bytes())
            keys = Keys(app.secret_key, tenant.schema)
            host = db.session.scalar(sa.select(Host).order_by(Host.id).limit(1))
            code = codes.issue_code(db.session, keys, host, 90)
            _state, found = activation.check_code(db.session, keys, code)
            activation.activate(db.session, found, email, PASSWORD, "Vallée Verte")
            db.session.commit()
    return email


class Browser:
    """The test client on the collectivité's host, each request in a context of its own as a
    server runs it."""

    def __init__(self, app):
        self.http = app.test_client()

    def get(self, path):
        return contextvars.Context().run(self.http.get, path, base_url=f"http://{HOST}")

    def post(self, path, data, page):
        token = CSRF_RE.search(self.get(page).text).group(1)
        return contextvars.Context().run(self.http.post, path, base_url=f"http://{HOST}",
                                         data={"csrf_token": token, **data})

    def log_in(self, email):
        response = self.post("/connexion", {"email": email, "password": PASSWORD}, page="/")
        assert response.status_code == 302, response.status_code
        response = self.post("/cgu", {"accept_cgu": "y", "accept_privacy": "y"}, page="/cgu")
        assert response.status_code == 302, response.status_code


def timed(browser, path: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        response = browser.get(path)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
    return times


def report(name: str, times: list[float]) -> None:
    times = sorted(times)
    print(f"{name}: median {statistics.median(times):.3f} ms, mean {statistics.fmean(times):.3f}"
          f" ms, p90 {times[int(len(times) * 0.9)]:.3f} ms ({len(times)} requests)")


def profiled(browser, path: str, count: int, top: int, sort: str) -> None:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(count):
        browser.get(path)
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs()
    print(f"--- {path}: cProfile over {count} requests, by {sort} ---")
    stats.sort_stats(sort).print_stats(top)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:20000])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", default="/", help="the anonymous page (default: login)")
    parser.add_argument("--host-page", default=None, help="a page requested as a logged-in host")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative", help="pstats key (cumulative, tottime…)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="profile_page_"))
    app = url = None
    try:
        app, url = build_app(args.backend, tmp)
        email = build_tenant(app)
        pages = [("anonyme " + args.path, Browser(app), args.path)]
        if args.host_page:
            host = Browser(app)
            host.log_in(email)
            pages.append(("hébergeur " + args.host_page, host, args.host_page))
        for name, browser, path in pages:
            timed(browser, path, args.warmup)
            report(f"[{args.backend}] {name}", timed(browser, path, args.requests))
        if args.profile:
            for _name, browser, path in pages:
                profiled(browser, path, args.requests, args.top, args.sort)
    finally:
        if app is not None:
            app.extensions["taxesejour.db"].dispose()
        if args.backend == "postgresql" and url is not None:
            from sqlalchemy.engine import make_url

            _admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
