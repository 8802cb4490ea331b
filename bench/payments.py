"""Payments' benchmark (issue 10), run by hand; figures go to the issue note.

    .venv/bin/python -m bench.payments [--backend sqlite|postgresql] [--hebergements 5000]
        [--requests 20]

The collectivité of `bench.declarations`' page benchmark (H hébergements, January to October
2026 declared in bulk, ~38,000 declarations for 5,000), then payments in bulk: for ~75 % of the
hosts, one payment per month declared (card, transfer or cheque) paying that month's validated
declarations in full, 5 % of them partly; plus one PayFiP payment still open. Then, as an agent
logged into the console (Flask test client, in process), median and p95 over R requests after
warm-up: the console's home (collected / outstanding over every period), the accounts of 2026
(`/admin/paiements/?annee=2026`), the list of payments, a host's account, and the CSV export.
One payment is also recorded through the product (`paying.record`: allocation, quittance PDF,
credit), timed apart. The figures are checked: what the accounts say was collected equals the
sum of the payments inserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from bench.declarations import (
    build_collectivite,
    console_client,
    make_agent,
    make_app,
    p95,
    tenant_with_deliberation,
    timed_get,
)


def add_payments(app, tenant, seed: int = 11) -> dict:
    import sqlalchemy as sa

    from plateforme.database import db
    from tenants.core.dates import utcnow
    from tenants.declarations.models import Declaration
    from tenants.hosts.models import Hebergement
    from tenants.payments.models import Allocation, Payment

    rng = random.Random(seed)
    now = utcnow()
    with app.app_context(), db.tenant_context(tenant):
        session = db.session
        rows = session.execute(
            sa.select(Declaration.id, Declaration.hebergement_id, Declaration.period,
                      Declaration.deadline, Declaration.amount, Hebergement.host_id)
            .join(Hebergement).where(Declaration.status == "validee",
                                     Declaration.amount > 0)
            .order_by(Hebergement.host_id, Declaration.period)).all()
        by_host_month: dict[tuple[int, str], list] = {}
        for row in rows:
            by_host_month.setdefault((row.host_id, row.period), []).append(row)
        paying_hosts = {h for h, _p in by_host_month if rng.random() < 0.75}
        payments, allocations, collected, payment_id = [], [], Decimal(0), 0
        for (host_id, _period), found in by_host_month.items():
            if host_id not in paying_hosts:
                continue
            payment_id += 1
            means = rng.choice(("payfip", "payfip", "virement", "cheque"))
            partial = rng.random() < 0.05
            parts = [(r, (r.amount / 2).quantize(Decimal("0.01")) if partial else r.amount)
                     for r in found]
            total = sum((amount for _r, amount in parts), Decimal(0))
            if total <= 0:
                continue
            received = found[0].deadline - timedelta(days=rng.randint(0, 20))
            payments.append({
                "id": payment_id, "number": f"P-2026-{payment_id:06d}", "host_id": host_id,
                "means": means, "status": "payee", "amount": total, "received_on": received,
                "bank_reference": "" if means == "payfip" else f"VIR {payment_id}",
                "refdet": f"TS2026{payment_id:014d}" if means == "payfip" else None,
                "id_op": f"op-{payment_id}" if means == "payfip" else None,
                "exer": "2026", "numcli": "123456" if means == "payfip" else "",
                "saisie": "T" if means == "payfip" else "", "resultrans": "",
                "numauto": "", "detail": "", "started_at": now, "confirmed_at": now,
                "recorded_by": "bench", "receipt_pdf": None})
            collected += total
            allocations += [{"payment_id": payment_id, "declaration_id": r.id,
                             "hebergement_id": r.hebergement_id, "period": r.period,
                             "amount": amount, "created_at": now} for r, amount in parts]
        for start in range(0, len(payments), 2_000):
            session.execute(sa.insert(Payment), payments[start:start + 2_000])
        for start in range(0, len(allocations), 2_000):
            session.execute(sa.insert(Allocation), allocations[start:start + 2_000])
        if not str(app.config["DATABASE_URL"]).startswith("sqlite"):  # ids given: move on
            session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('\"{tenant.schema}\".payments', 'id'), "
                f"{payment_id})"))
        session.commit()
    return {"payments": len(payments), "allocations": len(allocations),
            "collected": collected, "validated": len(rows)}


def measure(client, path: str, requests: int) -> tuple[float, float, str]:
    for _ in range(3):
        _elapsed, html = timed_get(client, path)
    times = [timed_get(client, path)[0] for _ in range(requests)]
    return statistics.median(times), p95(times), html


def run(args) -> None:
    from plateforme.database import db
    from tenants.audit.journal import Actor
    from tenants.hosts.models import Host
    from tenants.payments import accounts, paying
    from tests.conftest import create_database, drop_database

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'shared.db'}" if args.backend == "sqlite" \
            else create_database()
        try:
            app = make_app(url)
            tenant = tenant_with_deliberation(app, "paiements", "mensuelle")
            months = [f"2026-{m:02d}" for m in range(1, 11)]
            built = build_collectivite(app, tenant, args.hebergements, months, "2026-10")
            added = add_payments(app, tenant)
            print(f"[{args.backend}] {built['hebergements']} hébergements, {built['hosts']} "
                  f"hébergeurs, {built['declarations']} déclarations ({added['validated']} "
                  f"validées dues), {added['payments']} paiements, {added['allocations']} "
                  f"imputations, {added['collected']} € encaissés", flush=True)
            if args.backend == "postgresql":
                with app.app_context():
                    engine = app.extensions["taxesejour.db"].shared_engine
                    with engine.connect() as conn:
                        for table in ("declarations", "hebergements", "hosts", "payments",
                                      "payment_allocations"):
                            conn.exec_driver_sql(f'ANALYZE "{tenant.schema}".{table}')
                        conn.commit()
            with app.app_context(), db.tenant_context(tenant):
                found = accounts.by_period(db.session, 2026)
                total = found.total.total_collected
                assert total == added["collected"], (total, added["collected"])
                host = db.session.scalar(db.session.query(Host).order_by(Host.id).statement)
                host_id = host.id
                db.session.rollback()
            secret = make_agent(app, tenant, "agent@paiements.fr")
            client = console_client(app, tenant, "agent@paiements.fr", secret)
            print(f"{'page':48}{'médiane':>10}{'p95':>10}")
            for label, path in (("accueil de la console", "/admin/"),
                                ("comptes 2026", "/admin/paiements/?annee=2026"),
                                ("liste des paiements (200 derniers)", "/admin/paiements/liste"),
                                ("compte d'un hébergeur", f"/admin/paiements/hebergeurs/{host_id}"),
                                ("export CSV (tout)", "/admin/paiements/export.csv")):
                median, high, _html = measure(client, path, args.requests)
                print(f"{label:48}{median * 1000:>8.0f} ms{high * 1000:>8.0f} ms", flush=True)
            times = []
            for run_number in range(5):
                with app.app_context(), db.tenant_context(tenant):
                    host = db.session.get(Host, host_id + run_number)
                    start = time.perf_counter()
                    paying.record(db.session, host, Decimal("50.00"), "virement",
                                  date(2026, 11, 20), "VIR BANC", Actor(label="bench"))
                    db.session.commit()
                    times.append(time.perf_counter() - start)
            print(f"{'paying.record (imputation, quittance, commit)':48}"
                  f"{statistics.median(times) * 1000:>8.0f} ms{max(times) * 1000:>8.0f} ms "
                  "(max)")
            app.extensions["taxesejour.db"].dispose()
        finally:
            if args.backend == "postgresql":
                drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--hebergements", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}")
    run(args)


if __name__ == "__main__":
    main()
