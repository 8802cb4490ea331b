"""The declarations' panel of the console home (`tenants.core.dashboard`): where the period whose
declarations are due now stands — the same period and counts as the console's declarations page,
from `follow.overview`."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import Session

from tenants.core.dashboard import Figure, Panel, Task
from tenants.core.dates import french_date, paris_today, to_utc
from tenants.declarations import filing, follow
from tenants.declarations.calendar import Period
from tenants.declarations.filing import State, Status
from tenants.declarations.models import Declaration


def due_period(cal: filing.Calendar) -> Period:
    """The last period ended: the one hosts are declaring now (the console page's default)."""
    return cal.of(paris_today()).previous()


def panel(session: Session) -> Panel:
    cal = filing.calendar_of(session)
    period = due_period(cal)
    o = follow.overview(session, period, cal, paris_today())
    index = "console_declarations.index"

    def listed(state_filter: str | None = None) -> str:
        return url_for(index, periode=period.key, etat=state_filter)

    late = o.states[State.EN_RETARD]
    declared = sum(o.states[s] for s in follow.DECLARED)
    tasks = (Task(f"Relancer les {late} hébergement(s) en retard", listed("en_retard")),
             ) if late else ()
    return Panel(
        f"Déclarations {period.of_label}",
        figures=(Figure("Hébergements concernés", sum(o.states.values()), listed()),
                 Figure("Déclarées", declared, listed("declarees")),
                 Figure("En retard", late, listed("en_retard")),
                 Figure("Pas encore déclarées (à déclarer ou en brouillon)",
                        o.states[State.A_DECLARER] + o.states[State.BROUILLON],
                        listed("non_declarees")),
                 Figure("Taxe déclarée", o.declared.amount)),
        tasks=tasks, note=f"Échéance : {french_date(o.deadline)}.",
        link=Task("Toutes les déclarations de la période", listed()))


def validated_this_year(session: Session) -> int:
    """The operators' figure: declarations validated since 1 January (Paris), each in force
    once (a rectified one counts as its last version)."""
    start = to_utc(datetime.combine(date(paris_today().year, 1, 1), time()))
    return session.scalar(sa.select(sa.func.count()).select_from(Declaration).where(
        Declaration.status == Status.VALIDEE.value, Declaration.validated_at >= start))
