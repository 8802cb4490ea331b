"""The floors under issue 15's two start-up targets (a worker ≤ 60 MB, `flask --help` ≤ 0.4 s):
what the stack the product is built on costs before a line of ours, then what ours adds.

    .venv/bin/python bench/floors.py [--runs 5] [--breakdown]

Each stage is a fresh interpreter that imports more than the one before (every tree
byte-compiled first, as deployed); printed: its RSS once imported (VmRSS, MB) and its wall time
(median of --runs, s). The stages: Python alone; Flask; + SQLAlchemy's ORM; + psycopg and
SQLAlchemy's PostgreSQL dialect (the three a command or a page cannot do without); + the other
libraries the application imports at start (Flask-Login, Flask-WTF, Flask-Limiter, argon2-cffi);
`import wsgi` (the application built, production settings, no connection made); and
`flask --app wsgi --help` itself. With --breakdown, what building the application allocates, by
kind (tracemalloc, in process): the models' SQLAlchemy structures, the modules' code, routes...
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RSS = ("import sys\nwith open('/proc/self/status') as f:\n"
       "    sys.stdout.write(next(l.split()[1] for l in f if l.startswith('VmRSS')))\n")
STACK = "import flask\nimport sqlalchemy.orm\n"
DRIVER = "import psycopg\nimport sqlalchemy.dialects.postgresql.psycopg\n"
OTHERS = "import flask_login, flask_wtf, flask_limiter, argon2, itsdangerous, wtforms\n"
STAGES = [
    ("Python", ""),
    ("+ Flask", "import flask\n"),
    ("+ SQLAlchemy ORM", STACK),
    ("+ psycopg, PostgreSQL dialect", STACK + DRIVER),
    ("+ the other libraries imported at start", STACK + DRIVER + OTHERS),
    ("import wsgi (the application built)", "import wsgi\n"),
]
ENV = {"TAXESEJOUR_ENV": "production", "SECRET_KEY": "floors-" + "k" * 48,
       # Nobody listens there: building the application connects to nothing.
       "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none",
       "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0"}


def env() -> dict:
    values = {k: v for k, v in os.environ.items() if not k.startswith(("TAXESEJOUR_", "FLASK_"))}
    return {**values, **ENV}


def run(argv: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env(), capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def stage(code: str, runs: int) -> tuple[float, float]:
    times, rss = [], 0.0
    for _ in range(runs):
        elapsed, out = run([sys.executable, "-c", code + RSS])
        times.append(elapsed)
        rss = int(out.strip().splitlines()[-1]) / 1024
    return rss, statistics.median(times)


def breakdown() -> None:
    """What building the application allocates, by the innermost frame's owner."""
    import tracemalloc

    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    exec(STACK + DRIVER + OTHERS)  # noqa: S102 - this file's own constants
    tracemalloc.start(30)
    before = tracemalloc.take_snapshot()
    import sqlalchemy.orm

    import wsgi  # noqa: F401
    sqlalchemy.orm.configure_mappers()
    after = tracemalloc.take_snapshot()
    kinds: collections.Counter = collections.Counter()
    for stat in after.compare_to(before, "traceback"):
        if stat.size_diff <= 0:
            continue
        inner = stat.traceback[-1].filename
        if "importlib" in inner:
            kind = "modules' code (functions, classes, constants)"
        elif "site-packages/" in inner:
            kind = inner.split("site-packages/")[1].split("/")[0]
        elif inner.startswith(tuple(str(ROOT / d) for d in ("plateforme", "tenants", "config"))):
            kind = "ours: module-level objects (functions, classes, tables)"
        else:
            kind = "standard library: " + Path(inner).name
        kinds[kind] += stat.size_diff
    print(f"\nBuilding the application allocates {sum(kinds.values()) / 2**20:.1f} MiB "
          "(tracemalloc, after the libraries above are imported):")
    for kind, size in kinds.most_common(12):
        print(f"  {size / 2**20:5.2f} MiB  {kind}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--breakdown", action="store_true")
    a = parser.parse_args()
    run([sys.executable, "-m", "compileall", "-q", "plateforme", "tenants", "config",
         "migrations", "wsgi.py"])
    print("| stage | RSS (MB) | wall time (s) |\n| --- | --- | --- |")
    for name, code in STAGES:
        rss, elapsed = stage(code, a.runs)
        print(f"| {name} | {rss:.1f} | {elapsed:.2f} |", flush=True)
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "--help"]
    print(f"| flask --app wsgi --help |  | "
          f"{statistics.median(run(flask)[0] for _ in range(a.runs)):.2f} |")
    if a.breakdown:
        breakdown()


if __name__ == "__main__":
    main()
