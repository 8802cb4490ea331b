"""Outgoing email on its three backends, and a real SMTP exchange on loopback."""

from __future__ import annotations

import email
import email.policy
import socket
import time
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

import flask
import pytest
from aiosmtpd.controller import Controller

from config import ConfigurationError
from plateforme import mail
from plateforme.mail import Email, MailError

SENDER = "taxesejour <ne-pas-repondre@taxesejour.test>"
TEXT = "Bonjour,\n\nVotre déclaration du 3e trimestre a bien été reçue.\n\n-- \nL'équipe\n"
HTML = "<p>Votre déclaration a bien été <strong>reçue</strong>.</p>"


def make_app(**settings) -> flask.Flask:
    app = flask.Flask(__name__)
    app.config.update({
        "MAIL_BACKEND": "memory",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 25,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_USE_STARTTLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_TIMEOUT": 2,
        "MAIL_DEFAULT_SENDER": SENDER,
        "MAIL_OUTBOX_DIR": None,
        **settings,
    })
    mail.init_app(app)
    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_memory_backend_keeps_the_message_as_a_recipient_reads_it():
    app = make_app()
    with app.app_context():
        mail.send(Email(to="hote@example.fr", subject="Déclaration reçue", text=TEXT, html=HTML,
                        reply_to="contact@mairie-exemple.fr",
                        sender_name="Communauté de communes du Lac d'Été"))
        mail.send(Email(to="autre@example.fr", subject="Second", text="Deuxième message"))
        kept = mail.outbox()

    assert [m["To"] for m in kept] == ["hote@example.fr", "autre@example.fr"]
    message = kept[0]
    assert message["Subject"] == "Déclaration reçue"
    assert message["Reply-To"] == "contact@mairie-exemple.fr"
    sender = message["From"].addresses[0]
    assert sender.display_name == "Communauté de communes du Lac d'Été"
    assert sender.addr_spec == "ne-pas-repondre@taxesejour.test"
    assert message["Message-ID"].endswith("@taxesejour.test>")
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",))
    assert plain.get_content_charset() == "utf-8"
    assert plain.get_content() == TEXT
    assert message.get_body(("html",)).get_content().strip() == HTML
    # Accents travel encoded: the raw message is 7-bit clean.
    assert message.as_bytes().isascii()

    second = kept[1]
    assert second.get_content_type() == "text/plain"
    assert second["From"].addresses[0].display_name == "taxesejour"
    assert second["Reply-To"] is None
    assert second.get_content() == "Deuxième message\n"
    assert mail.outbox(app) is kept


def test_file_backend_writes_parseable_eml_files_in_time_order(tmp_path):
    outbox_dir = tmp_path / "instance" / "outbox"
    app = make_app(MAIL_BACKEND="file", MAIL_OUTBOX_DIR=str(outbox_dir))
    with app.app_context():
        for subject in ("Premier", "Deuxième", "Troisième"):
            mail.send(Email(to="hote@example.fr", subject=subject, text=f"{subject} é", html=HTML))

    names = sorted(p.name for p in outbox_dir.iterdir())
    assert len(names) == 3 and all(n.endswith(".eml") for n in names)
    messages = [BytesParser(policy=email.policy.default).parsebytes((outbox_dir / n).read_bytes())
                for n in names]
    assert [m["Subject"] for m in messages] == ["Premier", "Deuxième", "Troisième"]
    assert messages[1]["To"] == "hote@example.fr"
    assert messages[1].get_body(("plain",)).get_content() == "Deuxième é\n"
    assert messages[1].get_body(("html",)).get_content().strip() == HTML
    assert (outbox_dir / names[0]).stat().st_mode & 0o077 == 0
    with app.app_context(), pytest.raises(RuntimeError):
        mail.outbox()


@pytest.mark.parametrize("field", ["to", "subject", "reply_to", "sender_name"])
@pytest.mark.parametrize("injected", ["\r\nBcc: espion@example.org", "\nBcc: espion@example.org",
                                      "\rX: y", "\u2028X: y"])
def test_line_breaks_in_header_fields_are_refused(field, injected):
    values = {"to": "hote@example.fr", "subject": "Sujet", "text": "Corps",
              "reply_to": "contact@example.fr", "sender_name": "Mairie"}
    values[field] += injected
    with pytest.raises(ValueError, match="saut de ligne"):
        Email(**values)


@pytest.mark.parametrize("address", ["a@example.fr, b@example.fr", "Bob <b@example.fr>",
                                     "sans-arobase", "a@", ""])
def test_to_and_reply_to_must_be_one_bare_address(address):
    with pytest.raises(ValueError, match="adresse"):
        Email(to=address, subject="Sujet", text="Corps")
    with pytest.raises(ValueError, match="adresse"):
        Email(to="hote@example.fr", subject="Sujet", text="Corps", reply_to=address)


def test_unknown_backend_is_refused_by_init_app():
    app = flask.Flask(__name__)
    app.config.update(MAIL_BACKEND="pigeon", MAIL_DEFAULT_SENDER=SENDER)
    with pytest.raises(ConfigurationError, match="MAIL_BACKEND") as raised:
        mail.init_app(app)
    assert "\n" not in str(raised.value)
    assert mail.EXTENSION_KEY not in app.extensions


class Collector:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def test_smtp_backend_delivers_to_a_real_server_on_loopback():
    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    try:
        app = make_app(MAIL_BACKEND="smtp", MAIL_PORT=port)
        with app.app_context():
            mail.send(Email(to="hote@example.fr", subject="Code d'activation — été",
                            text="Votre code : 4242-été\n", html="<p>4242-été</p>"))
    finally:
        controller.stop()

    (envelope,) = handler.envelopes
    assert envelope.mail_from == "ne-pas-repondre@taxesejour.test"
    assert envelope.rcpt_tos == ["hote@example.fr"]
    received = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert received["To"] == "hote@example.fr"
    assert received["Subject"] == "Code d'activation — été"
    # On the wire lines end in CRLF.
    assert received.get_body(("plain",)).get_content() == "Votre code : 4242-été\r\n"


def test_unreachable_smtp_server_raises_mail_error_quickly_without_the_password():
    app = make_app(MAIL_BACKEND="smtp", MAIL_PORT=free_port(), MAIL_USERNAME="relais",
                   MAIL_PASSWORD="s3cret-do-not-leak")
    started = time.monotonic()
    with app.app_context(), pytest.raises(MailError) as raised:
        mail.send(Email(to="hote@example.fr", subject="Sujet", text="Corps"))
    assert time.monotonic() - started < 1
    message = str(raised.value)
    assert "injoignable" in message and "127.0.0.1" in message
    assert "s3cret-do-not-leak" not in message and "\n" not in message
