"""What an invitation letter says, apart from how it is laid out: the data of one letter, and
the wording the letter and the hosts' guide share (the guide quotes the letter)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tenants.core.printing import quote

SUBJECT = "Activation de votre compte sur la plateforme de déclaration de la taxe de séjour"
CODE_FIELD = quote("Code d'activation")
CHECK_SCREEN = quote("Veuillez vérifier vos informations de compte et vos informations "
                     "d'hébergement")


@dataclass(frozen=True)
class IssuedLetter:
    host_id: int
    reference: str | None
    civility: str                    # "M." or "Mme"
    first_name: str
    last_name: str
    address_lines: tuple[str, ...]   # e.g. ("12 rue des Lilas", "07200 Aubenas")
    code: str                        # the activation code as printed, e.g. "K7QF-M2XD-9RTA"
    url: str                         # the activation page
    expires_on: date                 # the code's last valid day
