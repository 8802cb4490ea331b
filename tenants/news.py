"""The collectivité's news ("ACTUALITÉS"), newest first."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from plateforme.database import TenantModel
from plateforme.registry import utcnow


class NewsItem(TenantModel):
    __tablename__ = "news_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    # None while a draft; in the future when scheduled.
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    pinned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def state(self) -> str:
        if self.published_at is None:
            return "Brouillon"
        if self.published_at > utcnow():
            return "Programmée"
        return "Publiée"


def all_items(session: Session) -> list[NewsItem]:
    """Every item for the console: drafts and scheduled ones first, then newest."""
    return list(session.scalars(sa.select(NewsItem).order_by(
        NewsItem.published_at.is_(None).desc(), NewsItem.published_at.desc(),
        NewsItem.id.desc())))


def published(session: Session, limit: int = 10) -> list[NewsItem]:
    now = utcnow()
    query = (sa.select(NewsItem)
             .where(NewsItem.published_at.is_not(None), NewsItem.published_at <= now)
             .order_by(NewsItem.pinned.desc(), NewsItem.published_at.desc(), NewsItem.id.desc())
             .limit(limit))
    return list(session.scalars(query))
