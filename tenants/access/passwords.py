"""Password policy and storage.

Policy (CNIL délibération 2022-100, case 2 — a password plus throttling — and OWASP ASVS 6.2):
12 characters at least, up to 256, any composition, nothing truncated; refused when it is one
of the most common passwords or guessable from the host's own details (zxcvbn, with the host's
names, email and collectivité as context). Storage: Argon2id, 19 MiB, 2 passes (OWASP).
"""

from __future__ import annotations

import re
import unicodedata

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from plateforme.errors import UserError

MIN_LENGTH = 12
MAX_LENGTH = 256

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32,
                         salt_len=16, type=Type.ID)
# Verified when the account does not exist, so that failures take the same time either way.
# Written out rather than hashed at import, which cost every process tens of milliseconds (and,
# with the operators' one, left 19 MiB of freed Argon2 memory in its RSS); made by `_hasher` from
# "taxesejour-dummy-password-for-timing", its parameters checked by tests/test_startup.py.
_DUMMY_HASH = ("$argon2id$v=19$m=19456,t=2,p=1$tXFacMMCHgH43AM6XXqWsg$"
               "Rxu2bEOtIr246hL4ayns4yncEU5j2oO+d9WNuVw/TsM")


def personal_context(*words: str | None, email: str | None = None) -> list[str]:
    """What a person's password must not contain: their names, city, collectivité, and their
    email whole and before the "@" (one list for hosts and agents alike)."""
    context = [w for w in words if w]
    if email:
        context += [email, email.split("@")[0]]
    return context


def check_policy(password: str, context: list[str] | tuple[str, ...] = ()) -> None:
    """Raise UserError with a French reason when `password` is refused."""
    if len(password) < MIN_LENGTH:
        raise UserError(f"Le mot de passe doit contenir au moins {MIN_LENGTH} caractères.")
    if len(password) > MAX_LENGTH:
        raise UserError(f"Le mot de passe ne doit pas dépasser {MAX_LENGTH} caractères.")
    tokens = _context_tokens(context)
    folded = _fold(password)
    if any(token in folded for token in tokens):
        raise UserError("Le mot de passe ne doit pas contenir votre nom, votre courriel, votre "
                        "commune ou le nom de la collectivité.")
    # zxcvbn is slow on very long inputs and a long passphrase is strong enough anyway. Imported
    # here: its dictionaries cost ~20 ms and ~13 MB in every process that never checks one.
    from zxcvbn import zxcvbn

    result = zxcvbn(password[:64], user_inputs=sorted(tokens))
    if result["score"] < 3:
        raise UserError("Ce mot de passe est trop courant ou trop facile à deviner "
                        "(il ressemble à un mot de passe répandu ou à vos informations). "
                        "Choisissez par exemple une phrase de plusieurs mots.")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _context_tokens(context) -> set[str]:
    """The host's names, email parts, commune and collectivité, as words of 4+ letters."""
    tokens = set()
    for value in context:
        for word in re.split(r"[^\w]+", value or ""):
            folded = _fold(word)
            if len(folded) >= 4:
                tokens.add(folded)
    return tokens


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not there is a hash to check against."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
