"""Ours and the peer (django-tenants) on the same machine, in one run, alternated so that machine
noise hits both alike (issue 15, item 5; adapted from ../shared/bench/side_by_side.py, whose
peer stays in ../shared/bench/peer_django_tenants and is run from there).

    .venv/bin/python bench/side_by_side.py [--tenants 1000] [--rounds 3] [--seconds 8]
        [--ours-python .venv/bin/python] [--peer-python ~/peer-venv/bin/python]
        [--peer-dir ../shared/bench/peer_django_tenants] [--checkout .]

Quick check: `--tenants 20 --rounds 1 --seconds 3`. Both on the local PostgreSQL (socket,
current user may create databases; two databases of this run's own, dropped at the end), rate
limits in Redis 127.0.0.1:6379/9, gunicorn with 1 sync worker each, wrk -t2 -c8, every case
warmed (--warmup s, not counted), then the cases in turn each round, medians of the rounds.
Measures:
- onboarding per tenant (in process) and the no-op migrate over N tenants, as the original;
- requests per second: the login page (GET / anonymous) on one host and spread over every host,
  ours and the peer's; ours only, logged in as a host of t1: the dashboard (/tableau-de-bord,
  the host's home after login), the public calculator (/calculette, anonymous) and the page a
  host declares on, one hébergement × the last ended period (/declarations/<id>/<période>: the
  registre du logeur, 4 stays in its draft); each of our pages' HTML from a bare Flask route
  (the ceiling);
- every worker's RSS after every host was served, and ours again after 4 more logins (each a
  19 MiB Argon2id check, which glibc kept before plateforme/memory.py); the CLI's start-up
  (`flask --app wsgi --help` and `manage.py help`, median of 3), both trees byte-compiled
  first, as deployed.
t1 gets the demo's data through the demo's own functions (tenants/demo/commands.py: its SIREN,
its 2026 DELTA deliberation, its hosts; Paul Durand has a password), then 4 stays through
`desk.add`; the bench logs in once over HTTP (login form, then the CGU) and hands the session
cookie to wrk. Every measured page is checked (200, the expected page) before the rounds and
the logged-in ones after; every non-200 answer wrk gets is counted and reported.

The calculator is rate-limited per client address (60 a minute): ours runs with
PROXY_FIX_X_FOR=1 (production's value; X_PROTO stays 0, plain HTTP) and wrk gives each
calculator request an X-Forwarded-For of its own (10.<thread>.x.y), so the page is measured with
its limiter at work (Redis) and not as 429s. Sessions: the product's limits (30 min idle, written
at most every 30 s; 12 h absolute) never lapse, a round taking a few minutes at most.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import tempfile
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PEER = ROOT.parent / "shared" / "bench" / "peer_django_tenants"
DOMAIN = "taxesejour.localhost"
REDIS = "redis://127.0.0.1:6379/9"
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
#: Logins the worker has served when its RSS is read a second time.
LOGINS = 5
# What each measured page must show (not a redirect to the login page, not an error page).
EXPECTED = {"login": 'action="/connexion"', "dashboard": "Bienvenue sur votre tableau de bord",
            "calculator": 'name="nuits"', "declaration": "Registre du logeur"}


def psql(sql: str) -> None:
    subprocess.run(["psql", "-d", "postgres", "-qtAc", sql], check=True, capture_output=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class Server:
    """gunicorn, one sync worker, on a free loopback port."""

    def __init__(self, python, app, env, cwd):
        self.port = free_port()
        gunicorn = os.path.join(os.path.dirname(os.path.abspath(python)), "gunicorn")
        self.p = subprocess.Popen([gunicorn, "-w", "1", "-b", f"127.0.0.1:{self.port}",
                                   "--log-level", "warning", app], env=env, cwd=cwd,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"{app} did not start")

    def request(self, host, path="/", cookie="", data=None):
        """One request as a browser on `host`, redirects not followed: (status, headers, body)."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body,
                                     headers={"Host": host, "Cookie": cookie})
        try:
            with OPENER.open(req) as r:  # noqa: S310 - loopback only
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def get(self, host, path="/", cookie="", expect=None) -> bytes:
        status, _headers, body = self.request(host, path, cookie)
        if status != 200 or (expect and expect.encode() not in body):
            raise SystemExit(f"{host}{path} answered {status}, not the expected page:\n"
                             f"{body[:600].decode(errors='replace')}")
        return body

    def rss_mb(self) -> float:
        kids = Path(f"/proc/{self.p.pid}/task/{self.p.pid}/children").read_text().split()
        for line in Path(f"/proc/{kids[0]}/status").read_text().splitlines():
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def stop(self):
        os.killpg(self.p.pid, 15)
        self.p.wait(timeout=20)


def lua(hosts, path, cookie="", forwarded=False) -> str:
    """wrk's script: Host rotated over `hosts`, the session cookie if any, an X-Forwarded-For of
    each request's own if `forwarded`; every answer other than 200 counted (wrk's own count
    takes 3xx for success: a redirect to the login page would go unseen)."""
    header = f"wrk.headers[\"Cookie\"] = {json.dumps(cookie)}" if cookie else ""
    address = ('wrk.headers["X-Forwarded-For"] = "10." .. id .. "." .. '
               '(math.floor(i / 256) % 256) .. "." .. (i % 256)') if forwarded else ""
    return textwrap.dedent("""
        local hosts = {%s}
        local threads = {}
        function setup(thread)
          table.insert(threads, thread)
          thread:set("id", #threads)
        end
        function init(args)
          i = 0
          bad = 0
          %s
        end
        function request()
          i = i + 1
          wrk.headers["Host"] = hosts[(i - 1) %% #hosts + 1]
          %s
          return wrk.format("GET", %s)
        end
        function response(status, headers, body)
          if status ~= 200 then bad = bad + 1 end
        end
        function done(summary, latency, requests)
          local n = 0
          for _, t in ipairs(threads) do n = n + t:get("bad") end
          io.write("NON200 " .. n .. "\\n")
        end
    """) % (",".join(json.dumps(h) for h in hosts), header, address, json.dumps(path))


def wrk(port, hosts, path, seconds, cookie="", forwarded=False) -> tuple[float, int, list[str]]:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(lua(hosts, path, cookie, forwarded))
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "-s", str(script),
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True).stdout
    script.unlink()
    lines = out.splitlines()
    bad = [ln.strip() for ln in lines if "Non-2xx" in ln or "Socket errors" in ln]
    rps = float(next(ln for ln in lines if ln.startswith("Requests/sec")).split()[1])
    non200 = int(next(ln for ln in lines if ln.startswith("NON200")).split()[1])
    return rps, non200, bad


def timed(cmd, env, cwd) -> tuple[float, str]:
    t = time.perf_counter()
    p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if p.returncode:
        raise SystemExit(f"{cmd} failed:\n{p.stdout[-800:]}{p.stderr[-1500:]}")
    return time.perf_counter() - t, p.stdout


PEER_CREATE = """
import sys, time, django
django.setup()
from customers.models import Client, Domain
from django_tenants.utils import schema_context
from hosts.models import Setting, News
times = []
for i in range(int(sys.argv[1]), int(sys.argv[2])):
    t = time.perf_counter()
    c = Client(schema_name=f"t{i}", name=f"Collectivite {i}")
    c.save()
    Domain(domain=f"t{i}.taxesejour.localhost", tenant=c, is_primary=True).save()
    with schema_context(c.schema_name):
        Setting.objects.create(support_phone="05 59 00 00 00")
        for k in range(3):
            News.objects.create(title=f"Actualite {k}", body="Texte " * 40)
    times.append(time.perf_counter() - t)
print("TIMES " + " ".join(f"{x:.4f}" for x in times))
"""

OURS_CREATE = """
import sys, time
from plateforme import create_app, provisioning
from plateforme.database import db
app = create_app()
times = []
with app.app_context():
    platform = provisioning.Platform.from_config(app.config)
    for i in range(int(sys.argv[1]), int(sys.argv[2])):
        t = time.perf_counter()
        provisioning.create(db.state, db.session, platform, slug=f"t{i}", name=f"Collectivite {i}")
        db.session.expunge_all()
        times.append(time.perf_counter() - t)
print("TIMES " + " ".join(f"{x:.4f}" for x in times))
"""

# t1 as the demo collectivité (its SIREN, its DELTA deliberation, its hosts, Paul Durand's
# password: the demo's own functions), then 4 stays in the draft of his first hébergement for
# the last period ended, as he would add them.
OURS_SETUP = """
import json
from datetime import timedelta
import sqlalchemy as sa
from plateforme import create_app, registry
from plateforme.database import db
from tenants.audit.journal import Actor, ActorKind
from tenants.core.dates import paris_today
from tenants.declarations import desk, filing
from tenants.declarations.computing import StayInput
from tenants.demo import commands as demo
from tenants.hosts.models import Host
from tenants.tax import calculator

app = create_app()
with app.app_context():
    collectivite = registry.require(db.session, "t1")
    collectivite.siren = demo.DEMO_SIREN
    db.session.commit()
    tenant = registry.tenant_info(collectivite)
    db.session.commit()
    deliberation = demo.load_deliberation(tenant)
    demo.seed_hosts(app, tenant)
    with db.tenant_context(tenant):
        host = db.session.scalars(sa.select(Host).where(Host.email == demo.DEMO_LOGIN)).one()
        hebergement = min(host.hebergements, key=lambda h: h.id)
        cal, today = filing.calendar_of(db.session), paris_today()
        period = [p for p in filing.due_periods(hebergement, cal, today) if p.end < today][-1]
        ctx = desk.Context(db.session, tenant.schema, cal,
                           Actor(ActorKind.HOST, host.id, host.email), host.full_name, today)
        for day, nights, persons, minors in ((1, 2, 4, 2), (5, 3, 2, 0), (12, 7, 5, 1),
                                             (20, 2, 2, 0)):
            arrival = period.start + timedelta(days=day - 1)
            desk.add(ctx, hebergement, period,
                     StayInput(arrival, arrival + timedelta(days=nights), persons, minors))
        db.session.commit()
        print("SETUP " + json.dumps({
            "email": demo.DEMO_LOGIN, "password": demo.DEMO_PASSWORD, "deliberation": deliberation,
            "declaration": f"/declarations/{hebergement.id}/{period.key}",
            "hebergement": hebergement.name, "period": period.key,
            "deliberation_year": demo.DEMO_DELTA_YEAR,
            "communes_in_force": len(calculator.communes(db.session, today.year))}))
"""


def times_of(out: str) -> list[float]:
    return [float(x) for x in [ln for ln in out.splitlines() if ln.startswith("TIMES")][-1]
            .split()[1:]]


def cookie_jar(headers, jar: dict) -> str:
    for header in headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name] = rest.split(";", 1)[0]
    return "; ".join(f"{k}={v}" for k, v in jar.items() if v)


def log_in(ours: Server, host: str, email: str, password: str) -> str:
    """As a browser: the login page (CSRF token, cookie), the form, then the CGU the host is
    sent to; returns the session's Cookie header."""
    jar: dict = {}
    status, headers, html = ours.request(host, "/")
    cookie = cookie_jar(headers, jar)
    token = CSRF_RE.search(html.decode()).group(1)
    status, headers, _ = ours.request(host, "/connexion", cookie,
                                      {"csrf_token": token, "email": email, "password": password})
    if status != 302:
        raise SystemExit(f"login refused ({status})")
    cookie = cookie_jar(headers, jar)
    status, headers, html = ours.request(host, "/cgu", cookie)
    if status == 200:  # the CGU not accepted yet: as the host, accept them
        cookie = cookie_jar(headers, jar)
        token = CSRF_RE.search(html.decode()).group(1)
        status, headers, _ = ours.request(host, "/cgu", cookie, {
            "csrf_token": token, "accept_cgu": "y", "accept_privacy": "y"})
        if status != 302:
            raise SystemExit(f"CGU refused ({status})")
        cookie = cookie_jar(headers, jar)
    return cookie


BARE = """
from pathlib import Path
from flask import Flask
app = Flask(__name__)
HERE = Path(__file__).parent
for name, path in {paths!r}.items():
    page = (HERE / f"{{name}}.html").read_bytes()
    app.add_url_rule(path, name, lambda page=page: page)
"""


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("nan")


def verdict(value: float, target: float, higher: bool = True) -> str:
    ok = value >= target if higher else value <= target
    return "PASS" if ok else "MISS"


def table(res: dict) -> str:
    n, med, rss, cli = res["tenants"], res["rps_median"], res["rss_mb_after_all_hosts"], \
        res["cli_startup_s"]
    peer = med["peer_login_1host"]
    rows = [("measure", "peer", "ours", "ratio", "target"), ("---",) * 5]

    def rps(label, ours_key, target=None):
        r = ratio(med[ours_key], peer)
        rows.append((label, f"{peer:,.0f}", f"{med[ours_key]:,.0f}", f"{r} × peer login",
                     f"≥ {target} × : {verdict(r, target)}" if target else ""))

    rps("login page, one host (req/s)", "ours_login_1host", 1.5)
    rows.append((f"login page, spread over {n} hosts (req/s)", f"{med['peer_login_all']:,.0f}",
                 f"{med['ours_login_all']:,.0f}",
                 f"{ratio(med['ours_login_all'], med['peer_login_all'])} × peer spread", ""))
    s_ours = res["ratio_ours_all_over_1host"]
    rows.append(("spread ÷ one host", f"{res['ratio_peer_all_over_1host']}", f"{s_ours}", "",
                 f"≥ 0.97 : {verdict(s_ours, 0.97)}"))
    rps("dashboard, logged in (req/s)", "ours_dashboard", 1.0)
    rps("calculator /calculette (req/s)", "ours_calculator")
    rps("declaration page, logged in (req/s)", "ours_declaration")
    for page in ("login", "dashboard", "calculator", "declaration"):
        key = "ours_login_1host" if page == "login" else f"ours_{page}"
        rows.append((f"bare Flask, our {page} HTML (req/s)", "", f"{med[f'bare_{page}']:,.0f}",
                     f"ours ÷ bare = {ratio(med[key], med[f'bare_{page}'])}", ""))
    rows.append(("worker RSS after every host (MB)", f"{rss['peer']}", f"{rss['ours']}",
                 f"{ratio(rss['ours'], rss['peer'])} × (bare: {rss['bare']})",
                 f"≤ 60 : {verdict(rss['ours'], 60, higher=False)}"))
    more = res["rss_mb_after_logins"]
    rows.append((f"worker RSS after {more['logins']} logins (MB)", "", f"{more['ours']}",
                 f"+{more['ours'] - rss['ours']:.1f} after every host", ""))
    rows.append(("CLI start-up (s): manage.py help / flask --app wsgi --help",
                 f"{cli['peer']}", f"{cli['ours']}", f"{ratio(cli['ours'], cli['peer'])}",
                 f"≤ 0.4 : {verdict(cli['ours'], 0.4, higher=False)}"))
    mig = res["noop_migrate_s"]
    rows.append((f"no-op migrate over {n} tenants (s)", f"{mig['peer_mp2']}", f"{mig['ours']}",
                 f"{ratio(mig['ours'], mig['peer_mp2'])}", ""))
    onb = res["onboard_ms_median"]
    rows.append(("onboarding, median per tenant (ms)", f"{onb['peer']:.0f}", f"{onb['ours']:.0f}",
                 f"{ratio(onb['ours'], onb['peer'])}", ""))
    size = res["page_bytes"]
    rows.append(("login page size (B)", f"{size['peer']:,}", f"{size['ours_login']:,}", "", ""))
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours-python", default=str(ROOT / ".venv" / "bin" / "python"))
    ap.add_argument("--peer-python", default=str(Path.home() / "peer-venv" / "bin" / "python"))
    ap.add_argument("--peer-dir", default=str(DEFAULT_PEER))
    ap.add_argument("--checkout", default=str(ROOT))
    ap.add_argument("--tenants", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=1, help="seconds of wrk per case, not counted")
    a = ap.parse_args()
    peer_dir, checkout = Path(a.peer_dir).resolve(), Path(a.checkout).resolve()
    # Absolute, not resolved: a venv's python is a symlink out of its venv.
    a.ours_python, a.peer_python = os.path.abspath(a.ours_python), os.path.abspath(a.peer_python)
    n, res = a.tenants, {"tenants": a.tenants, "rounds": a.rounds, "seconds": a.seconds,
                         "machine": {"cores": os.cpu_count(), "load_at_start": os.getloadavg()}}
    suffix = secrets.token_hex(3)
    dbs = {"peer": f"sbs_peer_{suffix}", "ours": f"sbs_ours_{suffix}"}
    for name in dbs.values():
        psql(f"create database {name}")
    peer_env = dict(os.environ, DJANGO_SETTINGS_MODULE="peer.settings", PEER_DB=dbs["peer"],
                    PYTHONPATH=str(peer_dir))
    ours_env = dict(os.environ, TAXESEJOUR_ENV="production", SECRET_KEY="sbs-" + "0" * 40,
                    PLATFORM_DOMAIN=DOMAIN,
                    DATABASE_URL=f"postgresql+psycopg:///{dbs['ours']}?host=/var/run/postgresql",
                    PROXY_FIX_X_FOR="1", PROXY_FIX_X_PROTO="0", RATELIMIT_STORAGE_URI=REDIS,
                    # Nothing runs the jobs: whatever is queued stays in the bench's Redis base.
                    JOBS_REDIS_URL=REDIS, JOBS_QUEUE="side-by-side")
    ours_flask = [str(Path(a.ours_python).parent / "flask"), "--app", "wsgi"]
    peer_manage = [a.peer_python, "manage.py"]
    servers: list[Server] = []
    tmp = Path(tempfile.mkdtemp())
    try:
        # Both trees as deployed, with their bytecode: an environment that sets
        # PYTHONDONTWRITEBYTECODE (CI images do) would otherwise compile every module of each
        # project at every start, and time that as the CLI's start-up.
        timed([a.ours_python, "-m", "compileall", "-q", "plateforme", "tenants", "config",
               "migrations", "wsgi.py"], ours_env, checkout)
        timed([a.peer_python, "-m", "compileall", "-q", "."], peer_env, peer_dir)
        timed(peer_manage + ["migrate_schemas", "--shared"], peer_env, peer_dir)
        timed([a.peer_python, "-c", "import django; django.setup()\n"
               "from customers.models import Client, Domain\n"
               "c=Client(schema_name='public', name='Plateforme'); c.save()\n"
               f"Domain(domain='{DOMAIN}', tenant=c, is_primary=True).save()"], peer_env, peer_dir)
        timed(ours_flask + ["tenants", "migrate"], ours_env, checkout)
        _, out = timed([a.peer_python, "-c", PEER_CREATE, "1", str(n + 1)], peer_env, peer_dir)
        pt = times_of(out)
        _, out = timed([a.ours_python, "-c", OURS_CREATE, "1", str(n + 1)], ours_env, checkout)
        ot = times_of(out)
        res["onboard_ms_median"] = {"peer": 1000 * statistics.median(pt),
                                    "ours": 1000 * statistics.median(ot)}
        res["onboard_ms_first_last100"] = {
            "peer": [1000 * statistics.median(pt[:100]), 1000 * statistics.median(pt[-100:])],
            "ours": [1000 * statistics.median(ot[:100]), 1000 * statistics.median(ot[-100:])]}
        _, out = timed([a.ours_python, "-c", OURS_SETUP], ours_env, checkout)
        setup = json.loads([ln for ln in out.splitlines() if ln.startswith("SETUP ")][-1][6:])
        res["setup"] = {k: v for k, v in setup.items() if k != "password"}

        peer = Server(a.peer_python, "peer.wsgi:application", peer_env, peer_dir)
        servers.append(peer)
        ours = Server(a.ours_python, "wsgi:app", ours_env, checkout)
        servers.append(ours)
        one, every = [f"t1.{DOMAIN}"], [f"t{i}.{DOMAIN}" for i in range(1, n + 1)]
        for h in every:  # every host served once: lookups cached, tables known to the connection
            peer.get(h)
            ours.get(h, expect=EXPECTED["login"])
        cookie = log_in(ours, one[0], setup["email"], setup["password"])
        paths = {"login": "/", "dashboard": "/tableau-de-bord", "calculator": "/calculette",
                 "declaration": setup["declaration"]}
        cookies = {"login": "", "dashboard": cookie, "calculator": "", "declaration": cookie}
        html = {}
        for page, path in paths.items():
            html[page] = ours.get(one[0], path, cookies[page], EXPECTED[page])
            (tmp / f"{page}.html").write_bytes(html[page])
        if setup["hebergement"].encode() not in html["declaration"]:
            raise SystemExit("the declaration page does not name the hébergement")
        if not setup["communes_in_force"]:
            print(f"warning: no deliberation in force this year in t1 (the demo's is for "
                  f"{setup['deliberation_year']}): the calculator's page is measured without one")
        (tmp / "bare.py").write_text(BARE.format(paths=paths))
        bare = Server(a.ours_python, "bare:app", dict(os.environ, PYTHONPATH=str(tmp)), tmp)
        servers.append(bare)
        for page, path in paths.items():
            if bare.get("bare.localhost", path) != html[page]:
                raise SystemExit(f"the bare route {path} does not serve our page")
        res["page_bytes"] = {"peer": len(peer.get(one[0])),
                             **{f"ours_{page}": len(body) for page, body in html.items()}}

        cases = {"peer_login_1host": (peer, one, "/", "", False),
                 "ours_login_1host": (ours, one, "/", "", False),
                 "peer_login_all": (peer, every, "/", "", False),
                 "ours_login_all": (ours, every, "/", "", False),
                 "ours_dashboard": (ours, one, paths["dashboard"], cookie, False),
                 "ours_calculator": (ours, one, paths["calculator"], "", True),
                 "ours_declaration": (ours, one, paths["declaration"], cookie, False),
                 **{f"bare_{page}": (bare, ["bare.localhost"], path, "", False)
                    for page, path in paths.items()}}
        for srv, hosts, path, page_cookie, forwarded in cases.values():  # not counted
            if a.warmup:
                wrk(srv.port, hosts, path, a.warmup, page_cookie, forwarded)
        runs = {k: [] for k in cases}
        non200 = dict.fromkeys(cases, 0)
        errors = []
        for _ in range(a.rounds):
            for k, (srv, hosts, path, page_cookie, forwarded) in cases.items():
                rps, bad_count, bad = wrk(srv.port, hosts, path, a.seconds, page_cookie, forwarded)
                runs[k].append(rps)
                non200[k] += bad_count
                errors += [f"{k}: {b}" for b in bad]
        # The logged-in pages still answer as such: the session outlived the rounds.
        for page in ("dashboard", "declaration"):
            ours.get(one[0], paths[page], cookie, EXPECTED[page])
        med = {k: statistics.median(v) for k, v in runs.items()}
        res["rps_median"] = {k: round(v) for k, v in med.items()}
        res["rps_runs"] = runs
        res["non200"] = non200
        res["errors"] = errors
        peer_login = med["peer_login_1host"]
        res["ratio_over_peer_login_1host"] = {
            k: ratio(med[k], peer_login) for k in ("ours_login_1host", "ours_dashboard",
                                                   "ours_calculator", "ours_declaration")}
        res["ratio_ours_over_peer_all"] = ratio(med["ours_login_all"], med["peer_login_all"])
        res["ratio_ours_all_over_1host"] = ratio(med["ours_login_all"], med["ours_login_1host"])
        res["ratio_peer_all_over_1host"] = ratio(med["peer_login_all"], med["peer_login_1host"])
        res["ratio_ours_over_bare"] = {
            page: ratio(med["ours_login_1host" if page == "login" else f"ours_{page}"],
                        med[f"bare_{page}"]) for page in paths}
        res["rss_mb_after_all_hosts"] = {"peer": round(peer.rss_mb(), 1),
                                         "ours": round(ours.rss_mb(), 1),
                                         "bare": round(bare.rss_mb(), 1)}
        # A worker lives on: more hosts log in (each check a 19 MiB Argon2id), memory must not
        # stay behind them (plateforme/memory.py). The peer's login page is not a login.
        for _ in range(LOGINS - 1):
            log_in(ours, one[0], setup["email"], setup["password"])
        res["rss_mb_after_logins"] = {"logins": LOGINS, "ours": round(ours.rss_mb(), 1)}
        for s in servers:
            s.stop()
        servers.clear()

        cli = {"ours": [], "peer": []}
        for _ in range(3):
            cli["ours"].append(timed(ours_flask + ["--help"], ours_env, checkout)[0])
            cli["peer"].append(timed(peer_manage + ["help"], peer_env, peer_dir)[0])
        res["cli_startup_s"] = {k: round(statistics.median(v), 2) for k, v in cli.items()}
        res["cli_startup_runs_s"] = {k: [round(x, 3) for x in v] for k, v in cli.items()}
        t, _ = timed(ours_flask + ["tenants", "migrate"], ours_env, checkout)
        tp, _ = timed(peer_manage + ["migrate_schemas", "--tenant", "--executor",
                                     "multiprocessing"], peer_env, peer_dir)
        res["noop_migrate_s"] = {"peer_mp2": round(tp, 2), "ours": round(t, 2)}
        rss, startup = res["rss_mb_after_all_hosts"]["ours"], res["cli_startup_s"]["ours"]
        ratios = res["ratio_over_peer_login_1host"]
        res["targets"] = {
            "login >= 1.5 x peer login": verdict(ratios["ours_login_1host"], 1.5),
            "dashboard >= 1.0 x peer login": verdict(ratios["ours_dashboard"], 1.0),
            "spread / one host >= 0.97": verdict(res["ratio_ours_all_over_1host"], 0.97),
            "worker RSS <= 60 MB": verdict(rss, 60, higher=False),
            "flask --help <= 0.4 s": verdict(startup, 0.4, higher=False)}
    finally:
        for s in servers:
            s.stop()
        for name in dbs.values():
            psql(f"drop database if exists {name} with (force)")
        shutil.rmtree(tmp, ignore_errors=True)
    out_dir = checkout / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / f"side-by-side-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
        json.dumps(res, indent=1, ensure_ascii=False))
    print(json.dumps(res, indent=1, ensure_ascii=False))
    print()
    print(table(res))
    if any(non200.values()) or errors:
        print("\nnon-200 answers (per case, every round):",
              {k: v for k, v in non200.items() if v}, *errors, sep="\n  ")


if __name__ == "__main__":
    main()
