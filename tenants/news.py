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


def published(session: Session, limit: int = 10) -> list[NewsItem]:
    now = utcnow()
    query = (sa.select(NewsItem)
             .where(NewsItem.published_at.is_not(None), NewsItem.published_at <= now)
             .order_by(NewsItem.pinned.desc(), NewsItem.published_at.desc(), NewsItem.id.desc())
             .limit(limit))
    return list(session.scalars(query))
