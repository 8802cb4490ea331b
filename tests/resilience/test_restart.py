"""PostgreSQL restarted under traffic: requests fail cleanly — a French 503, never a 500 page or
a traceback — for at most 5 seconds after the restart, then all succeed; no action is half-saved
or applied twice.

Hosts logged in beforehand make requests continuously (a short pause between two), each cycling
through an action that changes data — adding a stay to their October 2026 declaration, marked by
a unique platform name — and pages that read: the declaration, the dashboard, the calculator's
API. After a few seconds of normal traffic the private PostgreSQL is restarted (`pg_ctl restart
-m fast`, what `pg_ctlcluster … restart` runs on Debian: sessions terminated, in-flight
transactions rolled back). Every answer is classified: the expected success, the French 503 of
an unreachable database, or anything else (a failure of the test). A 503 answered to an action is
not retried with the same marker: a person would type it again, which is a new action.

Then the database is read through the product: each marker whose action succeeded is saved
exactly once; each marker answered 503 is absent or saved once (the commit may have reached the
server before the connection dropped); no other marker; and each declaration is whole — as many
"stay added" journal events as stays (both in one transaction), and its stored totals equal to
what the engine computes from its stays.
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from html import unescape

import pytest

from tests.resilience.conftest import (
    CALCULATOR_QUERY,
    PASSWORD,
    PERIOD,
    SLUG,
    Browser,
    address,
    french_outage,
)

pytestmark = pytest.mark.resilience

CLIENTS = int(os.environ.get("RESILIENCE_RESTART_CLIENTS", "20"))
FAILURE_WINDOW = 5.0           # seconds after the restart completes
BEFORE = 3.0                   # seconds of normal traffic before the restart
AFTER = FAILURE_WINDOW + 4.0   # seconds of traffic after the restart completes
PAUSE_SECONDS = (0.05, 0.25)   # between two requests of a client: continuous traffic
FIRST_ACCOUNT = 200            # the load test's people are the first 200 hosts


@dataclass(frozen=True)
class Outcome:
    client: int
    action: str
    marker: str | None         # the stay's platform name, for "add stay"
    started: float
    ended: float
    status: int | None
    verdict: str               # "ok", "outage" (the French 503) or "bad"
    detail: str = ""


class Client:
    """A logged-in host cycling through one action that writes and three pages that read."""

    ACTIONS = ("add stay", "declaration", "dashboard", "calculator api")

    def __init__(self, port: int, n: int, account, outcomes: list[Outcome],
                 stop: threading.Event):
        self.n, self.account, self.outcomes, self.stop = n, account, outcomes, stop
        self.random = random.Random(n)
        self.browser = Browser(port, address(1000 + n))
        self.here = f"/declarations/{account.hebergement_id}/{PERIOD}"
        self.token = None
        self.count = 0

    def log_in(self) -> None:
        login = self.browser.log_in(self.account.email, PASSWORD)
        assert login.status == 302, f"logging {self.account.email} in: {login.status}"
        page = self.browser.get(self.here)
        assert page.status == 200, page.status
        self.token = page.csrf()

    def request(self, action: str, marker: str | None):
        if action == "add stay":
            day = 1 + self.count % 28
            response = self.browser.post(f"{self.here}/sejours", {
                "csrf_token": self.token, "arrival": f"2026-10-{day:02d}",
                "departure": f"2026-10-{day + 2:02d}", "persons": "2", "exempt_minors": "0",
                "exempt_seasonal": "0", "exempt_emergency": "0", "price_per_night": "",
                "channel": "plateforme", "platform": marker})
            return response, 302, lambda r: r.location == self.here
        if action == "declaration":
            return self.browser.get(self.here), 200, lambda r: "Registre du logeur" in r.text
        if action == "dashboard":
            return self.browser.get("/tableau-de-bord"), 200, \
                lambda r: "tableau de bord" in r.text
        return self.browser.get("/api/calculette", CALCULATOR_QUERY), 200, \
            lambda r: r.text.lstrip().startswith("{")

    def run(self) -> None:
        turn = self.random.randrange(len(self.ACTIONS))
        while not self.stop.is_set():
            action = self.ACTIONS[turn % len(self.ACTIONS)]
            turn += 1
            marker = None
            if action == "add stay":
                self.count += 1
                marker = f"T{self.n:02d}-{self.count:04d}"
            started = time.monotonic()
            try:
                response, expected, check = self.request(action, marker)
            except OSError as error:
                self.outcomes.append(Outcome(self.n, action, marker, started, time.monotonic(),
                                             None, "bad", f"{type(error).__name__}: {error}"))
            else:
                if response.status == expected and check(response):
                    verdict, detail = "ok", ""
                    if 'name="csrf_token"' in response.text:
                        self.token = response.csrf()
                elif french_outage(response):
                    verdict, detail = "outage", visible_text(response.text)
                else:
                    verdict, detail = "bad", f"{response.status}: {response.text[:300]}"
                self.outcomes.append(Outcome(self.n, action, marker, started,
                                             started + response.seconds, response.status,
                                             verdict, detail))
            self.stop.wait(self.random.uniform(*PAUSE_SECONDS))


def visible_text(html: str) -> str:
    """What a person reads on the page's main part, in one line."""
    main = re.search(r"<main.*?</main>", html, re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main.group(0) if main else html)).split())


def stored(url: str, schema: str, hebergement_ids: list[int]) -> dict:
    """What the database holds for the clients' hébergements, read through the product."""
    import sqlalchemy as sa

    from bench.declarations import make_app
    from plateforme import registry
    from plateforme.database import db
    from tenants.audit.models import AuditEvent
    from tenants.declarations import filing
    from tenants.declarations.models import Declaration, Stay
    from tenants.hosts.models import Hebergement

    app = make_app(url)
    try:
        with app.app_context():
            tenant = registry.tenant_info(registry.require(db.session, SLUG))
            db.session.commit()
            assert tenant.schema == schema
            with db.tenant_context(tenant):
                session = db.session
                markers = Counter(session.scalars(
                    sa.select(Stay.platform).join(Declaration)
                    .where(Declaration.hebergement_id.in_(hebergement_ids))))
                declarations, problems = 0, []
                for hebergement_id in hebergement_ids:
                    versions = filing.versions(session, hebergement_id, PERIOD)
                    if not versions:
                        continue
                    declarations += len(versions)
                    if len(versions) != 1:
                        problems.append(f"{hebergement_id}: {len(versions)} declarations")
                    declaration = versions[0]
                    stays = filing.stay_count(session, declaration)
                    events = session.scalar(
                        sa.select(sa.func.count()).select_from(AuditEvent).where(
                            AuditEvent.action == "declaration.stay_added",
                            AuditEvent.details.contains(
                                f'"declaration_id": {declaration.id}}}')))
                    if stays != events:
                        problems.append(f"declaration {declaration.id}: {stays} stays, "
                                        f"{events} journal events")
                    computed = filing.summary(session, schema, declaration,
                                              session.get(Hebergement, hebergement_id))
                    kept = (declaration.taxable_nights, declaration.exempt_nights,
                            declaration.platform_nights, declaration.amount)
                    fresh = (computed.taxable_nights, computed.exempt_total,
                             computed.platform_nights, computed.amount)
                    if kept != fresh:
                        problems.append(f"declaration {declaration.id}: totals {kept}, "
                                        f"the engine says {fresh}")
                session.rollback()
                return {"markers": markers, "declarations": declarations, "problems": problems}
    finally:
        app.extensions["taxesejour.db"].dispose()


def test_a_restart_of_postgresql_fails_cleanly_and_briefly(gunicorn_site, private_postgres,
                                                          tmp_path, capsys):
    accounts = gunicorn_site.accounts[FIRST_ACCOUNT:FIRST_ACCOUNT + CLIENTS]
    assert len(accounts) == CLIENTS, "RESILIENCE_HOSTS must cover the restart's clients"
    outcomes: list[Outcome] = []
    stop = threading.Event()
    clients = [Client(gunicorn_site.port, n, account, outcomes, stop)
               for n, account in enumerate(accounts)]
    for client in clients:
        client.log_in()
    threads = [threading.Thread(target=c.run, daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    time.sleep(BEFORE)
    restart_began = time.monotonic()
    private_postgres.restart()
    restarted = time.monotonic()
    time.sleep(AFTER)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a client is stuck"

    # A person arriving afterwards logs in as usual.
    late = Browser(gunicorn_site.port, address(5000))
    assert late.log_in(accounts[0].email).status == 302
    assert late.get("/tableau-de-bord").status == 200

    failed = [o for o in outcomes if o.verdict != "ok"]
    outages = [o for o in outcomes if o.verdict == "outage"]
    bad = [o for o in outcomes if o.verdict == "bad"]
    settled = restarted + FAILURE_WINDOW
    after = [o for o in outcomes if o.started >= settled]
    adds = [o for o in outcomes if o.action == "add stay"]
    db = stored(gunicorn_site.url, gunicorn_site.schema, [a.hebergement_id for a in accounts])
    markers = db["markers"]
    integrity = []
    for o in adds:
        saved = markers.get(o.marker, 0)
        if o.verdict == "ok" and saved != 1:
            integrity.append(f"{o.marker}: answered {o.status}, saved {saved} time(s)")
        elif o.verdict != "ok" and saved > 1:
            integrity.append(f"{o.marker}: answered {o.status}, saved {saved} times")
    sent = {o.marker for o in adds}
    integrity += [f"{m}: saved but never sent" for m in markers if m not in sent]
    integrity += db["problems"]

    result = {
        "clients": CLIENTS, "requests": len(outcomes),
        "restart_s": round(restarted - restart_began, 2),
        "ok": sum(o.verdict == "ok" for o in outcomes), "outage_503": len(outages),
        "bad": len(bad), "bad_examples": [f"{o.action} {o.detail}" for o in bad[:5]],
        "first_failure_s": round(min(o.started for o in failed) - restart_began, 2)
        if failed else None,
        # How long after the restart completed a request could still fail: the last failed
        # request's start (a request sent after this succeeded).
        "failure_window_after_restart_s": round(max(o.started for o in failed) - restarted, 2)
        if failed else None,
        "failure_span_s": round(max(o.ended for o in failed) - min(o.started for o in failed), 2)
        if failed else 0,
        "after_window": len(after), "after_window_ok": sum(o.verdict == "ok" for o in after),
        "actions": len(adds), "actions_ok": sum(o.verdict == "ok" for o in adds),
        "actions_503": sum(o.verdict == "outage" for o in adds),
        "actions_503_saved": sum(1 for o in adds if o.verdict == "outage"
                                 and markers.get(o.marker)),
        "stays_stored": sum(markers.values()), "declarations": db["declarations"],
        "integrity_problems": integrity[:10],
        "example_503": next((o.detail for o in outages if not o.detail.startswith("{")), None),
    }
    (tmp_path / "restart.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    with capsys.disabled():
        print(f"\nRedémarrage de PostgreSQL ({result['restart_s']} s) sous {CLIENTS} clients : "
              f"{result['requests']} requêtes, {result['ok']} réussies, "
              f"{result['outage_503']} en 503 français, {result['bad']} autres ; "
              f"fenêtre d'échec après le redémarrage : "
              f"{result['failure_window_after_restart_s']} s (durée totale des échecs "
              f"{result['failure_span_s']} s) ; après {FAILURE_WINDOW:g} s : "
              f"{result['after_window_ok']}/{result['after_window']} réussies\n"
              f"  actions (séjours ajoutés) : {result['actions']} envoyées, "
              f"{result['actions_ok']} réussies (chacune enregistrée une fois), "
              f"{result['actions_503']} en 503 dont {result['actions_503_saved']} enregistrées "
              f"entières ; {result['stays_stored']} séjours en base ; "
              f"problèmes d'intégrité : {len(integrity)}\n"
              f"  page 503 : {result['example_503']}")

    assert not bad, result["bad_examples"]
    assert any(restart_began <= o.started <= restarted for o in outcomes), \
        "no request was sent while PostgreSQL restarted"
    assert all(o.started < settled for o in failed), result
    assert after and all(o.verdict == "ok" for o in after), result
    assert {o.client for o in after} == set(range(CLIENTS)), "a client made no request afterwards"
    assert not integrity, integrity
    log = gunicorn_site.server_log.read_text()
    if outages:  # logged loudly, for the operators
        assert "base de données injoignable" in log or "registry unreachable" in log
