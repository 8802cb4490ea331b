"""Emails in the collectivité's name: text and HTML alternative from templates, its name, colour
and logo, and every link whole in both, even for a person reading the raw `.eml`."""

import email
import email.policy
import io
import re

from PIL import Image

from plateforme import mail
from plateforme.database import db
from tenants.collectivite import settings
from tests.conftest import make_app
from tests.tenants.conftest import Client, vallee_with_hosts

LINK = re.compile(r"https?://[^\s\"'<>]+/reinitialisation/[\w.-]+")


def png(colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), colour).save(out, format="PNG")
    return out.getvalue()


def brand(tenant, logo: bytes | None):
    with db.tenant_context(tenant):
        values = settings.get(db.session)
        values.display_name, values.brand_colour, values.logo_png = (
            "Communauté Vallée Verte", "#5a1e6e", logo)
        db.session.commit()


def test_the_reset_email_carries_the_collectivites_brand_in_both_parts(app, imported, client,
                                                                      host_email):
    brand(imported, png())
    client.post("/mot-de-passe-oublie", {"email": host_email})
    (message,) = mail.outbox(app)
    assert "Communauté Vallée Verte" in message["From"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Communauté Vallée Verte" in text and "Communauté Vallée Verte" in html
    assert "04 75 12 34 56" in text and "04 75 12 34 56" in html
    assert "#5a1e6e" in html and 'lang="fr"' in html
    # The logo travels with the message (no image fetched from anywhere when it is opened).
    assert 'src="cid:logo-collectivite"' in html
    (logo,) = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert logo["Content-ID"] == "<logo-collectivite>"
    assert logo.get_content() == settings_logo(imported)
    # One link, the same in both parts; the HTML escapes nothing out of it.
    (link,) = set(LINK.findall(text))
    assert set(LINK.findall(html)) == {link}


def settings_logo(tenant) -> bytes:
    with db.tenant_context(tenant):
        return settings.get(db.session).logo_png


def test_without_a_logo_the_html_shows_none(app, imported, client, host_email):
    client.post("/mot-de-passe-oublie", {"email": host_email})
    (message,) = mail.outbox(app)
    assert "cid:" not in message.get_body(("html",)).get_content()
    assert [p.get_content_type() for p in message.walk()] == [
        "multipart/alternative", "text/plain", "text/html"]


def test_the_demos_eml_files_keep_every_link_whole(tmp_path):
    """The demo writes `.eml` files that people open in a text editor to find the link:
    quoted-printable would cut it at 76 characters."""
    outbox = tmp_path / "outbox"
    app = make_app(f"sqlite:///{tmp_path / 'shared.db'}", MAIL_BACKEND="file",
                   MAIL_OUTBOX_DIR=str(outbox))
    tenant, email_address = vallee_with_hosts(app)
    with app.app_context():
        brand(tenant, png())
    Client(app, "vallee.taxesejour.test").post("/mot-de-passe-oublie", {"email": email_address})
    (path,) = outbox.glob("*.eml")
    raw = path.read_bytes().decode("utf-8")
    message = email.message_from_string(raw, policy=email.policy.default)
    (link,) = set(LINK.findall(message.get_body(("plain",)).get_content()))
    assert len(link) > 76
    assert raw.count(link) == 4  # in the text; in the HTML: the button, the link and its text
    app.extensions["taxesejour.db"].dispose()
