"""The tax's benchmarks, run by hand (the figures go in the issue's note, not in the tests).

    .venv/bin/python -m bench.tax engine [--lines 200000] [--runs 5]
    .venv/bin/python -m bench.tax import [--backend sqlite|postgresql] [--collectivites 100]

engine: stay lines per second through `tenants.tax.calculation.reel`, on one core, for a mix of
lines as declarations will hold them (a third unclassified at the proportional rate, periods,
exemptions, additional taxes), the median of several runs.

import: `flask tax import-delta` on a generated file of the real size (6.35 MB) with a
deliberation for each of N registered collectivités, as a whole command in its own process:
wall time and peak memory (RSS), first load then a re-import that changes nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import delta_file  # noqa: E402
from tenants.tax.calculation import AdditionalTax, LowRent, Period, Rules, reel  # noqa: E402

D = Decimal
PARIS = Rules(2026, (Period((1, 1), (12, 31), {1: D("4.90"), 2: D("3.60"), 3: D("2.60"),
                                                4: D("1.70"), 5: D("1.00"), 6: D("0.80"),
                                                7: D("0.60"), 8: D("0.20"), 9: D("5.00")}),),
              additional=(AdditionalTax("departementale", D("10.00")),
                          AdditionalTax("regionale", D("15.00")),
                          AdditionalTax("idfm", D("200.00"))))
SEASONS = Rules(2026, (Period((1, 1), (6, 30), {1: D("4.20"), 2: D("3.20"), 3: D("2.40"),
                                                4: D("1.60"), 5: D("1.00"), 6: D("0.80"),
                                                7: D("0.60"), 8: D("0.20"), 9: D("4.00")}),
                       Period((7, 1), (12, 31), {1: D("4.50"), 2: D("3.40"), 3: D("2.50"),
                                                 4: D("1.70"), 5: D("1.00"), 6: D("0.80"),
                                                 7: D("0.60"), 8: D("0.20"), 9: D("5.00")})),
                additional=(AdditionalTax("departementale", D("10.00")),),
                low_rent=LowRent(per_night=D("1.00")))
SUMMER = Rules(2026, (Period((4, 1), (9, 30), {2: D("2.50"), 3: D("2.00"), 4: D("1.20"),
                                               5: D("0.80"), 6: D("0.60"), 7: D("0.50"),
                                               8: D("0.20"), 9: D("3.00"), 1: D("3.00")}),),
               additional=(AdditionalTax("departementale", D("10.00")),
                           AdditionalTax("lgv", D("34.00"))))
CATEGORIES = (9,) * 35 + (4,) * 20 + (3,) * 15 + (5,) * 10 + (6,) * 10 + (2,) * 5 + (7,) * 3 \
    + (1,) * 2


def stay_lines(count: int, seed: int = 0) -> list[tuple]:
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        category = rng.choice(CATEGORIES)
        persons = rng.choice((1, 2, 2, 2, 3, 4, 4, 5, 6))
        lines.append((
            rng.choice((PARIS, SEASONS, SUMMER)), category,
            date(2026, 1, 1) + timedelta(days=rng.randrange(358)),
            rng.choice((1, 1, 2, 2, 3, 4, 7, 7, 14)), persons,
            rng.choice((0, 0, 0, 1, 2)) if persons > 2 else 0,
            D(rng.randrange(3000, 40000)) / 100 if category == 9 else None))
    return lines


def engine(args) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    lines = stay_lines(args.lines)
    rates = []
    total = D(0)
    for _ in range(args.runs):
        start = time.perf_counter()
        total = D(0)
        for rules, category, first, nights, persons, exempt, price in lines:
            total += reel(rules, category=category, first_night=first, nights=nights,
                          persons=persons, exempt=exempt, price_per_night=price).amount
        rates.append(len(lines) / (time.perf_counter() - start))
    print(f"moteur : {len(lines)} lignes de séjour, {args.runs} passages, un cœur : médiane "
          f"{_thousands(statistics.median(rates))} lignes/s (min {_thousands(min(rates))}, "
          f"max {_thousands(max(rates))}) ; total {total} €")


def _thousands(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def _database(backend: str, workdir: Path) -> tuple[str, callable]:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'shared.db'}", lambda: None
    from tests.conftest import create_database, drop_database

    url = create_database()
    return url, lambda: drop_database(url)


def import_bench(args) -> None:
    from plateforme import create_app, migrate, provisioning
    from plateforme.database import db
    from plateforme.deployment import Platform

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url, drop = _database(args.backend, workdir)
        try:
            env = {**os.environ, "DATABASE_URL": url, "TAXESEJOUR_ENV": "development",
                   "MAIL_OUTBOX_DIR": str(workdir / "outbox")}
            app = create_app({"ENV": "development", "DATABASE_URL": url})
            sirens = [_siren(i) for i in range(args.collectivites)]
            with app.app_context():
                migrate.upgrade_shared(db.state, app.config["SHARED_MIGRATIONS_DIR"])
                platform = Platform.from_config(app.config)
                for i, siren in enumerate(sirens):
                    provisioning.create(db.state, db.session, platform, slug=f"c{i:04d}",
                                        name=f"Collectivité {i}", siren=siren,
                                        kind="communaute_de_communes")
            app.extensions["taxesejour.db"].dispose()
            rng = random.Random(1)
            extra = [re.sub(r'collectiviteDeliberante siren="\d+"',
                            f'collectiviteDeliberante siren="{siren}"',
                            delta_file.deliberation(rng), count=1) for siren in sirens]
            path = workdir / "delta.xml"
            count = delta_file.generate(path, seed=2, extra=extra)
            size = path.stat().st_size
            print(f"fichier : {size / 1e6:.2f} Mo, {count} délibérations, "
                  f"{args.collectivites} collectivités inscrites ({args.backend})")
            for label in ("premier chargement", "même fichier de nouveau"):
                start = time.perf_counter()
                before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                result = subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "tax",
                                         "import-delta", str(path)], cwd=ROOT, env=env,
                                        capture_output=True, text=True, check=False)
                elapsed = time.perf_counter() - start
                peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                if result.returncode != 0:
                    raise SystemExit(result.stderr or result.stdout)
                lines = result.stdout.splitlines()
                loaded = sum(int(m) for m in re.findall(r": (\d+) chargée", result.stdout))
                unchanged = sum(int(m) for m in re.findall(r"(\d+) inchangée", result.stdout))
                print(f"{label} : {elapsed:.2f} s (commande entière), pic RSS "
                      f"{max(peak, before) / 1024:.0f} Mo ; {loaded} chargée(s), "
                      f"{unchanged} inchangée(s) ; {lines[-1]}")
        finally:
            drop()


def _siren(i: int) -> str:
    """A SIREN that passes the Luhn check (the registry refuses others)."""
    from plateforme.registry import _luhn_ok

    prefix = f"2{i:07d}"
    return next(prefix + str(d) for d in range(10) if _luhn_ok(prefix + str(d)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    eng = sub.add_parser("engine")
    eng.add_argument("--lines", type=int, default=200_000)
    eng.add_argument("--runs", type=int, default=5)
    imp = sub.add_parser("import")
    imp.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    imp.add_argument("--collectivites", type=int, default=100)
    args = parser.parse_args()
    engine(args) if args.what == "engine" else import_bench(args)


if __name__ == "__main__":
    main()
