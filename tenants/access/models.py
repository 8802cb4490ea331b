"""What identity keeps in the collectivité's schema: login throttles, and the columns every
session row and remembered browser share (the host's and the agent's tables add their owner).

Nothing secret is stored: tokens are kept as keyed digests (`tenants.core.keys`).
"""

from __future__ import annotations

from datetime import datetime

import flask_login
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plateforme.database import TenantModel
from tenants.core.dates import utcnow


class Person(flask_login.UserMixin):
    """Someone who logs in (a host, an agent), as Flask-Login sees them. `audience` names the
    space they log into; `auth_version` is rotated to end every session of theirs at once."""

    audience: str = ""

    @property
    def is_active(self) -> bool:
        return self.can_log_in

    def get_id(self) -> str:
        return f"{self.audience}:{self.id}"


class SessionRow:
    """A logged-in browser. The cookie holds a random token; the row holds its digest, so
    logging out (deleting the row) makes a copied cookie worthless."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    auth_version: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]  # absolute limit


class RememberRow:
    """"Se souvenir de moi": a selector to find the row, a validator compared in constant time,
    at most REMEMBER_DAYS after the login that created it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    selector: Mapped[str] = mapped_column(sa.String(32), unique=True)
    validator_digest: Mapped[str] = mapped_column(sa.String(64))
    auth_version: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class LoginThrottle(TenantModel):
    """Failed logins per budget (CNIL 2022-100, case 2): after 5 consecutive failures each
    further try waits, 1 minute then doubling up to 1 hour; at most 25 failures in 24 hours.
    A budget is an identifier's (keyed by the digest of what was typed, whether or not such an
    account exists, so that the throttle itself reveals nothing), or one known browser's for
    that identifier (`tenants.access.throttle`), so an attacker cannot keep the owner out.
    `account_key` names the identifier's budget a row belongs to: a completed password reset
    clears them all."""

    __tablename__ = "login_throttles"

    key_digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    account_key: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    consecutive: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow)
    window_failures: Mapped[int] = mapped_column(default=0)
    blocked_until: Mapped[datetime | None]
