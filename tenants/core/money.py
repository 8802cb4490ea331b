"""Money and rates as the product keeps them: `Decimal`, never float.

In the database, amounts and rates with two decimals are stored as whole hundredths (an
integer): exact on every backend (SQLite has no decimal type and would go through float). On
screen, French format ("1,25 €", "3 %"); typed, either decimal mark.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from plateforme.errors import UserError

HUNDREDTH = Decimal("0.01")
#: The largest amount a column of hundredths holds (a 32-bit integer on PostgreSQL): what is
#: typed beyond it is refused, not left to fail in the database.
MAX_AMOUNT = Decimal("21474836.47")
_TYPED = re.compile(r"\d{1,9}(?:[.,]\d{1,2})?")


class Hundredths(sa.TypeDecorator):
    """A `Decimal` with at most two decimals, stored as an integer of hundredths."""

    impl = sa.Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value)
        if value != value.quantize(HUNDREDTH):
            raise ValueError(f"more than two decimals: {value}")
        return int(value * 100)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(value) / 100).quantize(HUNDREDTH)


def parse_amount(text: str | None, label: str) -> Decimal | None:
    """What someone typed ("1,25", "1.25", " 3 "), as a Decimal with two decimals; None when
    empty; UserError with a French reason naming `label` otherwise."""
    text = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if not _TYPED.fullmatch(text):
        raise UserError(f"{label} : « {text} » n'est pas un montant (par exemple 1,25)")
    try:
        value = Decimal(text.replace(",", ".")).quantize(HUNDREDTH)
    except InvalidOperation:
        raise UserError(f"{label} : « {text} » n'est pas un montant") from None
    if value > MAX_AMOUNT:
        raise UserError(f"{label} : « {text} » dépasse le plus grand montant enregistrable "
                        f"({french(MAX_AMOUNT)})")
    return value


def french(amount: Decimal | None, unit: str = "€") -> str:
    """1234.5 → "1 234,50 €"; a rate with unit "%": 3.00 → "3 %", 2.50 → "2,5 %"."""
    if amount is None:
        return ""
    if unit == "%":
        text = f"{amount.normalize():f}".replace(".", ",")
        return f"{text}\u00a0%"
    whole, _, decimals = f"{amount.quantize(HUNDREDTH):f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", "\u202f")
    return f"{grouped},{decimals}\u00a0{unit}" if unit else f"{grouped},{decimals}"
