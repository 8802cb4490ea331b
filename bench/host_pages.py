"""Requests per second of the host's login page and dashboard, on PostgreSQL, against a bare Flask
route serving the same HTML under the same server. Run by hand; figures go to the issue note.

    .venv/bin/python bench/host_pages.py [--duration 10] [--runs 5]

Production settings (rate limits in Redis at 127.0.0.1:6379/14), gunicorn with one sync worker,
wrk with 2 threads and 8 connections, the three servers side by side and measured in
alternation; medians kept. The dashboard is requested with a real logged-in host's cookie.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import textwrap
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.tenancy import (  # noqa: E402
    DOMAIN,
    ROOT,
    Server,
    drop,
    environment,
    new_database,
    provision_many,
)

PASSWORD = "une longue phrase de passe pour les mesures"
HOST = f"c0000.{DOMAIN}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def request(port, path, cookie="", data=None):
    """One request as a browser on HOST; returns (status, headers, body)."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body,
                                 headers={"Host": HOST, "Cookie": cookie})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req) as response:  # noqa: S310 - loopback only
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def cookies_from(headers, jar: dict) -> str:
    for header in headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name] = rest.split(";", 1)[0]
    return "; ".join(f"{k}={v}" for k, v in jar.items() if v)


def log_in(port, email) -> str:
    jar: dict = {}
    _status, headers, html = request(port, "/")
    cookie = cookies_from(headers, jar)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    status, headers, _ = request(port, "/connexion", cookie,
                                 {"csrf_token": token, "email": email, "password": PASSWORD})
    assert status == 302, status
    cookie = cookies_from(headers, jar)
    _status, headers, html = request(port, "/cgu", cookie)
    cookie = cookies_from(headers, jar)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    status, headers, _ = request(port, "/cgu", cookie, {"csrf_token": token, "accept_cgu": "y",
                                                       "accept_privacy": "y"})
    assert status == 302, status
    cookie = cookies_from(headers, jar)
    status, _headers, html = request(port, "/tableau-de-bord", cookie)
    assert status == 200 and "Bienvenue sur votre tableau de bord" in html
    return cookie


def wrk(port, path, cookie, duration) -> float:
    import subprocess

    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(textwrap.dedent(f"""
        wrk.headers["Host"] = "{HOST}"
        wrk.headers["Cookie"] = "{cookie}"
        response = function(status, headers, body)
          if status ~= 200 then error("status " .. status) end
        end
    """))
    url = f"http://127.0.0.1:{port}{path}"
    subprocess.run(["wrk", "-t2", "-c8", "-d2s", "-s", str(script), url], capture_output=True,
                   check=True)
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{duration}s", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    script.unlink()
    if "Non-2xx" in out:
        raise RuntimeError(out)
    return float(next(ln for ln in out.splitlines() if ln.startswith("Requests/sec")).split()[1])


def activate_host(url) -> str:
    import sqlalchemy as sa

    from plateforme import create_app
    from plateforme.database import db
    from plateforme.registry import require, tenant_info
    from tenants.core.keys import Keys
    from tenants.hosts import activation, codes, importing
    from tenants.hosts.models import Host

    app = create_app({"ENV": "production", "DATABASE_URL": url, "PLATFORM_DOMAIN": DOMAIN,
                      "SECRET_KEY": "bench-" + "k" * 40,
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/14"})
    with app.app_context():
        tenant = tenant_info(require(db.session, "c0000"))
        db.session.commit()
        with db.tenant_context(tenant):
            importing.import_hosts(db.session,
                                   (ROOT / "tests" / "fixtures" / "hebergeurs.csv").read_bytes())
            keys = Keys(app.secret_key, tenant.schema)
            host = db.session.scalar(sa.select(Host).order_by(Host.id).limit(1))
            code = codes.issue_code(db.session, keys, host, 90)
            _state, found = activation.check_code(db.session, keys, code)
            activation.activate(db.session, found, "banc@example.fr", PASSWORD, "Collectivité")
            db.session.commit()
    app.extensions["taxesejour.db"].dispose()
    return "banc@example.fr"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = new_database("pages")
    tmp = Path(tempfile.mkdtemp())
    servers = []
    results: dict = {}
    try:
        provision_many(url, 1)
        email = activate_host(url)
        env = {**environment(url), "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/14"}
        app_server = Server(env, "wsgi:app")
        servers.append(app_server)
        cookie = log_in(app_server.port, email)
        pages = {"login": ("/", ""), "dashboard": ("/tableau-de-bord", cookie)}
        for name, (path, page_cookie) in pages.items():
            _status, _headers, html = request(app_server.port, path, page_cookie)
            (tmp / f"{name}.html").write_text(html)
        (tmp / "bare.py").write_text(textwrap.dedent("""
            from pathlib import Path
            from flask import Flask
            app = Flask(__name__)
            HERE = Path(__file__).parent
            LOGIN = (HERE / "login.html").read_text()
            DASHBOARD = (HERE / "dashboard.html").read_text()
            app.add_url_rule("/", "login", lambda: LOGIN)
            app.add_url_rule("/tableau-de-bord", "dashboard", lambda: DASHBOARD)
        """))
        bare = Server({**env, "PYTHONPATH": str(tmp)}, "bare:app")
        servers.append(bare)
        runs = {f"{kind}_{name}": [] for name in pages for kind in ("app", "bare")}
        for _ in range(args.runs):
            for name, (path, page_cookie) in pages.items():
                runs[f"app_{name}"].append(wrk(app_server.port, path, page_cookie, args.duration))
                runs[f"bare_{name}"].append(wrk(bare.port, path, "", args.duration))
        for key, values in runs.items():
            results[key] = {"median": statistics.median(values), "runs": values}
        for name in pages:
            results[f"ratio_{name}"] = (results[f"app_{name}"]["median"]
                                        / results[f"bare_{name}"]["median"])
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        drop(url)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"host-pages-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
        json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
