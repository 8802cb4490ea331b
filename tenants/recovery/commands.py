"""`flask recovery run [SLUG ...] [--date AAAA-MM-JJ]`: the procedure as of a day, for cron (and
for catching up after a missed night): one line per step taken, nothing done twice."""

from __future__ import annotations

from datetime import date

import click

from plateforme import jobs, registry
from plateforme.cli import CommandGroup, bound
from plateforme.database import db
from plateforme.errors import UserError
from tenants.audit.journal import Actor
from tenants.core.dates import paris_today
from tenants.declarations import filing
from tenants.recovery import procedure

recovery_group = CommandGroup("recovery", help="Recouvrement : rappels, mises en demeure, "
                                               "taxations d'office.")


@recovery_group.command("run")
@click.argument("slugs", nargs=-1)
@click.option("--date", "day", help="Agir comme ce jour-là (AAAA-MM-JJ ; par défaut "
                                    "aujourd'hui).")
def run_command(slugs, day):
    """Move every case whose delay has passed (every active collectivité when none is named)."""
    try:
        today = date.fromisoformat(day) if day else paris_today()
    except ValueError:
        raise UserError(f"Date « {day} » invalide : écrivez-la AAAA-MM-JJ.") from None
    if not slugs:
        slugs = [c.slug for c in registry.all_collectivites(db.session) if c.status == "active"]
        db.session.commit()
    by = Actor(label="flask recovery run")
    for slug in slugs:
        with bound(slug) as tenant:
            taken = procedure.run(db.session, tenant.schema, filing.calendar_of(db.session),
                                  today, by)
            db.session.commit()
            lines = [item.line() for item in taken]
        for line in lines:
            click.echo(line)
        click.echo(f"{slug} : {len(lines)} étape(s) au {today:%d/%m/%Y}.")


@jobs.daily("recovery.run", "Recouvrement (mises en demeure, taxations d'office)")
def recovery_daily(tenant) -> None:
    procedure.run(db.session, tenant.schema, filing.calendar_of(db.session), paris_today(),
                  Actor(label="recouvrement quotidien"))
