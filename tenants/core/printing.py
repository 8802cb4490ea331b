"""What the product prints, apart from the PDF machinery (`tenants.core.pdf`): who signs it,
and French typography. Light on purpose: importing it does not load fpdf2, so a command or a
worker that prints nothing starts without it."""

from __future__ import annotations

from dataclasses import dataclass

NBSP = "\u00a0"
BLACK, GREY, ACCENT = (0, 0, 0), (90, 90, 90), (25, 65, 120)


@dataclass(frozen=True)
class Sender:
    name: str                        # the collectivité's name
    support_phone: str               # formatted ("04 75 12 34 56"), or "" when not set
    home_url: str                    # the collectivité's home page on the platform
    logo_png: bytes | None = None    # the collectivité's logo (already re-encoded as PNG)


def support_sentence(sender: Sender) -> str:
    if sender.support_phone:
        return ("Si vous n'arrivez pas à vous connecter, appelez le service technique de votre "
                f"collectivité au {sender.support_phone.replace(' ', NBSP)}.")
    return ("Si vous n'arrivez pas à vous connecter, contactez les services de votre "
            "collectivité ou votre mairie.")


def quote(text: str) -> str:
    return f"«{NBSP}{text}{NBSP}»"


def french_spacing(text: str) -> str:
    """No line break before « ; : ? ! » (French typography puts a space before them)."""
    for mark in ";:?!":
        text = text.replace(f" {mark}", f"{NBSP}{mark}")
    return text
