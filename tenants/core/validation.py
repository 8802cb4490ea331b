"""What people type, checked and normalised: names, emails, phone numbers, postal codes.

Each parser returns the value as stored or raises UserError with a French reason in lower case,
which callers prefix with what the value was ("Hébergement « Gîte » : code postal … invalide").
"""

from __future__ import annotations

import re
import unicodedata

from plateforme.errors import UserError

POSTAL_CODE_RE = re.compile(r"\d{5}")


def plain(text: str | None) -> str:
    """Lower case, accents and punctuation folded: what aliases are compared on."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def required(value: str | None, label: str, max_length: int) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise UserError(f"{label} manquant(e)")
    if len(value) > max_length:
        raise UserError(f"{label} trop long(ue) ({max_length} caractères au plus)")
    return value


def parse_postal_code(value: str | None) -> str:
    value = (value or "").strip().replace(" ", "")
    if not POSTAL_CODE_RE.fullmatch(value):
        raise UserError(f"code postal « {value} » invalide (5 chiffres)")
    return value


def parse_email(value: str | None) -> str | None:
    """An address as stored: normalised, lower case; None when empty."""
    value = (value or "").strip()
    if not value:
        return None
    # email_validator and phonenumbers (~35 ms together) are imported when first needed.
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise UserError(f"adresse électronique « {value} » invalide") from None


def normalised_email(value: str | None) -> str | None:
    """The stored form of a typed login, or None when it cannot be one (lookups never fail)."""
    try:
        return parse_email(value)
    except UserError:
        return None


def parse_phone(value: str | None) -> str | None:
    """A French (or international) number, stored E.164."""
    value = (value or "").strip()
    if not value:
        return None
    import phonenumbers

    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise UserError(f"numéro de téléphone « {value} » invalide")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str | None) -> str:
    """French format for French numbers ("04 75 12 34 56"), international otherwise."""
    if not e164:
        return ""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, "FR")
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
