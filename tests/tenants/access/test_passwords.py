"""Password policy and storage (security.md rows 1, 2, 4, 5, 7)."""

from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from plateforme.errors import UserError
from tenants.access import passwords


@pytest.mark.parametrize("length, ok", [(11, False), (12, True), (64, True), (128, True),
                                        (256, True), (257, False)])
def test_length_limits_without_composition_rules(length, ok):
    candidate = ("zèbre lointain " * 20)[:length]
    candidate = candidate[:-1] + "q" if candidate.endswith(" ") else candidate
    if ok:
        passwords.check_policy(candidate)
    else:
        with pytest.raises(UserError):
            passwords.check_policy(candidate)


def test_unicode_passwords_are_accepted_and_verified():
    secret = "ça alors, où êtes-vous ? 日本語"
    passwords.check_policy(secret)
    assert passwords.verify(passwords.hash_password(secret), secret)


@pytest.mark.parametrize("common", ["password1234", "azertyuiop123", "123456789012",
                                    "motdepasse123", "qwertyuiop12"])
def test_common_passwords_are_refused(common):
    with pytest.raises(UserError, match="trop courant"):
        passwords.check_policy(common)


def test_context_words_are_refused():
    with pytest.raises(UserError):
        passwords.check_policy("elodiemartin2024", ["Élodie", "Martin", "elodie", "martin"])
    with pytest.raises(UserError):
        passwords.check_policy("ValleeVerte2027", ["Vallée Verte", "ValleeVerte"])


def test_argon2id_with_owasp_parameters_and_unique_salts():
    first, second = passwords.hash_password("même mot de passe"), \
        passwords.hash_password("même mot de passe")
    assert first != second
    assert first.startswith("$argon2id$v=19$")
    params = dict(p.split("=") for p in first.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2
    assert PasswordHasher().verify(first, "même mot de passe")


def test_no_truncation():
    base = "a" * 72
    stored = passwords.hash_password(base + "X" * 8)
    assert passwords.verify(stored, base + "X" * 8)
    assert not passwords.verify(stored, base + "Y" * 8)


def test_passwords_never_expire(client, host_email, utc_clock):
    utc_clock[0] += timedelta(days=400)
    assert client.login(host_email).status_code == 302
