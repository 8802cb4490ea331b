"""Help for hosts ("Besoin d'aide"): the guided tour's steps and the collectivité's tutorials."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from plateforme.database import TenantModel
from plateforme.registry import utcnow


class Tutorial(TenantModel):
    """A tutorial ("TUTORIELS"): a video or a page, hosted anywhere, shown as a link."""

    __tablename__ = "tutorials"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    url: Mapped[str] = mapped_column(sa.String(500))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[str] = mapped_column(sa.String(10), default="lien")  # "video" or "lien"
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def add_tutorial(session: Session, title: str, url: str, kind: str, description: str = ""):
    from urllib.parse import urlsplit

    from plateforme.errors import UserError
    from tenants import hosts

    title = hosts.required(title, "Titre", 200)
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or len(url) > 500:
        raise UserError("Adresse refusée : un lien https:// complet est attendu.")
    if kind not in ("video", "lien"):
        raise UserError("Type de tutoriel inconnu.")
    last = session.scalar(sa.select(sa.func.max(Tutorial.position))) or 0
    tutorial = Tutorial(title=title, url=url, kind=kind, description=(description or "")[:1000],
                        position=last + 1)
    session.add(tutorial)
    session.flush()
    return tutorial


def tutorials(session: Session) -> list[Tutorial]:
    return list(session.scalars(sa.select(Tutorial).order_by(Tutorial.position, Tutorial.id)))


#: The guided tour ("VISITE GUIDÉE"): each step names the dashboard section it explains (the
#: element's id) and what to do there. Served by the app itself, as a page without JavaScript
#: and as an overlay with it.
TOUR = (
    ("tableau-de-bord", "Votre tableau de bord",
     "Tout votre espace hébergeur part d'ici : vos informations, vos hébergements, vos "
     "documents, les actualités de votre collectivité et l'aide."),
    ("mes-informations", "Vos informations personnelles",
     "Vérifiez et modifiez votre adresse postale, votre téléphone, votre courriel de connexion "
     "et votre mot de passe. Le mot de passe actuel vous est demandé pour changer le courriel "
     "ou le mot de passe."),
    ("mes-hebergements", "Vos hébergements et leurs classements",
     "Chaque hébergement déclaré à votre nom apparaît ici. Tenez à jour son adresse, sa nature, "
     "son classement et sa capacité : ils déterminent le tarif de la taxe."),
    ("mes-documents", "Mes documents",
     "Téléchargez le guide de la télédéclaration de votre collectivité."),
    ("actualites", "Actualités",
     "Votre collectivité y publie ses informations et le numéro de son service technique."),
    ("besoin-d-aide", "Besoin d'aide",
     "Retrouvez cette visite guidée et les tutoriels de votre collectivité."),
)
