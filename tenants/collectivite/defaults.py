"""What a new collectivité's schema starts with: CGU v1, privacy policy v1, settings, a welcome.

Each step checks what is already there, so that provisioning can run again after a failure and
finish the job without duplicating anything.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tenants.collectivite import legal
from tenants.collectivite.models import NewsItem, Settings
from tenants.core.dates import utcnow
from tenants.core.french import elide

TEXTS = Path(__file__).parent / "texts"


def render_default_text(kind: str, **values) -> str:
    return Template((TEXTS / f"{kind}.md").read_text(encoding="utf-8")).substitute(values)


def seed(session: Session, *, name: str, address: str, platform: str, operator: str) -> None:
    if session.get(Settings, 1) is None:
        session.add(Settings(id=1, display_name=name, support_phone=""))
    values = {"collectivite": name, "adresse": address, "plateforme": platform,
              "operateur": operator}
    for kind in legal.KINDS:
        if legal.current(session, kind) is None:
            legal.publish(session, kind, render_default_text(kind, **values))
    if session.scalar(sa.select(sa.func.count()).select_from(NewsItem)) == 0:
        session.add(NewsItem(
            title=elide("Bienvenue sur l'espace hébergeur de", name),
            body=(f"{name} met à votre disposition cette plateforme pour déclarer vos nuitées "
                  "et reverser la taxe de séjour en ligne. Le numéro de son service technique "
                  "figure sur chaque page de cet espace."),
            published_at=utcnow(), pinned=True))
