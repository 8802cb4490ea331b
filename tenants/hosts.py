"""Hosts (hébergeurs) and their accommodations (hébergements), with the tax's natures and
classements.

A host's account goes through: letter to send → waiting for activation (a live code was
issued) → active (a password was chosen). Hosts imported from before 2019 are `legacy` until they
reset their password. The collectivité can disable an account at any time.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import datetime

import phonenumbers
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from plateforme.database import TenantModel
from plateforme.errors import UserError
from plateforme.registry import utcnow

CIVILITIES = {"M.": "Monsieur", "Mme": "Madame"}

#: Natures of accommodation of the tax (CGCT L2333-30 / L2333-41), with the classements each
#: admits. "non_classe" is "non classé ou en attente de classement"; natures without a star
#: system take "sans_objet".
NATURES = {
    "palace": ("Palace", ("palace",)),
    "hotel": ("Hôtel de tourisme", ("non_classe", "1", "2", "3", "4", "5")),
    "residence": ("Résidence de tourisme", ("non_classe", "1", "2", "3", "4", "5")),
    "meuble": ("Meublé de tourisme", ("non_classe", "1", "2", "3", "4", "5")),
    "village_vacances": ("Village de vacances", ("non_classe", "1", "2", "3", "4", "5")),
    "chambre_hotes": ("Chambre d'hôtes", ("sans_objet",)),
    "auberge_collective": ("Auberge collective", ("sans_objet",)),
    "camping": ("Terrain de camping ou de caravanage", ("non_classe", "1", "2", "3", "4", "5")),
    "aire_camping_car": ("Aire de camping-cars ou parc de stationnement touristique",
                         ("sans_objet",)),
    "port_plaisance": ("Port de plaisance", ("sans_objet",)),
    "non_classe": ("Autre hébergement sans classement", ("non_classe",)),
}

CLASSEMENTS = {
    "non_classe": "Non classé ou en attente de classement",
    "1": "1 étoile",
    "2": "2 étoiles",
    "3": "3 étoiles",
    "4": "4 étoiles",
    "5": "5 étoiles",
    "palace": "Palace",
    "sans_objet": "Sans objet",
}

POSTAL_CODE_RE = re.compile(r"\d{5}")


class Host(TenantModel):
    __tablename__ = "hosts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The collectivité's own identifier, used to attach several hébergements to one host.
    reference: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    civility: Mapped[str] = mapped_column(sa.String(4))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    address: Mapped[str] = mapped_column(sa.String(200))
    postal_code: Mapped[str] = mapped_column(sa.String(5))
    city: Mapped[str] = mapped_column(sa.String(100))
    # The login identifier, stored normalised (lower case).
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(20))  # E.164
    legacy: Mapped[bool] = mapped_column(default=False)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    # Rotated whenever every session and remembered browser must end (password change or reset,
    # disabling): sessions and remember tokens carry the value they were made with.
    auth_version: Mapped[str] = mapped_column(
        sa.String(32), default=lambda: secrets.token_hex(16))
    activated_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    hebergements: Mapped[list[Hebergement]] = relationship(
        back_populates="host", order_by="Hebergement.id", cascade="all, delete-orphan")

    __table_args__ = (
        sa.Index("uq_hosts_email", "email", unique=True),
        sa.CheckConstraint("civility IN ('M.', 'Mme')", name="civility"),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def salutation(self) -> str:
        return CIVILITIES.get(self.civility, "Madame, Monsieur")

    @property
    def can_log_in(self) -> bool:
        return self.password_hash is not None and self.disabled_at is None

    def rotate_auth_version(self) -> None:
        self.auth_version = secrets.token_hex(16)


class Hebergement(TenantModel):
    __tablename__ = "hebergements"

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.String(200))
    postal_code: Mapped[str] = mapped_column(sa.String(5))
    city: Mapped[str] = mapped_column(sa.String(100))
    nature: Mapped[str] = mapped_column(sa.String(30))
    classement: Mapped[str] = mapped_column(sa.String(20))
    capacity: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    host: Mapped[Host] = relationship(back_populates="hebergements")

    __table_args__ = (sa.CheckConstraint("capacity > 0", name="capacity"),)

    @property
    def nature_label(self) -> str:
        return NATURES.get(self.nature, (self.nature,))[0]

    @property
    def classement_label(self) -> str:
        return CLASSEMENTS.get(self.classement, self.classement)


# --- normalising what people type ---------------------------------------------------------


def _plain(text: str) -> str:
    """Lower case, accents and punctuation folded: what aliases are compared on."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


_CIVILITY_ALIASES = {"m": "M.", "mr": "M.", "monsieur": "M.", "mme": "Mme", "madame": "Mme",
                     "mlle": "Mme", "mademoiselle": "Mme"}

_NATURE_ALIASES = {_plain(label): key for key, (label, _c) in NATURES.items()}
_NATURE_ALIASES.update({_plain(key): key for key in NATURES})
_NATURE_ALIASES.update({
    "hotel": "hotel", "hotels": "hotel", "residence": "residence", "meuble": "meuble",
    "meuble de tourisme": "meuble", "location meublee": "meuble", "gite": "meuble",
    "chambre d hotes": "chambre_hotes", "chambres d hotes": "chambre_hotes",
    "village de vacances": "village_vacances", "camping": "camping",
    "aire de camping car": "aire_camping_car", "aire camping car": "aire_camping_car",
    "port de plaisance": "port_plaisance", "auberge collective": "auberge_collective",
    "non classe": "non_classe", "sans classement": "non_classe", "palaces": "palace",
})

_CLASSEMENT_ALIASES = {
    "non classe": "non_classe", "nc": "non_classe", "0": "non_classe",
    "en attente de classement": "non_classe", "sans classement": "non_classe",
    "sans objet": "sans_objet", "": "sans_objet", "palace": "palace",
}
for _n in "12345":
    for _form in (_n, f"{_n} etoile", f"{_n} etoiles", f"{_n} e", f"{_n} star", f"{_n} stars"):
        _CLASSEMENT_ALIASES[_form] = _n


def parse_civility(value: str) -> str:
    civility = _CIVILITY_ALIASES.get(_plain(value))
    if civility is None:
        raise UserError(f"civilité « {value} » inconnue (M. ou Mme)")
    return civility


def parse_nature(value: str) -> str:
    nature = _NATURE_ALIASES.get(_plain(value))
    if nature is None:
        raise UserError(f"nature « {value} » inconnue")
    return nature


def parse_classement(value: str, nature: str) -> str:
    classement = _CLASSEMENT_ALIASES.get(_plain(value).replace(" etoile s", " etoiles"))
    allowed = NATURES[nature][1]
    if classement == "sans_objet" and "sans_objet" not in allowed and len(allowed) == 1:
        classement = allowed[0]
    if classement is None or classement not in allowed:
        labels = ", ".join(CLASSEMENTS[c] for c in allowed)
        raise UserError(f"classement « {value} » impossible pour un(e) "
                        f"{NATURES[nature][0].lower()} (attendu : {labels})")
    return classement


def parse_capacity(value) -> int:
    try:
        capacity = int(str(value).strip())
    except ValueError:
        raise UserError(f"capacité « {value} » invalide (nombre entier attendu)") from None
    if not 1 <= capacity <= 100_000:
        raise UserError(f"capacité « {value} » invalide (entre 1 et 100 000)")
    return capacity


def parse_postal_code(value: str) -> str:
    value = (value or "").strip().replace(" ", "")
    if not POSTAL_CODE_RE.fullmatch(value):
        raise UserError(f"code postal « {value} » invalide (5 chiffres)")
    return value


def parse_email(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise UserError(f"adresse électronique « {value} » invalide") from None


def parse_phone(value: str | None) -> str | None:
    """A French (or international) number, stored E.164."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise UserError(f"numéro de téléphone « {value} » invalide")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str | None) -> str:
    """French format for French numbers ("04 75 12 34 56"), international otherwise."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "FR")
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def required(value: str | None, label: str, max_length: int) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise UserError(f"{label} manquant(e)")
    if len(value) > max_length:
        raise UserError(f"{label} trop long(ue) ({max_length} caractères au plus)")
    return value


# --- queries ------------------------------------------------------------------------------


def by_email(session: Session, email: str) -> Host | None:
    try:
        normalised = parse_email(email)
    except UserError:
        return None
    if normalised is None:
        return None
    return session.scalar(sa.select(Host).where(Host.email == normalised))


def email_taken(session: Session, email: str, except_host: Host | None = None) -> bool:
    query = sa.select(Host.id).where(Host.email == email)
    if except_host is not None:
        query = query.where(Host.id != except_host.id)
    return session.scalar(query) is not None
