"""PayFiP's web service (the DGFiP's "Régie web service"), through eopayment's SOAP client.

Two operations matter: `creerPaiementSecurise` opens a payment and gives an idOp (15 minutes of
life); `recupererDetailPaiementSecurise` says what became of it. The notification PayFiP sends
is not signed, so nothing is believed until the detail confirms it. The WSDL is eopayment's copy
of the real one, or the local simulator's (`flask payfip simulator`), which serves the same
operations. No Flask, no database: the services hand a `Gateway` in.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from tenants.core.dates import PARIS

REFDET = re.compile(r"[A-Za-z0-9]{1,30}")
#: eopayment's bounds for one card payment (PayFiP's own are wider for debits).
MIN_CENTS, MAX_CENTS = 100, 10_000_000
PAID, REFUSED, ABANDONED = ("P", "V"), ("R", "Z"), ("A",)
#: PayFiP's codes: the operation is not finished (or never will be, once expired); unknown.
NOT_FINISHED, UNKNOWN = "P5", "P1"


class PayfipError(Exception):
    """PayFiP refused or could not be reached: `code` is its code ("P5"…) or a transport
    problem's ("HTTP error"…)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


@dataclass(frozen=True)
class Detail:
    """`recupererDetailPaiementSecurise`'s answer, as strings."""

    id_op: str
    resultrans: str
    montant: str        # cents
    refdet: str
    numcli: str
    exer: str
    saisie: str
    numauto: str
    dattrans: str       # JJMMAAAA (Paris)
    heurtrans: str      # HHMM (Paris)
    mel: str
    objet: str

    @property
    def paid_at(self) -> datetime | None:
        """When the bank answered, in UTC; None if PayFiP left the date out."""
        try:
            local = datetime.strptime(self.dattrans + self.heurtrans, "%d%m%Y%H%M")
        except ValueError:
            return None
        return local.replace(tzinfo=PARIS).astimezone(UTC).replace(tzinfo=None)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def objet(text: str) -> str:
    """PayFiP's `objet`: letters, digits and spaces, 100 at most (eopayment's rule)."""
    from eopayment.payfip_ws import normalize_objet

    return normalize_objet(text) or ""


class Gateway:
    """One PayFiP service (the real one or the simulator) as the services use it."""

    def __init__(self, wsdl_url: str, payment_url: str, timeout: int = 15):
        self.wsdl_url, self.payment_url, self.timeout = wsdl_url, payment_url, timeout

    def create(self, *, numcli: str, saisie: str, exer: str, refdet: str, cents: int, mel: str,
               objet: str, urlnotif: str, urlredirect: str) -> str:
        """The idOp of a new payment."""
        if not REFDET.fullmatch(refdet):
            raise ValueError(f"refdet must be 1 to 30 letters or digits: {refdet!r}")
        answer = self._call("get_idop", numcli=numcli, saisie=saisie, exer=exer, refdet=refdet,
                            montant=str(cents), mel=mel, objet=objet or None,
                            url_notification=urlnotif, url_redirect=urlredirect)
        return str(answer)

    def detail(self, id_op: str) -> Detail:
        answer = self._call("get_info_paiement", id_op)
        return Detail(**{field: str(_value(answer, name) or "") for field, name in (
            ("id_op", "idOp"), ("resultrans", "resultrans"), ("montant", "montant"),
            ("refdet", "refdet"), ("numcli", "numcli"), ("exer", "exer"), ("saisie", "saisie"),
            ("numauto", "numauto"), ("dattrans", "dattrans"), ("heurtrans", "heurtrans"),
            ("mel", "mel"), ("objet", "objet"))})

    def page(self, id_op: str) -> str:
        """Where the payer's browser goes to pay."""
        return f"{self.payment_url}?idop={id_op}"

    def _call(self, operation: str, *args, **kwargs):
        from eopayment.payfip_ws import PayFiPError

        try:
            return getattr(_client(self.wsdl_url), operation)(*args, timeout=self.timeout,
                                                              **kwargs)
        except PayFiPError as error:
            raise PayfipError(str(error.code), str(error.message)) from None


def _value(answer, name: str):
    try:
        return answer[name]
    except (KeyError, TypeError):
        return getattr(answer, name, None)


_clients: dict[str, object] = {}
_lock = threading.Lock()


def _client(wsdl_url: str):
    """eopayment's client, one per WSDL and process: reading a WSDL costs tens of
    milliseconds, and zeep's client is safe to share between threads."""
    with _lock:
        if wsdl_url not in _clients:
            from eopayment.payfip_ws import PayFiP

            _clients[wsdl_url] = PayFiP(wsdl_url=wsdl_url or None)
        return _clients[wsdl_url]


def from_config(config) -> Gateway:
    return Gateway(config.get("PAYFIP_WSDL_URL") or "", config["PAYFIP_PAYMENT_URL"],
                   int(config.get("PAYFIP_TIMEOUT_SECONDS", 15)))
