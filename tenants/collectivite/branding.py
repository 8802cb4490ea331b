"""The collectivité's branding, made safe to show.

Colours: the header shows white text on the main colour, so a colour is refused unless that
contrast reaches WCAG AA (4.5:1); the header's links show the focus ring on it too, a dark ring
between white halos (static/css/app.css), which must stand out from it (3:1, RGAA 10.7).
Logos: PNG, JPEG or WebP, 1 MB at most, decoded and re-encoded
by Pillow as PNG of at most 600 × 200 pixels, so that only pixels reach hosts (no metadata, no
polyglot file).
"""

from __future__ import annotations

import io
import re

from plateforme.errors import UserError

MAX_LOGO_BYTES = 1024 * 1024
LOGO_BOX = (600, 200)
ALLOWED_FORMATS = {"PNG", "JPEG", "WEBP"}
HEX_RE = re.compile(r"#[0-9a-fA-F]{6}")
WHITE = (255, 255, 255)
FOCUS_RING = ((0x1e, 0x1e, 0x1e), WHITE)  # the two tones of app.css's focus indicator
FOCUS_CONTRAST = 3.0


def _luminance(rgb) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def focus_ring_contrast(background) -> float:
    """How well the focus ring shows on `background`: the contrast of its more visible tone."""
    return max(contrast(tone, background) for tone in FOCUS_RING)


def parse_colour(value: str) -> str:
    value = (value or "").strip()
    if not HEX_RE.fullmatch(value):
        raise UserError("Couleur invalide : attendu #RRVVBB (par exemple #123b66).")
    rgb = tuple(int(value[i:i + 2], 16) for i in (1, 3, 5))
    ratio = contrast(rgb, WHITE)
    if ratio < 4.5:
        shown = f"{int(ratio * 100) / 100:.2f}".replace(".", ",")
        raise UserError(f"Couleur refusée : le texte blanc sur {value} a un contraste de "
                        f"{shown}:1, il faut au moins 4,5:1 (RGAA / WCAG AA). Choisissez une "
                        "couleur plus foncée.")
    if focus_ring_contrast(rgb) < FOCUS_CONTRAST:
        raise UserError(f"Couleur refusée : l'indicateur de focus ne se verrait pas sur {value} "
                        "(contraste de 3:1 au moins, RGAA 10.7).")
    return value.lower()


def reencode_logo(data: bytes) -> bytes:
    """The uploaded image as a clean PNG, or UserError."""
    if not data:
        raise UserError("Aucun fichier reçu.")
    if len(data) > MAX_LOGO_BYTES:
        raise UserError("Logo trop lourd : 1 Mo au plus.")
    from PIL import Image, UnidentifiedImageError  # only uploads need it

    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        if kind not in ALLOWED_FORMATS:
            raise UserError("Format refusé : le logo doit être une image PNG, JPEG ou WebP.")
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > 25_000_000:
                raise UserError("Image trop grande.")
            image = image.convert("RGBA")
            image.thumbnail(LOGO_BOX)
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise UserError("Ce fichier n'est pas une image lisible (PNG, JPEG ou WebP).") from None
