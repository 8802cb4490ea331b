"""What the collectivité does to its hosts from the console: find them, create and correct them,
disable them, have a reset email sent on their behalf. Plain functions on a session, each
journaled with the agent who acted."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from plateforme import mail
from plateforme.errors import UserError
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.collectivite import legal
from tenants.collectivite.models import Acceptance
from tenants.core.dates import utcnow
from tenants.core.keys import Keys
from tenants.core.validation import parse_email
from tenants.hosts import accounts, codes, natures, profile
from tenants.hosts.models import AccountState, ActivationCode, Hebergement, Host

INSEE_RE = re.compile(r"\d{5}|2[AB]\d{3}")


class HostAction(enum.StrEnum):
    """The buttons of a host's console page (the last segment of their URL)."""

    DESACTIVER = "desactiver"
    REACTIVER = "reactiver"
    REINITIALISER = "reinitialiser"
    COURRIER = "courrier"


def _state_condition(state: AccountState):
    has_code = sa.exists().where(ActivationCode.host_id == Host.id)
    enabled = Host.disabled_at.is_(None)
    no_password = Host.password_hash.is_(None)
    return {
        AccountState.DESACTIVE: Host.disabled_at.is_not(None),
        AccountState.ACTIF: sa.and_(enabled, Host.password_hash.is_not(None)),
        AccountState.ANCIEN: sa.and_(enabled, no_password, Host.legacy.is_(True)),
        AccountState.ATTENTE: sa.and_(enabled, no_password, Host.legacy.is_(False), has_code),
        AccountState.COURRIER: sa.and_(enabled, no_password, Host.legacy.is_(False), ~has_code),
    }[state]


@dataclass
class Filters:
    text: str = ""
    commune: str = ""
    nature: str = ""
    classement: str = ""
    state: str = ""


def search(session: Session, filters: Filters, page: int = 1, per_page: int = 50):
    """Hosts matching the filters (name, email, reference, commune of the host or of one of
    their hébergements…), with their state; and the total."""
    query = sa.select(Host)
    if filters.text:
        pattern = f"%{filters.text.lower()}%"
        query = query.where(sa.or_(
            sa.func.lower(Host.last_name).like(pattern),
            sa.func.lower(Host.first_name).like(pattern),
            sa.func.lower(sa.func.coalesce(Host.email, "")).like(pattern),
            sa.func.lower(sa.func.coalesce(Host.reference, "")).like(pattern),
            Host.hebergements.any(sa.func.lower(Hebergement.name).like(pattern))))
    if filters.commune:
        pattern = f"%{filters.commune.lower()}%"
        query = query.where(sa.or_(sa.func.lower(Host.city).like(pattern),
                                   Host.hebergements.any(
                                       sa.func.lower(Hebergement.city).like(pattern))))
    if filters.nature in natures.NATURES:
        query = query.where(Host.hebergements.any(Hebergement.nature == filters.nature))
    if filters.classement in natures.CLASSEMENTS:
        query = query.where(Host.hebergements.any(Hebergement.classement == filters.classement))
    if filters.state in set(AccountState):
        query = query.where(_state_condition(AccountState(filters.state)))
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = session.scalars(query.options(selectinload(Host.hebergements))
                           .order_by(Host.last_name, Host.first_name, Host.id)
                           .limit(per_page).offset((page - 1) * per_page)).all()
    with_code = codes.hosts_with_codes(session, [h.id for h in rows])
    return [(h, AccountState.of(h, h.id in with_code)) for h in rows], total


def state(session: Session, host: Host) -> AccountState:
    return AccountState.of(host, codes.live_code(session, host) is not None)


def counts(session: Session) -> dict[str, int]:
    """Hosts, and those with an active account."""
    return {
        "hosts": session.scalar(sa.select(sa.func.count()).select_from(Host)),
        "active": session.scalar(sa.select(sa.func.count()).select_from(Host).where(
            Host.password_hash.is_not(None), Host.disabled_at.is_(None))),
    }


def set_reference(session: Session, host: Host, reference: str | None) -> None:
    """The collectivité's own identifier, unique among its hosts (or none)."""
    reference = (reference or "").strip() or None
    if reference and reference != host.reference and session.scalar(
            sa.select(Host.id).where(Host.reference == reference)):
        raise UserError(f"La référence « {reference} » est déjà utilisée.")
    host.reference = reference


def set_email(session: Session, host: Host, email: str | None) -> None:
    normalised = parse_email(email)
    if normalised and accounts.email_taken(session, normalised, except_host=host):
        raise UserError("Cette adresse électronique est déjà utilisée par un autre compte.")
    if normalised != host.email:
        host.email = normalised


def create_host(session: Session, data: dict, hebergement: dict, by: Actor) -> Host:
    """A host and their first hébergement, from the console's form."""
    host = Host(civility="M.", last_name="", first_name="", address="", postal_code="",
                city="")
    profile.update_details(host, data)
    host.email = parse_email(data.get("email"))
    if host.email and accounts.email_taken(session, host.email):
        raise UserError("Cette adresse électronique est déjà utilisée par un autre compte.")
    set_reference(session, host, data.get("reference"))
    host.hebergements.append(profile.new_hebergement(hebergement))
    session.add(host)
    session.flush()
    journal.record(session, "host.created", by, target=host.full_name, host_id=host.id)
    return host


def update_host(session: Session, host: Host, data: dict, by: Actor) -> None:
    profile.update_details(host, data)
    set_email(session, host, data.get("email"))
    set_reference(session, host, data.get("reference"))
    journal.record(session, "host.updated", by, target=host.full_name, host_id=host.id)


def add_hebergement(session: Session, host: Host, data: dict, by: Actor) -> Hebergement:
    item = profile.new_hebergement(data)
    _collectivite_fields(session, item, data)
    host.hebergements.append(item)
    journal.record(session, "hebergement.created", by, target=item.name, host_id=host.id)
    return item


def update_hebergement(session: Session, item: Hebergement, data: dict, by: Actor) -> None:
    profile.update_hebergement(item, data)
    _collectivite_fields(session, item, data)
    journal.record(session, "hebergement.updated", by, target=item.name,
                   hebergement_id=item.id)


def _collectivite_fields(session: Session, item: Hebergement, data: dict) -> None:
    """What only the collectivité sets: the reference (unique), the INSEE code, the date
    declarations are asked from."""
    reference = (data.get("reference") or "").strip() or None
    if reference and reference != item.reference and session.scalar(
            sa.select(Hebergement.id).where(Hebergement.reference == reference)):
        raise UserError(f"La référence d'hébergement « {reference} » est déjà utilisée.")
    item.reference = reference
    insee = (data.get("insee") or "").strip().upper() or None
    if insee is not None and not INSEE_RE.fullmatch(insee):
        raise UserError(f"Code INSEE « {insee} » invalide (5 caractères, par exemple 07019).")
    item.insee = insee
    item.started_on = data.get("started_on")


def disable(session: Session, host: Host) -> None:
    """The host can no longer log in; every session and remembered browser ends now."""
    host.disabled_at = utcnow()
    accounts.end_all_sessions(session, host)


def act(session: Session, keys: Keys, host: Host, action: HostAction, by: Actor,
        reset_minutes: int) -> str:
    """Disable, re-enable, or email a reset link; returns what to tell the agent. (Letters,
    the fourth button, are a file: `letters.produce`.)"""
    if action is HostAction.DESACTIVER:
        disable(session, host)
        message = "Compte désactivé ; ses sessions sont fermées."
    elif action is HostAction.REACTIVER:
        host.disabled_at = None
        message = "Compte réactivé."
    else:
        email = accounts.request_reset(session, keys, host.email or "", reset_minutes)
        if email is None:
            raise UserError("Pas de courriel : cet hébergeur n'a pas d'adresse électronique.")
        mail.send_after_commit(session, email)
        message = f"Courriel de réinitialisation envoyé à {host.email}."
    journal.record(session, f"host.{action}", by, target=host.full_name, host_id=host.id)
    return message


# --- who accepted the legal texts (a panel of the collectivité's page) ---------------------


def active_accounts(session: Session) -> int:
    return counts(session)["active"]


def acceptance_stats(session: Session, kind: str):
    """Per version of `kind`, newest first: (document, hosts who accepted it, active
    accounts)."""
    accounts_count = active_accounts(session)
    return [(document, legal.accepted_count(session, document), accounts_count)
            for document in legal.versions(session, kind)]


def acceptances(session: Session, document):
    """Who has not accepted `document` yet (active accounts), and who has, with when."""
    accepted = sa.select(Acceptance.host_id).where(Acceptance.document_id == document.id)
    waiting = session.scalars(sa.select(Host).where(
        Host.password_hash.is_not(None), Host.disabled_at.is_(None), Host.id.not_in(accepted))
        .order_by(Host.last_name, Host.first_name)).all()
    done = session.execute(sa.select(Host, Acceptance.accepted_at)
                           .join(Acceptance, Acceptance.host_id == Host.id)
                           .where(Acceptance.document_id == document.id)
                           .order_by(Host.last_name, Host.first_name)).all()
    return waiting, done
