"""Declarations' benchmarks (issue 9, item 12), run by hand; figures go to the issue note.

    .venv/bin/python -m bench.declarations [--backend sqlite|postgresql|both]
        [--what all|import|page] [--lines 10000] [--runs 5] [--classement non_classe]
        [--hebergements 5000] [--requests 20] [--profile]

Targets: importing a 10,000-line register ≤ 2 s; the console's period page for 5,000
hébergements ≤ 300 ms. Each backend runs in a process of its own (caches start cold); SQLite
in a temporary directory, PostgreSQL in a database created on TEST_POSTGRES_URL's server
(default the local one) and dropped at the end. "Today" is the real date (the product's).

Both tenants are collectivités with SIREN 200068609 and the DELTA fixture loaded through the
product's import (the EPCI's deliberation covers 07019, 07102 and 07331: réel everywhere).

import — the collectivité declares yearly (period 2026), so that a hotel's year of stays fits one
period: a generated register of N lines (arrivals over 2026, 1 to 14 nights, 1 to 6 persons, some
minors, a few seasonal workers and emergency lodgings, 60 % direct with a price, 40 % via Airbnb,
Booking.com or Abritel, half of those with a price; decimal commas and dots, empty cells) for a
"Hôtel de tourisme" (by default "non classé": the proportional tariff, a price needed on every
direct line — the heaviest path) in Labégude (07102), on the platform since 1 January 2026.
Timed as the host's action: `desk.read` (the preview's parse and check) + `desk.import_file`
(parse again, open the draft, check, one INSERT executemany, the engine over every line read back
as plain rows) + commit, each run on a fresh hébergement; median of the runs, the first one (cold
process) shown apart. Then, for information, the draft's page the host is sent to afterwards
(`desk.desk` and the console's GET of that page: the totals over every line, the first 100 lines
listed).

page — a monthly collectivité with H hébergements (of ~0.6 H hosts, natures and classements
mixed, all concerned by October 2026) inserted in bulk, and the declarations of January to
October 2026 inserted in bulk with the columns a validation writes (computation JSON, SHA-256,
reference, the état récapitulatif's PDF — copied from one real declaration validated through the
product first —, validated at/by; v1 "remplacee" + v2 for rectifications, drafts with their
totals). October: 57 % declared, 3 % rectified (60 % validated, 15 % of them "0 nuitée"), 8 %
drafts, the rest nothing (after the 15 November deadline: "en retard"). `follow.overview`'s
state counts are checked against what was inserted, and `follow.listing`'s count against the
number of hébergements. An agent logs in through the console (password, TOTP);
GET /admin/declarations/?periode=2026-10 through the Flask test client (in process: no HTTP
server, no network), median and p95 over R requests after warm-up (and the "en retard" filter's
page 3); then what the page asks of `follow` without the rest of the request: `follow.listing`
(the first page of 50) + `follow.overview` (states and totals counted by the database), median
and p95, each part shown apart. PostgreSQL tables are ANALYZEd after the bulk load (as
autovacuum would).

--profile: cProfile of one import (on one more fresh hébergement) and of one page request (the
top functions by cumulative and by own time).

Without --backend, both backends run (one process each), the table compares them and the figures
are kept in bench/results/declarations-*.json (not committed).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "fixtures"
DOMAIN = "taxesejour.bench"
SIREN = "200068609"
AGENT_PASSWORD = "un bureau calme au bord du canal"  # noqa: S105 - a throwaway database
IMPORT_TARGET, PAGE_TARGET = 2.0, 0.300
HEADER = ("arrivee;depart;personnes;exoneres_mineurs;exoneres_saisonniers;exoneres_urgence;"
          "prix_nuit_ht;canal;plateforme")
PLATFORMS = ("Airbnb",) * 6 + ("Booking.com",) * 3 + ("Abritel",)
MONTH_WEIGHTS = (3, 3, 5, 7, 8, 10, 16, 18, 9, 7, 4, 6)  # arrivals by month, a summer peak
NATURES = (  # nature, classements, capacity range, weight
    ("meuble", ("non_classe", "1", "2", "3", "3", "4", "5"), (2, 10), 60),
    ("chambre_hotes", ("sans_objet",), (2, 15), 14),
    ("non_classe", ("non_classe",), (2, 8), 10),
    ("hotel", ("non_classe", "2", "3", "3", "4"), (20, 120), 5),
    ("residence", ("3", "4"), (40, 200), 2),
    ("village_vacances", ("2", "3"), (60, 300), 1),
    ("camping", ("2", "3", "4", "5"), (100, 600), 4),
    ("aire_camping_car", ("sans_objet",), (10, 40), 3),
    ("auberge_collective", ("sans_objet",), (10, 60), 1),
)
INSEE = ("07019",) * 5 + ("07102",) * 2 + ("07331",) * 3
SYLLABLES = ("la", "ro", "che", "mon", "val", "bel", "air", "pin", "sou", "ri", "ve", "lo", "gis",
             "mas", "tour", "pré", "bois", "font", "clos", "ga", "rance", "mi", "nou")
KINDS = ("Gîte", "Studio", "Mas", "Maison", "Appartement", "Chambres", "Villa", "Chalet",
         "Domaine", "Le Clos")
FIRST_NAMES = ("Élodie", "Paul", "Louis", "Claire", "Marc", "Sophie", "Jean", "Anne", "Luc",
               "Inès", "Hugo", "Léa", "Yves", "Rose", "Noé")


# --- timing helpers ---------------------------------------------------------------------------


class Stages:
    """Wall time spent in some product functions during a block (wrapped, never changed)."""

    def __init__(self):
        self.times: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    @contextmanager
    def watching(self, targets: dict[str, tuple[object, str]]):
        originals = []
        for label, (owner, name) in targets.items():
            original = getattr(owner, name)
            originals.append((owner, name, original))
            setattr(owner, name, self._wrap(label, original))
        try:
            yield self
        finally:
            for owner, name, original in reversed(originals):
                setattr(owner, name, original)

    def _wrap(self, label, function):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.times[label] += time.perf_counter() - start
                self.calls[label] += 1
        return timed


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def profiled(call, top: int = 25) -> str:
    profile = cProfile.Profile()
    profile.enable()
    call()
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    out.write("\n--- by own time ---\n")
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


# --- data -------------------------------------------------------------------------------------


def register(lines: int, seed: int = 9) -> bytes:
    """A register of `lines` stays arrived in 2026, in the product's format (UTF-8, `;`)."""
    rng = random.Random(seed)
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    weights = [MONTH_WEIGHTS[d.month - 1] for d in days]
    out = [HEADER]
    for arrival in rng.choices(days, weights, k=lines):
        nights = rng.choice((1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 7, 7, 10, 14))
        persons = rng.choice((1, 1, 2, 2, 2, 2, 3, 4, 4, 5, 6))
        minors = rng.choice((0, 0, 1, 2)) if persons >= 3 else 0
        seasonal = 1 if persons == 1 and rng.random() < 0.05 else 0
        emergency = persons - minors if not seasonal and rng.random() < 0.005 else 0
        direct = rng.random() < 0.6
        price = ""
        if direct or rng.random() < 0.5:
            cents = rng.randrange(4500, 26000, 50)
            price = rng.choice((f"{cents // 100},{cents % 100:02d}",) * 3
                               + (f"{cents / 100:.2f}", f"{cents // 100}"))
        cells = [arrival.strftime("%d/%m/%Y"),
                 (arrival + timedelta(days=nights)).strftime("%d/%m/%Y"), str(persons),
                 str(minors) if minors or rng.random() < 0.5 else "",
                 str(seasonal) if seasonal or rng.random() < 0.5 else "",
                 str(emergency) if emergency or rng.random() < 0.5 else "",
                 price, "direct" if direct else "plateforme",
                 "" if direct else rng.choice(PLATFORMS)]
        out.append(";".join(cells))
    return ("\r\n".join(out) + "\r\n").encode()


def word(rng: random.Random) -> str:
    return "".join(rng.choices(SYLLABLES, k=rng.randint(2, 3))).capitalize()


# --- the application ---------------------------------------------------------------------------


def make_app(url: str):
    from plateforme import create_app, migrate
    from plateforme.database import db

    app = create_app({"ENV": "development", "DATABASE_URL": url, "PLATFORM_DOMAIN": DOMAIN,
                      "SECRET_KEY": "bench-declarations", "MAIL_BACKEND": "memory",
                      "PUBLIC_PORT": None})
    with app.app_context():
        migrate.upgrade_shared(db.state, app.config["SHARED_MIGRATIONS_DIR"])
    return app


def tenant_with_deliberation(app, slug: str, frequency: str):
    from plateforme.database import db
    from tenants.audit.journal import Actor
    from tenants.collectivite import settings
    from tenants.tax import importing
    from tests.conftest import create_tenant

    with app.app_context():
        tenant = create_tenant(app, slug, "Vallée Verte", kind="communaute_de_communes",
                               siren=SIREN)
        with db.tenant_context(tenant):
            settings.set_calendar(settings.get(db.session), frequency, 15)
            db.session.commit()
        report = importing.import_file(FIXTURES / "delta_2026.xml", [tenant],
                                       Actor(label="bench"))
        db.session.commit()
    assert report.tenants, report
    return tenant


def make_agent(app, tenant, email: str) -> str:
    """An enrolled agent (the product's functions); returns the TOTP secret."""
    from plateforme.database import db
    from tenants.access.rules import Role
    from tenants.agents import accounts, totp
    from tenants.core.dates import utcnow
    from tenants.core.keys import Keys

    with app.app_context(), db.tenant_context(tenant):
        agent = accounts.create(db.session, email, "Agent Banc", Role.AGENT)
        accounts.set_password(db.session, agent, AGENT_PASSWORD, "Vallée Verte")
        secret = totp.start_enrolment(agent)
        agent.totp_enabled_at = utcnow()
        totp.new_recovery_codes(db.session, Keys(app.secret_key, tenant.schema), agent)
        db.session.commit()
    return secret


def console_client(app, tenant, email: str, secret: str):
    """A browser logged into the console: password, then the TOTP code."""
    import pyotp

    from tests.tenants.conftest import Client

    client = Client(app, f"{tenant.slug}.{DOMAIN}")
    response = client.post("/admin/connexion", {"email": email, "password": AGENT_PASSWORD})
    assert response.status_code == 302, response.text[:500]
    response = client.post("/admin/verification", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302, response.text[:500]
    return client


def timed_get(client, path: str, cpu: list | None = None) -> tuple[float, str]:
    start, started_cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    elapsed = time.perf_counter() - start
    if cpu is not None:
        cpu.append(time.process_time() - started_cpu)
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return elapsed, response.text


# --- 1. the register's import -----------------------------------------------------------------


def import_bench(app, args, results: dict) -> None:
    import sqlalchemy as sa

    from plateforme.database import db
    from tenants.audit.journal import Actor, ActorKind
    from tenants.core.dates import paris_today
    from tenants.declarations import computing, desk, filing, sources
    from tenants.declarations.models import Declaration, Stay
    from tenants.hosts.models import Hebergement, Host

    tenant = tenant_with_deliberation(app, "registre", "annuelle")
    runs = args.runs
    with app.app_context(), db.tenant_context(tenant):
        host = Host(civility="Mme", last_name="Roux", first_name="Claire",
                    address="1 place de la Gare", postal_code="07200", city="Labégude",
                    email="hotel@example.fr")
        host.hebergements = [
            Hebergement(name=f"Hôtel de la Gare {n}", address="1 place de la Gare",
                        postal_code="07200", city="Labégude", nature="hotel",
                        classement=args.classement, capacity=80, reference=f"ENR-07102-{n:04d}",
                        insee="07102", started_on=date(2026, 1, 1))
            for n in range(runs + 1)]
        db.session.add(host)
        db.session.commit()
        host_id, ids = host.id, [h.id for h in host.hebergements]
    data = register(args.lines)
    print(f"[{args.backend}] registre : {args.lines} lignes, {len(data) / 1e6:.2f} Mo ; "
          f"hôtel « {args.classement} », période 2026 (annuelle)", flush=True)

    def one_run(hebergement_id: int) -> dict:
        with app.app_context(), db.tenant_context(tenant):
            session = db.session
            hebergement = session.get(Hebergement, hebergement_id)
            cal = filing.calendar_of(session)
            period = cal.period("2026")
            ctx = desk.Context(session, tenant.schema, cal,
                               Actor(ActorKind.HOST, host_id, "hotel@example.fr"),
                               "Claire Roux", paris_today())
            start, cpu = time.perf_counter(), time.process_time()
            parsed = desk.read(data, None)
            read_done = time.perf_counter()
            outcome = desk.import_file(ctx, hebergement, period, data, None, {})
            imported = time.perf_counter()
            session.commit()
            end = time.perf_counter()
            assert len(parsed.rows) == args.lines and outcome.added == args.lines, outcome
            assert not outcome.elsewhere
            declaration = filing.current(session, hebergement.id, period.key)
            stored = session.scalar(sa.select(sa.func.count()).select_from(Stay).where(
                Stay.declaration_id == declaration.id))
            assert stored == args.lines, stored
            return {"read": read_done - start, "import_file": imported - read_done,
                    "commit": end - imported, "total": end - start,
                    "cpu": time.process_time() - cpu, "load": os.getloadavg()[0],
                    "amount": str(declaration.amount),
                    "taxable_nights": declaration.taxable_nights,
                    "exempt_nights": declaration.exempt_nights,
                    "platform_nights": declaration.platform_nights}

    measured = []
    stages = Stages()
    targets = {"desk.read (×2 : aperçu, puis dans import_file)": (desk, "read"),
               "  sources.parse": (sources, "parse"),
               "filing.draft (ouvre le brouillon)": (filing, "draft"),
               "filing.import_rows (contrôle, INSERT, totaux)": (filing, "import_rows"),
               "  filing.refresh (totaux du brouillon)": (filing, "refresh"),
               "    filing.inputs (relit les lignes, en colonnes)": (filing, "inputs"),
               "    computing.summarize (moteur)": (computing, "summarize")}
    for n in range(runs):
        if n == 0:
            measured.append(one_run(ids[n]))
        else:
            with stages.watching(targets):
                measured.append(one_run(ids[n]))
        row = measured[-1]
        print(f"  passage {n + 1} : total {row['total']:.3f} s (lecture {row['read']:.3f}, "
              f"import_file {row['import_file']:.3f}, commit {row['commit']:.3f}) ; CPU du "
              f"processus {row['cpu']:.3f} s ; charge {row['load']:.1f}"
              + (" — processus froid" if n == 0 else ""), flush=True)
    warm = measured[1:] or measured
    result = {"lines": args.lines, "runs": measured,
              "median_total": statistics.median(r["total"] for r in warm),
              "median_read": statistics.median(r["read"] for r in warm),
              "median_import_file": statistics.median(r["import_file"] for r in warm),
              "median_commit": statistics.median(r["commit"] for r in warm),
              "median_cpu": statistics.median(r["cpu"] for r in warm),
              "min_total": min(r["total"] for r in warm),
              "cold_total": measured[0]["total"],
              "stages": [(label, stages.times.get(label, 0) / max(1, runs - 1))
                         for label in targets],
              "amount": measured[0]["amount"],
              "taxable_nights": measured[0]["taxable_nights"],
              "platform_nights": measured[0]["platform_nights"]}

    # The page the host is sent to afterwards: its first 100 lines (information, not a target).
    with app.app_context(), db.tenant_context(tenant):
        session = db.session
        hebergement = session.get(Hebergement, ids[0])
        cal = filing.calendar_of(session)
        start = time.perf_counter()
        found = desk.desk(session, tenant.schema, hebergement, cal.period("2026"), cal,
                          paris_today())
        result["desk_desk"] = time.perf_counter() - start
        assert found.summary is not None and found.stays_count == args.lines
        assert len(found.stays) == desk.STAYS_PER_PAGE, len(found.stays)
        session.rollback()
    secret = make_agent(app, tenant, "agent@registre.fr")
    client = console_client(app, tenant, "agent@registre.fr", secret)
    path = f"/admin/declarations/{ids[0]}/2026"
    page_times = []
    for _ in range(3):
        elapsed, html = timed_get(client, path)
        page_times.append(elapsed)
    assert f"Séjours arrivés pendant la période ({args.lines}), page 1 sur " in html
    result["draft_page"] = statistics.median(page_times)
    result["draft_page_bytes"] = len(html.encode())

    if args.profile:
        with app.app_context(), db.tenant_context(tenant):
            # A fresh hébergement for the profiled run.
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Declaration).where(
                Declaration.hebergement_id == ids[runs])) == 0
        result["profile"] = profiled(lambda: one_run(ids[runs]))
    results["import"] = result


# --- 2. the console's period page --------------------------------------------------------------


def build_collectivite(app, tenant, count: int, months: list[str], target: str,
                       seed: int = 5) -> dict:
    """Hosts, hébergements and declarations inserted in bulk; returns what October should show."""
    import sqlalchemy as sa

    from plateforme.database import db
    from tenants.audit.journal import Actor, ActorKind
    from tenants.core.dates import paris_today, utcnow
    from tenants.declarations import desk, filing
    from tenants.declarations.computing import StayInput
    from tenants.declarations.models import Declaration
    from tenants.hosts.models import Hebergement, Host

    rng = random.Random(seed)
    now = utcnow()
    with app.app_context(), db.tenant_context(tenant):
        session = db.session
        cal = filing.calendar_of(session)
        # Hosts: most have one hébergement, some several.
        per_host = []
        left = count
        while left > 0:
            n = min(left, rng.choice((1,) * 14 + (2,) * 3 + (3, 4, 6)))
            per_host.append(n)
            left -= n
        hosts = []
        for i in range(len(per_host)):
            insee = rng.choice(INSEE)
            hosts.append({
                "reference": f"H{i:05d}", "civility": rng.choice(("M.", "Mme")),
                "last_name": word(rng), "first_name": rng.choice(FIRST_NAMES),
                "address": f"{rng.randint(1, 80)} rue {word(rng)}", "postal_code": "07200",
                "city": {"07019": "Aubenas", "07102": "Labégude",
                         "07331": "Vals-les-Bains"}[insee],
                "email": f"hote{i}@example.fr" if rng.random() < 0.8 else None,
                "phone": None, "legacy": False, "created_at": now, "updated_at": now})
        session.execute(sa.insert(Host), hosts)
        host_ids = list(session.scalars(sa.select(Host.id).order_by(Host.id)))
        hebergements = []
        weights = [n[3] for n in NATURES]
        for host_id, n in zip(host_ids, per_host, strict=True):
            for _ in range(n):
                nature, classements, (low, high), _w = rng.choices(NATURES, weights)[0]
                insee = rng.choice(INSEE)
                started = date(2026, 1, 1) if rng.random() < 0.7 else \
                    date(2026, 1, 1) + timedelta(days=rng.randrange(300))
                hebergements.append({
                    "host_id": host_id,
                    "name": f"{rng.choice(KINDS)} {word(rng)}",
                    "address": f"{rng.randint(1, 80)} chemin {word(rng)}", "postal_code": "07200",
                    "city": {"07019": "Aubenas", "07102": "Labégude",
                             "07331": "Vals-les-Bains"}[insee],
                    "nature": nature, "classement": rng.choice(classements),
                    "capacity": rng.randint(low, high),
                    "reference": f"ENR-{insee}-{len(hebergements):06d}", "insee": insee,
                    "started_on": started, "created_at": now, "updated_at": now})
        session.execute(sa.insert(Hebergement), hebergements)
        rows = session.execute(sa.select(Hebergement.id, Hebergement.started_on,
                                         Hebergement.capacity, Hebergement.nature,
                                         Hebergement.classement, Hebergement.insee)
                               .order_by(Hebergement.id)).all()
        session.commit()

        # One declaration validated through the product: its PDF and computation are copied.
        first = session.get(Hebergement, rows[0].id)
        first.nature, first.classement, first.insee = "meuble", "3", "07019"
        session.commit()
        ctx = desk.Context(session, tenant.schema, cal,
                           Actor(ActorKind.AGENT, None, "agent@console.fr"), "Agent Banc",
                           paris_today(), reason="Registre papier (banc d'essai)", on_behalf=True)
        period = cal.period(target)
        for day, nights, persons, minors in ((3, 2, 4, 2), (10, 3, 2, 0), (17, 7, 5, 1),
                                             (25, 2, 2, 0)):
            arrival = period.start + timedelta(days=day - 1)
            desk.add(ctx, first, period, StayInput(arrival, arrival + timedelta(days=nights),
                                                   persons, minors))
        real = desk.validate(ctx, first, period)
        session.commit()
        pdf, computation = real.recap_pdf, json.loads(real.computation)
        line = computation["lines"][0]

        expected = defaultdict(int)
        expected["declaree"] += 1
        remaining = list(rows[1:])
        declared_rows, supersede = [], []
        for key in months:
            span = cal.period(key)
            deadline = cal.deadline(span)
            for h in remaining:
                if h.started_on > span.end:
                    continue
                roll = rng.random()
                if key == target:
                    kind = ("declaree" if roll < 0.57 else "rectifiee" if roll < 0.60
                            else "brouillon" if roll < 0.68 else None)
                else:
                    kind = ("declaree" if roll < 0.82 else "rectifiee" if roll < 0.86
                            else "brouillon" if roll < 0.88 else None)
                if key == target:
                    expected[kind or "aucune"] += 1
                if kind is None:
                    continue
                zero = kind != "brouillon" and rng.random() < 0.15
                lines = 0 if zero else max(1, int(h.capacity * rng.uniform(0.3, 3)))
                persons_nights = 0 if zero else int(lines * rng.uniform(2, 6))
                exempt = int(persons_nights * rng.uniform(0, 0.25))
                platform = int(persons_nights * rng.uniform(0, 0.5))
                taxable = persons_nights - exempt - platform
                amount = (Decimal(taxable) * Decimal(rng.choice(("0.80", "1.50", "1.65",
                                                                 "2.30", "0.60"))))
                amount = amount.quantize(Decimal("0.01"))
                versions = ((1, "remplacee"), (2, "validee")) if kind == "rectifiee" else \
                    ((1, "validee" if kind == "declaree" else "brouillon"),)
                for version, status in versions:
                    validated = status != "brouillon"
                    stamp = datetime.combine(deadline - timedelta(days=rng.randint(0, 14)),
                                             datetime.min.time()) + timedelta(hours=9)
                    doc = dict(computation, lines=[line] * min(lines, 40),
                               zero_reason="aucune_location" if zero else None,
                               taxable_nights=taxable, platform_nights=platform,
                               amount=str(amount)) if validated else None
                    row = {"hebergement_id": h.id, "period": key,
                           "period_start": span.start, "period_end": span.end,
                           "deadline": deadline, "version": version, "status": status,
                           "regime": "reel",
                           "zero_reason": "aucune_location" if zero else None,
                           "taxable_nights": taxable,
                           "exempt_nights": exempt, "platform_nights": platform,
                           "amount": amount,
                           "computation": json.dumps(doc, ensure_ascii=False, sort_keys=True)
                           if validated else "",
                           "sha256": f"{rng.getrandbits(256):064x}" if validated else None,
                           "reference": filing.reference(h.id, key) if validated else None,
                           "supersedes_id": None,
                           "validated_at": stamp if validated else None,
                           "validated_by": "Hôte" if validated else "",
                           "reason": "", "recap_pdf": pdf if validated else None,
                           "created_at": stamp, "updated_at": stamp}
                    (supersede if version == 2 else declared_rows).append(row)
        for start in range(0, len(declared_rows), 2_000):
            session.execute(sa.insert(Declaration), declared_rows[start:start + 2_000])
        first_versions = {(r.hebergement_id, r.period): r.id for r in session.execute(
            sa.select(Declaration.id, Declaration.hebergement_id, Declaration.period)
            .where(Declaration.version == 1, Declaration.status == "remplacee"))}
        for row in supersede:
            row["supersedes_id"] = first_versions[(row["hebergement_id"], row["period"])]
        for start in range(0, len(supersede), 2_000):
            session.execute(sa.insert(Declaration), supersede[start:start + 2_000])
        session.commit()
        total = session.scalar(sa.select(sa.func.count()).select_from(Declaration))
    return {"hosts": len(host_ids), "hebergements": len(rows), "declarations": total,
            "pdf_bytes": len(pdf), "expected": dict(expected)}


def page_bench(app, args, results: dict) -> None:
    from plateforme.database import db
    from tenants.core.dates import paris_today
    from tenants.declarations import filing, follow
    from tenants.declarations.filing import State
    from tenants.declarations.views_console import PER_PAGE

    target = "2026-10"
    months = [f"2026-{m:02d}" for m in range(1, 11)]
    tenant = tenant_with_deliberation(app, "console", "mensuelle")
    start = time.perf_counter()
    built = build_collectivite(app, tenant, args.hebergements, months, target)
    load = time.perf_counter() - start
    if args.backend == "postgresql":
        with app.app_context():
            engine = app.extensions["taxesejour.db"].shared_engine
            with engine.connect() as conn:
                conn.exec_driver_sql(f'ANALYZE "{tenant.schema}".declarations')
                conn.exec_driver_sql(f'ANALYZE "{tenant.schema}".hebergements')
                conn.exec_driver_sql(f'ANALYZE "{tenant.schema}".hosts')
                conn.commit()
    print(f"[{args.backend}] console : {built['hebergements']} hébergements, {built['hosts']} "
          f"hébergeurs, {built['declarations']} déclarations (janvier à octobre 2026, PDF de "
          f"{built['pdf_bytes'] / 1024:.1f} Ko chacune), chargés en {load:.1f} s", flush=True)

    today = paris_today()
    with app.app_context(), db.tenant_context(tenant):
        cal = filing.calendar_of(db.session)
        period = cal.period(target)
        found = follow.overview(db.session, period, cal, today)
        shown, count = follow.listing(db.session, period, cal, today, per_page=PER_PAGE)
        db.session.rollback()
    expected = built["expected"]
    late = today > cal.deadline(period)
    states = {State.DECLAREE: expected["declaree"], State.RECTIFIEE: expected["rectifiee"],
              State.BROUILLON: 0 if late else expected["brouillon"],
              State.A_DECLARER: 0 if late else expected["aucune"],
              State.EN_RETARD: expected["brouillon"] + expected["aucune"] if late else 0}
    assert sum(found.states.values()) == built["hebergements"], found.states
    assert count == built["hebergements"] and len(shown) == PER_PAGE, (count, len(shown))
    assert found.states == states, (found.states, expected)

    secret = make_agent(app, tenant, "agent@console.fr")
    client = console_client(app, tenant, "agent@console.fr", secret)
    path = f"/admin/declarations/?periode={target}"
    for _ in range(3):
        _elapsed, html = timed_get(client, path)
    assert f"Déclarée : {expected['declaree']}<" in html, "the page does not show the states"
    assert f"{built['hebergements']} hébergement(s)." in html
    page_cpu: list[float] = []
    machine_load = os.getloadavg()[0]
    times = [timed_get(client, path, page_cpu)[0] for _ in range(args.requests)]
    late_times = [timed_get(client, path + "&etat=en_retard&page=3")[0]
                  for _ in range(max(5, args.requests // 4))]

    # What the page asks of follow (its two calls, as the view makes them), without the rest
    # of the request (login check, template); each part apart, for information.
    both_times, both_cpu, overview_times, listing_times = [], [], [], []
    for _ in range(args.requests):
        with app.app_context(), db.tenant_context(tenant):
            cal = filing.calendar_of(db.session)
            today = paris_today()
            begin, begin_cpu = time.perf_counter(), time.process_time()
            follow.listing(db.session, period, cal, today, None, None, "", 1, PER_PAGE)
            listed = time.perf_counter()
            follow.overview(db.session, period, cal, today)
            end = time.perf_counter()
            both_times.append(end - begin)
            both_cpu.append(time.process_time() - begin_cpu)
            listing_times.append(listed - begin)
            overview_times.append(end - listed)
            db.session.rollback()
    result = {**built, "load_seconds": load, "page": times, "page_median": statistics.median(times),
              "page_p95": p95(times), "page_min": min(times), "page_max": max(times),
              "page_late_p3_median": statistics.median(late_times),
              "page_cpu_median": statistics.median(page_cpu), "load": machine_load,
              "follow_median": statistics.median(both_times), "follow_p95": p95(both_times),
              "follow_min": min(both_times), "follow_cpu_median": statistics.median(both_cpu),
              "overview_median": statistics.median(overview_times),
              "listing_median": statistics.median(listing_times),
              "page_bytes": len(html.encode()),
              "states": {state.value: count for state, count in found.states.items()}}
    if args.profile:
        result["profile"] = profiled(lambda: timed_get(client, path))
    results["page"] = result


# --- running ------------------------------------------------------------------------------------


def run_backend(args) -> dict:
    from tests.conftest import create_database, drop_database

    results: dict = {"backend": args.backend}
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend == "sqlite":
            url, drop = f"sqlite:///{Path(tmp) / 'shared.db'}", None
        else:
            url = create_database()
            drop = url
        try:
            app = make_app(url)
            if args.what in ("all", "import"):
                import_bench(app, args, results)
            if args.what in ("all", "page"):
                page_bench(app, args, results)
            app.extensions["taxesejour.db"].dispose()
        finally:
            if drop:
                drop_database(drop)
    return results


def report(all_results: list[dict]) -> None:
    print()
    print(f"Machine : {os.cpu_count()} cœur(s) ; Python {sys.version.split()[0]}")
    print()
    header = f"{'':44}" + "".join(f"{r['backend']:>14}" for r in all_results)
    if any("import" in r for r in all_results):
        lines = all_results[0].get("import", {}).get("lines", "?")
        print(f"Import d'un registre de {lines} lignes (cible ≤ {IMPORT_TARGET:.0f} s)")
        print(header)
        for label, key, unit in (
                ("total lecture + import_file + commit (méd.)", "median_total", "s"),
                ("  desk.read (aperçu)", "median_read", "s"),
                ("  desk.import_file", "median_import_file", "s"),
                ("  commit", "median_commit", "s"),
                ("  CPU du processus Python (méd.)", "median_cpu", "s"),
                ("  meilleur passage chaud", "min_total", "s"),
                ("premier passage (processus froid)", "cold_total", "s"),
                ("page du brouillon : desk.desk seul", "desk_desk", "s"),
                ("page du brouillon : GET console (méd.)", "draft_page", "s")):
            print(f"{label:44}" + "".join(
                f"{r['import'][key]:>12.3f} {unit}" if "import" in r else f"{'—':>14}"
                for r in all_results))
        print(f"{'cible atteinte':44}" + "".join(
            f"{'oui' if r['import']['median_total'] <= IMPORT_TARGET else 'NON':>14}"
            for r in all_results if "import" in r))
        print("  détail moyen d'un passage chaud (fonctions enveloppées, imbriquées) :")
        for i, (stage, _seconds) in enumerate(all_results[0]["import"]["stages"]):
            print(f"    {stage:52}" + "".join(
                f"{r['import']['stages'][i][1]:>9.3f} s" for r in all_results
                if "import" in r))
        first = all_results[0]["import"]
        print(f"  montant du brouillon : {first['amount']} € ({first['taxable_nights']} nuitées "
              f"taxables, {first['platform_nights']} via plateformes)")
        print()
    if any("page" in r for r in all_results):
        page = next(r["page"] for r in all_results if "page" in r)
        print(f"Console, page de la période 2026-10 : {page['hebergements']} hébergements, "
              f"{page['declarations']} déclarations en base (cible ≤ "
              f"{PAGE_TARGET * 1000:.0f} ms)")
        print(header)
        for label, key in (("GET /admin/declarations/?periode= (méd.)", "page_median"),
                           ("  p95", "page_p95"),
                           ("  min / max", None),
                           ("  CPU du processus Python (méd.)", "page_cpu_median"),
                           ("  filtre en retard, page 3 (méd.)", "page_late_p3_median"),
                           ("follow.listing (1re page) + overview (méd.)", "follow_median"),
                           ("  p95", "follow_p95"),
                           ("  min", "follow_min"),
                           ("  CPU du processus Python (méd.)", "follow_cpu_median"),
                           ("  follow.listing seul (méd.)", "listing_median"),
                           ("  follow.overview seul (méd.)", "overview_median")):
            cells = []
            for r in all_results:
                if "page" not in r:
                    cells.append(f"{'—':>14}")
                elif key is None:
                    cells.append(f"{r['page']['page_min'] * 1000:>6.0f}/"
                                 f"{r['page']['page_max'] * 1000:.0f} ms".rjust(14))
                else:
                    cells.append(f"{r['page'][key] * 1000:>11.1f} ms")
            print(f"{label:44}" + "".join(cells))
        print(f"{'cible atteinte (médiane et p95)':44}" + "".join(
            f"{'oui' if r['page']['page_p95'] <= PAGE_TARGET else 'NON':>14}"
            for r in all_results if "page" in r))
        print(f"  états : {page['states']} ; page de {page['page_bytes'] / 1024:.0f} Ko ; "
              "charge de la machine au début des mesures : "
              + ", ".join(f"{r['backend']} {r['page']['load']:.1f}" for r in all_results
                          if "page" in r))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--what", choices=("all", "import", "page"), default="all")
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--classement", default="non_classe",
                        choices=("non_classe", "1", "2", "3", "4", "5"))
    parser.add_argument("--hebergements", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)  # a child's results
    args = parser.parse_args()
    if args.backend != "both":
        results = run_backend(args)
        if args.json:
            args.json.write_text(json.dumps(results, default=str))
        else:
            _print_profiles([results])
            report([results])
        return
    collected = []
    for backend in ("sqlite", "postgresql"):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            child = [sys.executable, "-m", "bench.declarations", "--backend", backend,
                     "--json", out.name, "--what", args.what, "--lines", str(args.lines),
                     "--runs", str(args.runs), "--classement", args.classement,
                     "--hebergements", str(args.hebergements),
                     "--requests", str(args.requests)] + (["--profile"] if args.profile else [])
            subprocess.run(child, cwd=ROOT, check=True)
            collected.append(json.loads(Path(out.name).read_text()))
    _print_profiles(collected)
    report(collected)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    saved = out / f"declarations-{time.strftime('%Y%m%d-%H%M%S')}.json"
    saved.write_text(json.dumps(collected, indent=2, default=str))
    print(f"\nRésultats : {saved.relative_to(ROOT)}")


def _print_profiles(results: list[dict]) -> None:
    for r in results:
        for what in ("import", "page"):
            if r.get(what, {}).get("profile"):
                print(f"\n===== cProfile {what} ({r['backend']}) =====")
                print(r[what]["profile"])


if __name__ == "__main__":
    main()
