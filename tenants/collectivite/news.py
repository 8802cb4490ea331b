"""The collectivité's news ("ACTUALITÉS"): written, scheduled, published and pinned in the
console, shown to hosts newest first (pinned ones on top)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import Session

from plateforme import content
from plateforme.errors import UserError
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.collectivite.models import NewsItem
from tenants.core import validation
from tenants.core.dates import to_utc, utcnow


class NewsAction(enum.StrEnum):
    """What the console's buttons do to an item (the last segment of their URL)."""

    PUBLIER = "publier"
    DEPUBLIER = "depublier"
    EPINGLER = "epingler"
    DESEPINGLER = "desepingler"
    SUPPRIMER = "supprimer"


def all_items(session: Session) -> list[NewsItem]:
    """Every item for the console: drafts and scheduled ones first, then newest."""
    return list(session.scalars(sa.select(NewsItem).order_by(
        NewsItem.published_at.is_(None).desc(), NewsItem.published_at.desc(),
        NewsItem.id.desc())))


@dataclass(frozen=True)
class PublishedItem:
    """An item as hosts see it, its body already rendered (stored sanitised when saved)."""

    id: int
    title: str
    body_html: Markup
    published_at: datetime
    pinned: bool


def published(session: Session, limit: int = 10) -> list[PublishedItem]:
    """The items hosts see, pinned first then newest, from memory: what is scheduled is kept
    with them and appears when its time comes, without a change to invalidate anything."""
    now = utcnow()
    visible = [item for item in _shown_or_scheduled(session) if item.published_at <= now]
    visible.sort(key=lambda i: (i.pinned, i.published_at, i.id), reverse=True)
    return visible[:limit]


#: More than any page shows.
_KEPT = 20


@content.cached
def _shown_or_scheduled(session: Session) -> tuple[PublishedItem, ...]:
    """Every scheduled item, and the newest published ones (pinned first): enough for any
    moment until the next change, since an item only enters the list by being scheduled."""
    now = utcnow()
    order = (NewsItem.pinned.desc(), NewsItem.published_at.desc(), NewsItem.id.desc())
    scheduled = sa.select(NewsItem).where(NewsItem.published_at > now)
    shown = (sa.select(NewsItem).where(NewsItem.published_at.is_not(None),
                                       NewsItem.published_at <= now)
             .order_by(*order).limit(_KEPT))
    items = [*session.scalars(scheduled), *session.scalars(shown)]
    return tuple(PublishedItem(i.id, i.title, Markup(i.body_html), i.published_at,  # noqa: S704
                               i.pinned) for i in items)


def save(session: Session, item: NewsItem | None, data: dict, by: Actor) -> NewsItem:
    """Create (`item` None) or change an item; `published_at` is typed in Paris time."""
    if item is None:
        item = NewsItem(title="", body="")
        session.add(item)
    item.title = validation.required(data["title"], "Titre", 200)
    item.body = (data["body"] or "").strip()
    try:
        item.published_at = to_utc(data["published_at"])
    except OverflowError:  # 1 January of year 1 at midnight in Paris is before UTC's year 1
        raise UserError("Date de publication invalide : indiquez une date de notre "
                        "calendrier, comme 01/09/2026 à 09:00.") from None
    item.pinned = bool(data["pinned"])
    session.flush()
    journal.record(session, "news.saved", by, target=item.title, news_id=item.id,
                   state=item.state)
    return item


def act(session: Session, item: NewsItem, action: NewsAction, by: Actor) -> None:
    if action is NewsAction.PUBLIER:
        item.published_at = utcnow()
    elif action is NewsAction.DEPUBLIER:
        item.published_at = None
    elif action in (NewsAction.EPINGLER, NewsAction.DESEPINGLER):
        item.pinned = action is NewsAction.EPINGLER
    else:
        session.delete(item)
    journal.record(session, f"news.{action}", by, target=item.title, news_id=item.id)
