"""The payments' panel of the console home (`tenants.core.dashboard`): what the period being
declared owes and what was paid for it, and the totals over every period — the accounts' own
figures (`accounts.by_period`, `accounts.totals`), never computed again here."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import Session

from tenants.core.dashboard import Figure, Panel, Task
from tenants.core.dates import paris_today
from tenants.declarations import filing
from tenants.declarations.home import due_period
from tenants.payments import accounts, ledger
from tenants.payments.ledger import PaymentStatus
from tenants.payments.models import Payment


def panel(session: Session) -> Panel:
    period = due_period(filing.calendar_of(session))
    year = period.start.year
    account = next((row for row in accounts.by_period(session, year).periods
                    if row.period == period.key), accounts.PeriodAccount(period.key))
    collected, outstanding = accounts.totals(session)
    index = url_for("console_payments.index", annee=year)
    return Panel(
        "Paiements",
        figures=(Figure(f"Dû pour {period.label}", account.due, index),
                 Figure(f"Payé pour {period.label}", account.total_collected, index),
                 Figure(f"Reste dû pour {period.label}", account.outstanding, index),
                 Figure("Encaissé", collected),
                 Figure("Reste à recouvrer sur les déclarations validées", outstanding)),
        link=Task("Les comptes par période", url_for("console_payments.index")))


def collected_this_year(session: Session) -> Decimal:
    """The operators' figure: what was paid since 1 January, by the day the money was received
    (a card payment's day when no other is recorded), as the accounts' export dates it."""
    day = sa.func.coalesce(Payment.received_on, sa.func.date(Payment.started_at))
    total = session.scalar(sa.select(sa.func.sum(Payment.amount)).where(
        Payment.status == PaymentStatus.PAYEE.value,
        day >= paris_today().replace(month=1, day=1)))
    return ledger.summed(total)
