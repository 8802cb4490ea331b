"""Emails in the collectivité's name, rendered from templates.

Each message is `templates/emails/<package>/<name>.txt` and `.html` (the HTML extends
`emails/_layout.html`): a plain-text body any reader shows, and an HTML alternative carrying the
collectivité's name, colour and logo (attached inline, so that no image is fetched from anywhere
when the message is opened). Links are written whole in both.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template

from plateforme import mail

LOGO_CID = "logo-collectivite"


@dataclass(frozen=True)
class Brand:
    """Who an email comes from, as the collectivité set it in its console."""

    name: str
    colour: str                 # "#123b66": white text on it passes WCAG AA
    home_url: str               # its home page, on its primary domain
    support_phone: str = ""     # formatted, "" when not set
    logo_png: bytes | None = None


def render(template: str, *, to: str, subject: str, brand: Brand,
           attachments: tuple[tuple[str, bytes], ...] = (), **context) -> mail.Email:
    """The message `emails/<template>` for `to`, in `brand`'s name (PDF `attachments` joined)."""
    values = dict(context, brand=brand, subject=subject,
                  logo_src=f"cid:{LOGO_CID}" if brand.logo_png else None)
    text = render_template(f"emails/{template}.txt", **values)
    html = render_template(f"emails/{template}.html", **values)
    images = ((LOGO_CID, brand.logo_png),) if brand.logo_png else ()
    return mail.Email(to=to, subject=subject, text=text, html=html, sender_name=brand.name,
                      images=images, attachments=attachments)
