"""A local PayFiP ("Régie web service") for the tests and the demo.

The real service needs a régie's numcli, cannot be told to refuse a card and cannot be reached
from a test. This one answers on the real paths (only the base URL changes) and serves the WSDL
eopayment ships, so the product's client runs unchanged; its payment page lets a person, or a
test, choose the outcome. It is a WSGI app of its own, never mounted on the product's: it plays
an outside service, on its own host and port. It keeps everything in memory.

It must be served by a threaded server: while it notifies the product, the product calls it back
(`recupererDetailPaiementSecurise`) before answering.

Functional errors have the real service's shape (SOAP fault `FonctionnelleErreur`, HTTP 500).
The DGFiP publishes only P1 and P5; the others are this simulator's own:

- P1: unknown idOp (the real service purges them every night);
- P5: payment not finished; the real service still says P5 once the idOp's 15 minutes are over;
- P3: this refdet was already used for this numcli (whatever that payment's outcome);
- S1: an invalid field, named in `libelle`.

An unreadable request or an unknown operation gets an `S:Client` fault. SEPA debits (results V
and Z) are not simulated.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import re
import secrets
import string
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import requests
from defusedxml import ElementTree as SafeXML
from defusedxml.common import DefusedXmlException
from flask import Flask, Response, current_app, redirect, render_template_string, request

SERVICE_NS = ("http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/"
              "contrat_paiement_securise/PaiementSecuriseService")
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
FAULT_STRING = "fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur"
SERVICE_PATH = "/tpa/services/securite"
PAYMENT_PATH = "/tpa/paiementws.web"
REAL_ADDRESS = 'location="https://www.payfip.gouv.fr/tpa/services/securite"'
SCHEMAS = frozenset(f"PaiementSecuriseService_schema{n}" for n in (1, 2, 3))
PARIS = ZoneInfo("Europe/Paris")
RESULTS = ("P", "R", "A")
NOTIFY_TIMEOUT_SECONDS = 10
MIN_CENTS, MAX_CENTS = 100, 10_000_000
NUMAUTO_ALPHABET = string.ascii_uppercase + string.digits


@dataclass
class Operation:
    """One idOp, from its creation to the payer's choice."""

    idop: str
    numcli: str
    exer: str
    refdet: str
    montant: str  # cents
    mel: str
    objet: str
    urlnotif: str
    urlredirect: str
    saisie: str
    created_at: datetime
    result: str | None = None
    dattrans: str = ""
    heurtrans: str = ""
    numauto: str = ""


class Fault(Exception):
    """A `FonctionnelleErreur`: the only errors eopayment turns into a `PayFiPError` code."""

    def __init__(self, code: str, libelle: str, descriptif: str):
        super().__init__(f"{code}: {descriptif}")
        self.code, self.libelle, self.descriptif = code, libelle, descriptif


class ClientFault(Exception):
    """A request the service cannot even read: no code, as a SOAP stack would answer."""


class UnknownOperation(Exception):
    pass


class ClosedOperation(Exception):
    """The payment page is closed: the idOp expired, or its outcome is already chosen."""

    def __init__(self, expired: bool):
        super().__init__("expired" if expired else "already processed")
        self.expired = expired


def _utcnow() -> datetime:
    return datetime.now(UTC)


# --- the state ------------------------------------------------------------------------------


def _invalid(name: str, rule: str) -> Fault:
    return Fault("S1", f"Paramètre {name} invalide", f"Le paramètre {name} est invalide : {rule}.")


def _is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


#: (field, test, rule said in the fault), in the order the fields are checked.
FIELD_RULES: tuple[tuple[str, Callable[[str], bool], str], ...] = (
    ("numcli", lambda v: re.fullmatch(r"[0-9]{6}", v) is not None, "6 chiffres"),
    ("exer", lambda v: re.fullmatch(r"[0-9]{4}", v) is not None, "4 chiffres"),
    ("refdet", lambda v: re.fullmatch(r"[A-Za-z0-9]{1,30}", v) is not None,
     "1 à 30 lettres ou chiffres"),
    ("montant", lambda v: re.fullmatch(r"[0-9]{1,9}", v) is not None
     and MIN_CENTS <= int(v) <= MAX_CENTS,
     f"en centimes, de {MIN_CENTS} à {MAX_CENTS}"),
    ("mel", lambda v: "@" in v and 6 <= len(v) <= 80, "une adresse de 6 à 80 caractères"),
    ("saisie", lambda v: v in ("T", "X", "W"), "T, X ou W"),
    ("urlnotif", _is_url, "une URL http ou https"),
    ("urlredirect", _is_url, "une URL http ou https"),
    ("objet", lambda v: len(v) <= 100, "100 caractères au plus"),
)


def validated(fields: dict[str, str]) -> dict[str, str]:
    """The request's fields, or the fault for the first one the real service would refuse."""
    values = {}
    for name, test, rule in FIELD_RULES:
        value = fields.get(name) or ""
        if not test(value):
            raise _invalid(name, rule)
        values[name] = value
    return values


class Simulator:
    """Every idOp and every notification sent, shared by the server's threads."""

    lifetime = timedelta(minutes=15)

    def __init__(self, *, notify: bool = True, clock: Callable[[], datetime] | None = None):
        self.operations: dict[str, Operation] = {}
        self.notifications: list[tuple[str, str, int | str]] = []
        self.notify = notify
        self.clock: Callable[[], datetime] = clock or _utcnow
        self._lock = threading.RLock()

    def create(self, fields: dict[str, str]) -> Operation:
        values = validated(fields)
        with self._lock:
            if any(op.numcli == values["numcli"] and op.refdet == values["refdet"]
                   for op in self.operations.values()):
                raise Fault("P3", "Référence déjà utilisée",
                            f"La référence {values['refdet']} a déjà été utilisée "
                            f"pour le client {values['numcli']}.")
            operation = Operation(idop=str(uuid.uuid4()), created_at=self.clock(), **values)
            self.operations[operation.idop] = operation
            return dataclasses.replace(operation)

    def detail(self, idop: str) -> Operation:
        """A finished payment; P5 until the payer chose, and forever if they never do."""
        with self._lock:
            operation = self.operations.get(idop)
            if operation is None:
                raise Fault("P1", "IdOp inconnu", f"L'opération {idop} est inconnue.")
            if operation.result is None:
                raise Fault("P5", "Paiement non finalisé",
                            f"Le paiement de l'opération {idop} n'est pas finalisé.")
            return dataclasses.replace(operation)

    def expired(self, operation: Operation) -> bool:
        return self.clock() - operation.created_at >= self.lifetime

    def open_operation(self, idop: str) -> Operation:
        """The operation whose payment page may still be used."""
        with self._lock:
            operation = self.operations.get(idop)
            if operation is None:
                raise UnknownOperation(idop)
            if operation.result is not None or self.expired(operation):
                raise ClosedOperation(expired=operation.result is None)
            return dataclasses.replace(operation)

    def choose(self, idop: str, result: str) -> Operation:
        """Record the payer's choice once, then tell the merchant as PayFiP does."""
        if result not in RESULTS:
            raise ValueError(result)
        with self._lock:
            self.open_operation(idop)
            operation = self.operations[idop]
            now = self.clock().astimezone(PARIS)
            operation.result = result
            operation.dattrans = now.strftime("%d%m%Y")
            operation.heurtrans = now.strftime("%H%M")
            operation.numauto = (
                "".join(secrets.choice(NUMAUTO_ALPHABET) for _ in range(6)) if result == "P"
                else "")
            chosen = dataclasses.replace(operation)
        if self.notify:  # outside the lock: the merchant calls back while we wait
            outcome = send_notification(chosen.urlnotif, chosen.idop)
            with self._lock:
                self.notifications.append((chosen.urlnotif, chosen.idop, outcome))
        return chosen


# --- the merchant's URLs --------------------------------------------------------------------


def notification_target(url: str) -> tuple[str, dict[str, str]]:
    """The URL to connect to and the headers to add. Browsers send every `*.localhost` name to
    the loopback address, but not every resolver does: for those, connect to 127.0.0.1 on the
    same port and keep the original Host, which is what picks the collectivité."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    if not host.endswith(".localhost"):
        return url, {}
    original = parts.netloc.rpartition("@")[2]
    netloc = f"127.0.0.1:{parts.port}" if parts.port else "127.0.0.1"
    return urlunsplit(parts._replace(netloc=netloc)), {"Host": original}


def send_notification(url: str, idop: str) -> int | str:
    """POST `idOp=<idop>` as the real service does (form-encoded, unsigned); the HTTP status,
    or the error's text: the payer's page never fails because of the merchant's endpoint."""
    target, headers = notification_target(url)
    try:
        response = requests.post(target, data={"idOp": idop}, headers=headers,
                                 timeout=NOTIFY_TIMEOUT_SECONDS, allow_redirects=False)
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"
    return response.status_code


def redirect_url(url: str, idop: str) -> str:
    """The merchant's return URL with `idop` added, its own parameters kept."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "idop"]
    query.append(("idop", idop))
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- SOAP -----------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def read_call(body: bytes) -> tuple[str, dict[str, str]]:
    """The operation's name and `arg0`'s fields, by local name: prefixes vary between clients."""
    try:
        envelope = SafeXML.fromstring(body)
    except (SafeXML.ParseError, DefusedXmlException, ValueError) as exc:
        raise ClientFault(f"Requête SOAP illisible : {exc}") from exc
    soap_body = next((c for c in envelope if _local(c.tag) == "Body"), None)
    if _local(envelope.tag) != "Envelope" or soap_body is None or len(soap_body) == 0:
        raise ClientFault("Enveloppe SOAP sans corps.")
    call = soap_body[0]
    arg0 = next((c for c in call if _local(c.tag) == "arg0"), None)
    fields = {_local(c.tag): c.text or "" for c in arg0} if arg0 is not None else {}
    return _local(call.tag), fields


def _create(simulator: Simulator, fields: dict[str, str]) -> dict[str, str]:
    return {"idOp": simulator.create(fields).idop}


def _detail(simulator: Simulator, fields: dict[str, str]) -> dict[str, str]:
    op = simulator.detail(fields.get("idOp") or "")
    return {"dattrans": op.dattrans, "exer": op.exer, "heurtrans": op.heurtrans,
            "idOp": op.idop, "mel": op.mel, "montant": op.montant, "numauto": op.numauto,
            "numcli": op.numcli, "objet": op.objet, "refdet": op.refdet,
            "resultrans": op.result or "", "saisie": op.saisie}


def _client(simulator: Simulator, fields: dict[str, str]) -> dict[str, str]:
    numcli = fields.get("numCli") or ""
    if not re.fullmatch(r"[0-9]{6}", numcli):
        raise _invalid("numCli", "6 chiffres")
    return {"libelleN1": f"RÉGIE DE TEST {numcli}", "libelleN2": "", "libelleN3": "",
            "numcli": numcli}


OPERATIONS: dict[str, Callable[[Simulator, dict[str, str]], dict[str, str]]] = {
    "creerPaiementSecurise": _create,
    "recupererDetailPaiementSecurise": _detail,
    "recupererDetailClient": _client,
}


def _xml(value: str) -> str:
    return html.escape(value, quote=False)


def _envelope(body: str, status: int = 200) -> Response:
    text = (f'<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="{SOAP_NS}">'
            f"<S:Body>{body}</S:Body></S:Envelope>")
    return Response(text, status=status, content_type="text/xml; charset=utf-8")


def soap_response(operation: str, values: dict[str, str]) -> Response:
    """Document/literal as the WSDL says: the wrapper in the service's namespace, `return`
    and its fields unqualified (the schemas have no elementFormDefault)."""
    fields = "".join(f"<{k}>{_xml(v)}</{k}>" for k, v in values.items())
    return _envelope(f'<ns2:{operation}Response xmlns:ns2="{SERVICE_NS}">'
                     f"<return>{fields}</return></ns2:{operation}Response>")


def soap_fault(fault: Fault) -> Response:
    detail = (f'<ns2:FonctionnelleErreur xmlns:ns2="{SERVICE_NS}"><code>{_xml(fault.code)}</code>'
              f"<descriptif>{_xml(fault.descriptif)}</descriptif>"
              f"<libelle>{_xml(fault.libelle)}</libelle><severite>2</severite>"
              "</ns2:FonctionnelleErreur>")
    return _envelope(f"<S:Fault><faultcode>S:Server</faultcode><faultstring>{FAULT_STRING}"
                     f"</faultstring><detail>{detail}</detail></S:Fault>", status=500)


def client_fault(message: str) -> Response:
    return _envelope(f"<S:Fault><faultcode>S:Client</faultcode><faultstring>{_xml(message)}"
                     "</faultstring></S:Fault>", status=500)


# --- the WSDL and its schemas ---------------------------------------------------------------


def _resource(name: str) -> str:
    return (resources.files("eopayment") / "resource" / name).read_text(encoding="utf-8")


@functools.cache
def _wsdl_template() -> str:
    text = _resource("PaiementSecuriseService.wsdl")
    if REAL_ADDRESS not in text:  # a new eopayment moved it: say so rather than serve the DGFiP
        raise RuntimeError("eopayment's WSDL no longer holds the service's address")
    return text


def wsdl_for(service_url: str) -> str:
    """eopayment's WSDL, whose service lives at `service_url`."""
    return _wsdl_template().replace(REAL_ADDRESS, f'location="{html.escape(service_url)}"')


# --- the payment page -----------------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} – Simulateur PayFiP</title>
<style>
body { margin: 0; font: 1rem/1.5 system-ui, sans-serif; color: #1a1a1a; background: #fff; }
main { max-width: 40rem; margin: 0 auto; padding: 1.5rem 1rem; }
h1 { font-size: 1.75rem; margin: 0 0 1rem; }
.note { border-left: .3rem solid #8a4b00; background: #fff4e5; padding: .75rem 1rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: bold; }
dd { margin: 0; overflow-wrap: anywhere; }
fieldset { border: 1px solid #595959; padding: 1rem; }
legend { font-weight: bold; padding: 0 .25rem; }
button { display: block; width: 100%; margin: .5rem 0; padding: .75rem 1rem; font: inherit;
         font-weight: bold; border: 2px solid #1a1a1a; border-radius: .25rem; cursor: pointer; }
button:focus-visible { outline: 3px solid #1a1a1a; outline-offset: 3px; }
.accept { background: #1e6b34; color: #fff; }
.refuse { background: #a4161a; color: #fff; }
.abandon { background: #fff; color: #1a1a1a; }
</style>
</head>
<body>
<main>
<h1>Simulateur PayFiP</h1>
<p class="note">Ceci est un simulateur de PayFiP, le service de paiement en ligne de la DGFiP :
aucune carte n'est débitée et aucun paiement n'est transmis.</p>
{% if op %}
<h2>Paiement à effectuer</h2>
<dl>
<dt>Montant</dt><dd>{{ amount }}</dd>
<dt>Objet</dt><dd>{{ op.objet or "(aucun)" }}</dd>
<dt>Référence</dt><dd>{{ op.refdet }}</dd>
<dt>Adresse électronique</dt><dd>{{ op.mel }}</dd>
</dl>
<form method="post" action="{{ action }}">
<input type="hidden" name="idop" value="{{ op.idop }}">
<fieldset>
<legend>Choisissez le résultat du paiement simulé</legend>
<button type="submit" name="resultat" value="P" class="accept">Paiement accepté</button>
<button type="submit" name="resultat" value="R" class="refuse">Paiement refusé</button>
<button type="submit" name="resultat" value="A" class="abandon">Abandonner le paiement</button>
</fieldset>
</form>
{% else %}
<h2>{{ title }}</h2>
<p>{{ message }}</p>
{% endif %}
</main>
</body>
</html>
"""

CLOSED_MESSAGES = {
    True: ("Opération expirée",
           "Cette opération a expiré : un paiement doit être effectué dans les 15 minutes qui "
           "suivent sa création. Revenez sur le site de la collectivité pour recommencer."),
    False: ("Opération déjà traitée",
            "Le résultat de ce paiement a déjà été enregistré : cette opération ne peut plus "
            "être modifiée."),
}
UNKNOWN = ("Opération inconnue", "Aucune opération ne correspond à cet identifiant (idOp).")
BAD_CHOICE = ("Requête invalide", "Choisissez l'un des trois résultats proposés.")
#: No script, no outside resource: nothing here needs more than its inline style.
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"


def euros(cents: str) -> str:
    """'123456' → '1 234,56 €', with the no-break spaces French typography uses."""
    whole, rest = divmod(int(cents), 100)
    return f"{whole:,}".replace(",", "\u202f") + f",{rest:02d}\u00a0€"


def _page(status: int, title: str, message: str = "", op: Operation | None = None) -> Response:
    body = render_template_string(PAGE, title=title, message=message, op=op,
                                  amount=euros(op.montant) if op else "", action=PAYMENT_PATH)
    response = Response(body, status=status, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the app --------------------------------------------------------------------------------


def _simulator() -> Simulator:
    return current_app.extensions["payfip_simulator"]


def serve_wsdl():
    if "wsdl" not in request.args:
        return Response("WSDL : ajoutez ?wsdl", status=404, content_type="text/plain")
    return Response(wsdl_for(request.host_url + SERVICE_PATH.lstrip("/")),
                    content_type="text/xml; charset=utf-8")


def serve_schema(name: str):
    if name not in SCHEMAS:
        return Response("Schéma inconnu", status=404, content_type="text/plain")
    return Response(_resource(f"{name}.xsd"), content_type="text/xml; charset=utf-8")


def serve_soap():
    try:
        operation, fields = read_call(request.get_data())
        handler = OPERATIONS.get(operation)
        if handler is None:
            raise ClientFault(f"Opération inconnue : {operation}")
        return soap_response(operation, handler(_simulator(), fields))
    except Fault as fault:
        return soap_fault(fault)
    except ClientFault as exc:
        return client_fault(str(exc))


def payment_page():
    try:
        operation = _simulator().open_operation(request.args.get("idop", ""))
    except UnknownOperation:
        return _page(404, *UNKNOWN)
    except ClosedOperation as closed:
        return _page(410, *CLOSED_MESSAGES[closed.expired])
    return _page(200, "Paiement", op=operation)


def payment_choice():
    result = request.form.get("resultat", "")
    if result not in RESULTS:
        return _page(400, *BAD_CHOICE)
    try:
        operation = _simulator().choose(request.form.get("idop", ""), result)
    except UnknownOperation:
        return _page(404, *UNKNOWN)
    except ClosedOperation as closed:
        return _page(410, *CLOSED_MESSAGES[closed.expired])
    return redirect(redirect_url(operation.urlredirect, operation.idop), code=303)


def create_simulator(*, notify: bool = True,
                     clock: Callable[[], datetime] | None = None) -> Flask:
    """A WSGI app of its own; its state is `app.extensions["payfip_simulator"]`."""
    app = Flask(__name__, static_folder=None)
    app.extensions["payfip_simulator"] = Simulator(notify=notify, clock=clock)
    app.add_url_rule(SERVICE_PATH, "wsdl", serve_wsdl, methods=["GET"])
    app.add_url_rule(SERVICE_PATH, "soap", serve_soap, methods=["POST"])
    app.add_url_rule("/tpa/services/<name>.xsd", "schema", serve_schema, methods=["GET"])
    app.add_url_rule(PAYMENT_PATH, "payment_page", payment_page, methods=["GET"])
    app.add_url_rule(PAYMENT_PATH, "payment_choice", payment_choice, methods=["POST"])
    return app
