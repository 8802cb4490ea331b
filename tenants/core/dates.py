"""Time as the product keeps it: UTC in the database (naive datetimes), Paris time on screen and
in forms, French dates on paper."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from plateforme.registry import utcnow

__all__ = ["french_date", "paris_today", "to_paris", "to_utc", "utcnow"]

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def to_utc(paris: datetime | None) -> datetime | None:
    """A time typed in Paris, as stored (UTC)."""
    if paris is None:
        return None
    return paris.replace(tzinfo=PARIS).astimezone(UTC).replace(tzinfo=None)


def to_paris(utc: datetime | None) -> datetime | None:
    """A stored time (UTC), as read in Paris."""
    if utc is None:
        return None
    return utc.replace(tzinfo=UTC).astimezone(PARIS).replace(tzinfo=None)


def paris_today() -> date:
    """Today in France: what a deadline or the end of a period is compared with."""
    return to_paris(utcnow()).date()


def french_date(day: date) -> str:
    """'1er janvier 2019', '24 février 2027': no locale, whatever the server's settings."""
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"
