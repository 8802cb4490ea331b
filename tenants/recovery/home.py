"""The recovery's panel of the console home (`tenants.core.dashboard`): open cases per step with
what they assess (`procedure.totals`), and today's documents to print."""

from __future__ import annotations

from flask import url_for
from sqlalchemy.orm import Session

from tenants.core.dashboard import Figure, Panel, Task
from tenants.core.dates import paris_today
from tenants.core.money import french
from tenants.recovery import procedure


def panel(session: Session) -> Panel:
    index = url_for("console_recovery.index")
    today = len(procedure.documents_of_day(session, paris_today()))
    figures = tuple(
        Figure(step.label, f"{count} dossier(s) ouvert(s)" + (
            f", {french(amount)} (taxe et intérêts)" if amount else ""), index)
        for step, (count, amount) in procedure.totals(session).items())
    tasks = (Task(f"Imprimer les {today} document(s) de recouvrement du jour", index),
             ) if today else ()
    return Panel("Recouvrement", figures=(*figures, Figure("Documents du jour à imprimer", today)),
                 tasks=tasks, link=Task("Les dossiers de recouvrement", index))
