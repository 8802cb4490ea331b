"""The focus ring against the brand colour (RGAA 10.7): pure contrast logic, no app needed."""

import pytest

from plateforme.errors import UserError
from tenants.collectivite import branding


def rgb(value: str):
    return tuple(int(value[i:i + 2], 16) for i in (1, 3, 5))


def test_the_old_single_colour_ring_failed_on_the_default_header():
    assert branding.contrast(rgb("#b35c00"), rgb("#123b66")) < 3


@pytest.mark.parametrize("colour", ["#123b66", "#767676", "#b35c00", "#000000", "#ffffff",
                                    "#1e1e1e", "#0b4f8a", "#ff0000", "#00ff00", "#808080"])
def test_the_two_tone_ring_shows_on_any_colour(colour):
    assert branding.focus_ring_contrast(rgb(colour)) >= 3


def test_the_ring_shows_on_every_grey_and_its_tones_on_each_other():
    dark, light = branding.FOCUS_RING
    assert branding.contrast(dark, light) >= 3
    worst = min(branding.focus_ring_contrast((g, g, g)) for g in range(256))
    assert worst >= 4  # the mid-greys, worst case for a dark-and-white ring


@pytest.mark.parametrize("colour", ["#b35c00", "#123b66"])
def test_a_colour_hiding_the_ring_is_refused(monkeypatch, colour):
    assert branding.parse_colour(colour.upper()) == colour
    monkeypatch.setattr(branding, "FOCUS_RING", (rgb("#b35c00"),))  # the old one-tone ring
    with pytest.raises(UserError, match="indicateur de focus"):
        branding.parse_colour(colour)
