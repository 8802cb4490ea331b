"""What the platform's long operations left behind: the failures of provisionings and of
`flask tenants migrate` (the operators' health page lists the last ones), and the onboardings
started from the operators' pages (the first administrator to invite once the schema exists).

Failures are written on a transaction of their own: the operation that failed has rolled its
own back, and the record of why must survive it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from plateforme.database import SharedModel
from plateforme.registry import utcnow

KINDS = {"provisioning": "Provisionnement", "migration": "Migration"}


class OperationFailure(SharedModel):
    __tablename__ = "operation_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    # The slug as text, as in the platform journal: the line outlives the registry row.
    collectivite: Mapped[str] = mapped_column(sa.String(40), index=True)
    message: Mapped[str] = mapped_column(sa.Text)

    __table_args__ = (
        sa.CheckConstraint("kind IN ('provisioning', 'migration')", name="kind"),
    )

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


class Onboarding(SharedModel):
    """A collectivité created from the operators' pages: its first administrator is invited
    once its schema exists, by whichever run finishes the provisioning."""

    __tablename__ = "onboardings"

    id: Mapped[int] = mapped_column(primary_key=True)
    collectivite: Mapped[str] = mapped_column(sa.String(40), unique=True)
    admin_email: Mapped[str] = mapped_column(sa.String(254))
    requested_by: Mapped[str] = mapped_column(sa.String(254), default="")
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    invited_at: Mapped[datetime | None]
    invitation_error: Mapped[str | None] = mapped_column(sa.Text)


def one_line(exc: BaseException) -> str:
    return (" ".join(str(exc).split()) or type(exc).__name__)[:1000]


def record_failure(state, kind: str, slug: str, message: str) -> None:
    with state.shared_connection() as conn:
        conn.execute(sa.insert(OperationFailure.__table__).values(
            at=utcnow(), kind=kind, collectivite=slug, message=message[:1000]))


def recent_failures(session: Session, kind: str | None = None, slug: str | None = None,
                    limit: int = 20) -> list[OperationFailure]:
    query = sa.select(OperationFailure).order_by(OperationFailure.at.desc(),
                                                 OperationFailure.id.desc()).limit(limit)
    if kind:
        query = query.where(OperationFailure.kind == kind)
    if slug:
        query = query.where(OperationFailure.collectivite == slug)
    return list(session.scalars(query))
