"""Outgoing email, behind one function so that no view talks to an SMTP server itself.

Callers describe a message (`Email`) and call `send`; the backend is a setting. Production relays
through SMTP; the demo writes `.eml` files that can be opened without any mail server; tests keep
messages in memory and read them back with `outbox`. Every backend receives the same
`EmailMessage`, and the memory backend keeps it as a recipient would parse it, so a message that
cannot be serialised fails in the tests, not in production.

Addresses and header values come from users (a host's address, a collectivité's name), so a line
break in them is refused when the `Email` is built: it could otherwise add headers or recipients.
Bodies are sent quoted-printable over SMTP, so any relay accepts them, 8BITMIME or not; the
demo's `.eml` files are written 8-bit, so that a person reading one in a text editor finds every
link whole (quoted-printable cuts lines at 76 characters, links included). An HTML alternative
may carry inline images (the collectivité's logo), referenced as `cid:` URLs.

A failure to send raises `MailError`, whose message is one French sentence that names the server
but never the credentials; the underlying exception stays chained for the logs. One SMTP connection
per message: the volume is low and nothing has to be kept alive between requests.
"""

from __future__ import annotations

import contextlib
import email
import email.errors
import email.policy
import logging
import os
import re
import secrets
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import idna
from flask import Flask, current_app
from sqlalchemy.orm import Session

from config import Config, ConfigurationError
from plateforme import jobs

log = logging.getLogger(__name__)

EXTENSION_KEY = "taxesejour.mail"
BACKENDS = ("smtp", "file", "memory")

# Anything a mail reader or str.splitlines() could take for the end of a header line.
_LINE_BREAK = re.compile(r"[\r\n\x00\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_FAILED = "Le courriel n'a pas pu être envoyé"


class MailError(RuntimeError):
    """A message could not be handed over; the message is one French sentence."""


@dataclass(frozen=True)
class Email:
    """One message to one recipient. Line breaks in header fields raise ValueError."""

    to: str
    subject: str
    text: str
    html: str | None = None
    reply_to: str | None = None
    # Shown instead of MAIL_DEFAULT_SENDER's display name (a collectivité's name); the address
    # stays the platform's, the only one its SPF and DKIM vouch for.
    sender_name: str | None = None
    # PNG images the HTML refers to as "cid:<name>": ((name, bytes), ...).
    images: tuple[tuple[str, bytes], ...] = ()
    # PDF files joined to the message: ((file name, bytes), ...).
    attachments: tuple[tuple[str, bytes], ...] = ()

    def __post_init__(self) -> None:
        for name in ("to", "subject", "text", "html", "reply_to", "sender_name"):
            value = getattr(self, name)
            optional = name in ("html", "reply_to", "sender_name")
            if not isinstance(value, str) and not (optional and value is None):
                raise TypeError(f"Email.{name} doit être une chaîne de caractères.")
            if name not in ("text", "html") and value is not None and _LINE_BREAK.search(value):
                raise ValueError(f"Email.{name} ne doit pas contenir de saut de ligne.")
        _address(self.to, "to")
        if self.images and self.html is None:
            raise ValueError("Email.images accompagne une version HTML.")
        if self.reply_to is not None:
            _address(self.reply_to, "reply_to")
        for filename, _data in self.attachments:
            if _LINE_BREAK.search(filename) or "/" in filename or not filename.endswith(".pdf"):
                raise ValueError(f"Email.attachments : nom de fichier PDF invalide : {filename!r}.")


@dataclass
class _State:
    backend: str
    outbox: list[EmailMessage] = field(default_factory=list)


def init_app(app: Flask) -> None:
    """Check the mail settings and choose the backend, for the application's whole life."""
    backend = _setting(app.config, "MAIL_BACKEND")
    if backend not in BACKENDS:
        raise ConfigurationError(
            f"MAIL_BACKEND inconnu : {backend!r} (attendu : " + ", ".join(BACKENDS) + ").")
    if _setting(app.config, "MAIL_USE_SSL") and _setting(app.config, "MAIL_USE_STARTTLS"):
        raise ConfigurationError(
            "MAIL_USE_SSL et MAIL_USE_STARTTLS s'excluent : choisissez l'un ou l'autre.")
    _default_sender(app.config)
    app.extensions[EXTENSION_KEY] = _State(backend=backend)


def send(message: Email) -> None:
    """Build `message` and hand it to the current application's backend; MailError on failure."""
    if not isinstance(message, Email):
        raise TypeError("send() attend un plateforme.mail.Email.")
    app = current_app._get_current_object()
    state = _state(app)
    sender = _default_sender(app.config)
    built = _build(message, sender, cte="8bit" if state.backend == "file" else
                   "quoted-printable")
    if state.backend == "smtp":
        _send_smtp(built, sender.addr_spec, _envelope(message.to), app.config)
    elif state.backend == "file":
        _send_file(built, app.config)
    else:
        # What a recipient would parse: a message that cannot be serialised fails here too.
        state.outbox.append(_reparse(built.as_bytes()))
    log.info("Mail %s sent through the %s backend.", built["Message-ID"], state.backend)


def send_after_commit(session: Session, message: Email) -> None:
    """Send `message` once `session` commits, and never if it rolls back: a receipt must not
    reach anyone for what was not saved. It goes through the job queue, so an unreachable
    server delays the message (retried) and never fails the action that saved."""
    jobs.defer(session, "mail.deliver", message=message)


@jobs.task("mail.deliver", "Envoi d'un courriel")
def _deliver(message: Email) -> None:
    send(message)


def outbox(app: Flask | None = None) -> list[EmailMessage]:
    """The memory backend's messages, oldest first. The list itself: clear it to forget them."""
    state = _state(app if app is not None else current_app._get_current_object())
    if state.backend != "memory":
        raise RuntimeError(
            f"outbox() ne sert qu'avec MAIL_BACKEND = 'memory' (ici : {state.backend!r}).")
    return state.outbox


# --- building the message -------------------------------------------------------------------


def _build(message: Email, sender: Address, cte: str = "quoted-printable") -> EmailMessage:
    built = EmailMessage(policy=email.policy.default)
    display_name = sender.display_name if message.sender_name is None else message.sender_name
    built["From"] = Address(display_name=display_name, username=sender.username,
                            domain=sender.domain)
    built["To"] = _address(message.to, "to")
    built["Subject"] = message.subject
    if message.reply_to is not None:
        built["Reply-To"] = _address(message.reply_to, "reply_to")
    built["Date"] = format_datetime(datetime.now(UTC))
    built["Message-ID"] = make_msgid(domain=sender.domain)
    # Out-of-office replies to a no-reply address help nobody (RFC 3834).
    built["Auto-Submitted"] = "auto-generated"
    built.set_content(message.text, subtype="plain", charset="utf-8", cte=cte)
    if message.html is not None:
        built.add_alternative(message.html, subtype="html", charset="utf-8", cte=cte)
        html_part = built.get_payload()[-1]
        for name, data in message.images:
            html_part.add_related(data, maintype="image", subtype="png", cid=f"<{name}>",
                                  disposition="inline", filename=f"{name}.png")
    for filename, data in message.attachments:
        built.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return built


def _address(value: str, name: str) -> Address:
    """One bare address (no display name, no list), its domain in ASCII (IDNA)."""
    try:
        address = Address(addr_spec=value.strip())
    except (ValueError, IndexError, email.errors.MessageError):
        address = None
    if address is None or not address.username or not address.domain:
        raise ValueError(f"Email.{name} n'est pas une adresse électronique valide : {value!r}.")
    domain = address.domain
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            raise ValueError(
                f"Email.{name} n'est pas une adresse électronique valide : {value!r}.") from None
    return Address(username=address.username, domain=domain)


def _envelope(to: str) -> str:
    return _address(to, "to").addr_spec


def _default_sender(config) -> Address:
    value = _setting(config, "MAIL_DEFAULT_SENDER") or ""
    header = email.policy.default.header_factory("From", value)
    addresses = header.addresses
    if header.defects or len(addresses) != 1 or not addresses[0].domain \
            or not addresses[0].username:
        raise ConfigurationError(
            f"MAIL_DEFAULT_SENDER doit contenir une seule adresse (reçu : {value!r}).")
    return addresses[0]


def _reparse(data: bytes) -> EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


# --- backends ---------------------------------------------------------------------------------


def _send_smtp(message: EmailMessage, from_addr: str, to_addr: str, config) -> None:
    server = _setting(config, "MAIL_SERVER")
    port = int(_setting(config, "MAIL_PORT"))
    timeout = float(_setting(config, "MAIL_TIMEOUT"))
    username = _setting(config, "MAIL_USERNAME")
    where = f"{server}:{port}"
    try:
        if _setting(config, "MAIL_USE_SSL"):
            client = smtplib.SMTP_SSL(server, port, timeout=timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(server, port, timeout=timeout)
    except ssl.SSLError as exc:
        raise MailError(
            f"{_FAILED} : la connexion chiffrée au serveur SMTP {where} a échoué.") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{_FAILED} : le serveur SMTP {where} est injoignable.") from exc
    sent = False
    try:
        if _setting(config, "MAIL_USE_STARTTLS"):
            client.starttls(context=ssl.create_default_context())
        if username:
            client.login(username, _setting(config, "MAIL_PASSWORD") or "")
        client.send_message(message, from_addr=from_addr, to_addrs=[to_addr])
        sent = True
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(
            f"{_FAILED} : le serveur SMTP {where} a refusé l'identifiant {username!r}.") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(f"{_FAILED} : le serveur SMTP {where} a refusé le destinataire.") from exc
    except ssl.SSLError as exc:
        raise MailError(
            f"{_FAILED} : la connexion chiffrée au serveur SMTP {where} a échoué.") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{_FAILED} : l'échange avec le serveur SMTP {where} a échoué.") from exc
    finally:
        _close(client, polite=sent)


def _close(client: smtplib.SMTP, polite: bool) -> None:
    """Once the server has accepted the message, a failed QUIT must not report a failure."""
    if polite:
        try:
            client.quit()
            return
        except (OSError, smtplib.SMTPException):
            pass
    client.close()


def _send_file(message: EmailMessage, config) -> None:
    directory = Path(_setting(config, "MAIL_OUTBOX_DIR"))
    # Sortable by time; 48 random bits keep two messages of the same microsecond apart.
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    name = f"{stamp}-{secrets.token_hex(6)}.eml"
    temporary = directory / f".{name}.tmp"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # Messages carry activation codes and reset links: readable by their owner only.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(message.as_bytes())
        # Renamed once complete, so that whoever watches the directory never reads half a file.
        os.replace(temporary, directory / name)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise MailError(
            f"Le courriel n'a pas pu être écrit dans le dossier {directory}.") from exc


# --- settings -------------------------------------------------------------------------------


def _setting(config, name: str):
    """A MAIL_* setting, or the default documented in config.Config."""
    return config.get(name, getattr(Config, name))


def _state(app: Flask) -> _State:
    try:
        return app.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError(
            "plateforme.mail.init_app(app) n'a pas été appelé pour cette application.") from None
