"""The local PayFiP, driven by eopayment's real client over HTTP (so that the WSDL, the schemas
and the SOAP envelopes are proved against zeep) and by Flask's test client for the payer's
page. No database: the simulator is a service of its own."""

from __future__ import annotations

import re
import socket
import threading
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from click.testing import CliRunner
from eopayment.payfip_ws import PayFiP, PayFiPError
from flask import Flask, request
from werkzeug.serving import make_server

from plateforme.cli import payfip_group
from plateforme.payfip.simulator import (
    Simulator,
    create_simulator,
    euros,
    notification_target,
    redirect_url,
)
from tests.conftest import CI

NOW = datetime(2026, 7, 14, 22, 30, tzinfo=UTC)  # 15 July, 00:30 in Paris
NUMCLI = "123456"
PAGE = "/tpa/paiementws.web"
SERVICE = "/tpa/services/securite"


class Clock:
    """Time the tests move by hand."""

    def __init__(self):
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class Thread:
    """A WSGI app on a free port, threaded like the CLI's server."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class Live(NamedTuple):
    base: str
    simulator: Simulator
    app: Flask


@pytest.fixture
def clock():
    return Clock()


def serve(clock, notify):
    app = create_simulator(notify=notify, clock=clock)
    thread = Thread(app)
    return thread, Live(thread.base, app.extensions["payfip_simulator"], app)


@pytest.fixture
def live(clock):
    """The simulator serving in a thread: its base URL and its Simulator (and app)."""
    thread, served = serve(clock, notify=False)
    yield served
    thread.stop()


@pytest.fixture
def notifying(clock):
    thread, served = serve(clock, notify=True)
    yield served
    thread.stop()


def client_of(live: Live) -> PayFiP:
    return PayFiP(wsdl_url=f"{live.base}{SERVICE}?wsdl")


@pytest.fixture
def payfip(live):
    return client_of(live)


class Merchant(NamedTuple):
    base: str
    port: int
    received: list


@pytest.fixture
def merchant(notifying):
    """A notification endpoint that, like the product, asks PayFiP for the outcome at once."""
    app = Flask("merchant")
    received = []

    @app.post("/notification")
    def notification():
        body = request.get_data()  # before the form, which would consume it
        detail = client_of(notifying).get_info_paiement(request.form["idOp"])
        received.append({"body": body, "type": request.content_type,
                         "host": request.host, "resultrans": detail["resultrans"]})
        return "", 204

    thread = Thread(app)
    yield Merchant(thread.base, thread.server.server_port, received)
    thread.stop()


def new_payment(payfip: PayFiP, **overrides) -> str:
    values = {"numcli": NUMCLI, "saisie": "T", "exer": "2026", "refdet": "TS2026T2H42",
              "montant": "123456", "mel": "hote@example.org", "objet": "Taxe de sejour T2 2026",
              "url_notification": "https://vallee-verte.example/payfip/notification",
              "url_redirect": "https://vallee-verte.example/payfip/retour?declaration=7"}
    return str(payfip.get_idop(**{**values, **overrides}))


def show(live: Live, idop: str):
    return live.app.test_client().get(f"{PAGE}?idop={idop}")


def choose(live: Live, idop: str, result: str):
    return live.app.test_client().post(PAGE, data={"idop": idop, "resultat": result})


def payfip_code(call) -> str:
    with pytest.raises(PayFiPError) as caught:
        call()
    return caught.value.code


# --- the WSDL -------------------------------------------------------------------------------


def test_the_wsdl_names_this_server_and_serves_its_schemas(live):
    wsdl = requests.get(f"{live.base}{SERVICE}?wsdl", timeout=5)
    assert wsdl.status_code == 200 and wsdl.headers["Content-Type"].startswith("text/xml")
    assert f'location="{live.base}{SERVICE}"' in wsdl.text
    assert "payfip.gouv.fr" not in wsdl.text
    for n in (1, 2, 3):
        schema = requests.get(f"{live.base}/tpa/services/PaiementSecuriseService_schema{n}.xsd",
                              timeout=5)
        assert schema.status_code == 200 and "<xs:schema" in schema.text
    assert requests.get(f"{live.base}/tpa/services/other.xsd", timeout=5).status_code == 404


# --- creerPaiementSecurise, recupererDetail… ------------------------------------------------


def test_a_payment_stays_p5_until_the_payer_chooses(live, payfip):
    idop = new_payment(payfip)
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", idop)
    operation = live.simulator.operations[idop]
    assert (operation.numcli, operation.montant, operation.result) == (NUMCLI, "123456", None)
    assert operation.created_at == NOW
    assert payfip_code(lambda: payfip.get_info_paiement(idop)) == "P5"


def test_an_accepted_payment_is_detailed_in_paris_time(live, payfip):
    idop = new_payment(payfip)
    assert choose(live, idop, "P").status_code == 303
    detail = payfip.get_info_paiement(idop)
    assert detail["resultrans"] == "P" and detail["idOp"] == idop
    assert (detail["montant"], detail["refdet"], detail["numcli"], detail["exer"]) == (
        "123456", "TS2026T2H42", NUMCLI, "2026")
    assert (detail["mel"], detail["objet"], detail["saisie"]) == (
        "hote@example.org", "Taxe de sejour T2 2026", "T")
    assert re.fullmatch(r"[A-Za-z0-9]{6}", detail["numauto"])
    assert (detail["dattrans"], detail["heurtrans"]) == ("15072026", "0030")


@pytest.mark.parametrize("result", ["R", "A"])
def test_a_refused_or_abandoned_payment_has_no_authorisation(live, payfip, result):
    idop = new_payment(payfip)
    choose(live, idop, result)
    detail = payfip.get_info_paiement(idop)
    assert detail["resultrans"] == result
    assert not detail["numauto"]  # empty element: zeep reads None


def test_an_unknown_idop_is_p1(payfip):
    assert payfip_code(lambda: payfip.get_info_paiement("00000000-0000-0000-0000-000000000000")
                       ) == "P1"


@pytest.mark.parametrize(("field", "value"), [
    ("refdet", "2026-042"), ("refdet", "A" * 31), ("montant", "99"), ("montant", "10000001"),
    ("montant", "12.50"), ("numcli", "12345"), ("exer", "26"), ("mel", "hote"),
    ("saisie", "M"), ("url_notification", "ftp://vallee-verte.example/n"),
])
def test_an_invalid_field_is_refused_with_its_name(payfip, field, value):
    with pytest.raises(PayFiPError) as caught:
        new_payment(payfip, **{field: value})
    assert caught.value.code == "S1"
    assert {"url_notification": "urlnotif"}.get(field, field) in caught.value.message


def test_the_amount_limits_are_accepted(payfip):
    assert new_payment(payfip, refdet="MIN", montant="100")
    assert new_payment(payfip, refdet="MAX", montant="10000000")


def test_a_refdet_is_used_once_per_numcli(payfip):
    new_payment(payfip)
    assert payfip_code(lambda: new_payment(payfip)) == "P3"
    assert new_payment(payfip, numcli="654321")


def test_the_client_detail_names_a_test_regie(payfip):
    client = payfip.get_info_client(NUMCLI)
    assert client["numcli"] == NUMCLI and client["libelleN1"] == f"RÉGIE DE TEST {NUMCLI}"


@pytest.mark.parametrize("body", [
    b"not xml",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>',
    b'<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>'
    b"<payerTout/></S:Body></S:Envelope>",
])
def test_an_unreadable_request_is_a_client_fault(live, body):
    response = requests.post(f"{live.base}{SERVICE}", data=body, timeout=5,
                             headers={"Content-Type": "text/xml"})
    assert response.status_code == 500
    assert "<faultcode>S:Client</faultcode>" in response.text


# --- the payer's page -----------------------------------------------------------------------


def test_the_page_shows_the_payment_in_french(live, payfip):
    idop = new_payment(payfip)
    response = show(live, idop)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in text and text.count("<main>") == 1
    assert re.findall(r"<h1>(.*?)</h1>", text) == ["Simulateur PayFiP"]
    assert "aucune carte n'est débitée" in text
    assert "1\u202f234,56\u00a0€" in text
    for shown in ("Taxe de sejour T2 2026", "TS2026T2H42", "hote@example.org",
                  f'name="idop" value="{idop}"'):
        assert shown in text
    buttons = re.findall(r'<button type="submit" name="resultat" value="(.)"[^>]*>(.*?)</button>',
                         text)
    assert buttons == [("P", "Paiement accepté"), ("R", "Paiement refusé"),
                       ("A", "Abandonner le paiement")]
    assert "<script" not in text and "src=" not in text and "<link" not in text


def test_euros_are_written_the_french_way():
    assert euros("123456") == "1\u202f234,56\u00a0€"
    assert euros("100") == "1,00\u00a0€"
    assert euros("10000000") == "100\u202f000,00\u00a0€"


def test_an_unknown_idop_has_no_page(live):
    response = show(live, "inconnu")
    assert response.status_code == 404 and "Opération inconnue" in response.get_data(as_text=True)
    assert choose(live, "inconnu", "P").status_code == 404


def test_only_three_outcomes_exist(live, payfip):
    idop = new_payment(payfip)
    assert choose(live, idop, "V").status_code == 400
    assert live.simulator.operations[idop].result is None


def test_an_expired_operation_cannot_be_paid_and_stays_p5(live, payfip, clock):
    idop = new_payment(payfip)
    clock.now = NOW + timedelta(minutes=16)
    response = show(live, idop)
    text = response.get_data(as_text=True)
    assert response.status_code == 410 and "a expiré" in text and "<form" not in text
    assert choose(live, idop, "P").status_code == 410
    assert live.simulator.operations[idop].result is None
    assert payfip_code(lambda: payfip.get_info_paiement(idop)) == "P5"


def test_an_outcome_is_chosen_once(live, payfip):
    idop = new_payment(payfip)
    choose(live, idop, "R")
    response = show(live, idop)
    assert response.status_code == 410 and "déjà été enregistré" in response.get_data(as_text=True)
    assert choose(live, idop, "P").status_code == 410
    assert payfip.get_info_paiement(idop)["resultrans"] == "R"


def test_the_payer_returns_with_idop_and_the_merchants_parameters(live, payfip):
    idop = new_payment(payfip, url_redirect="https://m.example/retour?declaration=7&vide=")
    location = urlsplit(choose(live, idop, "A").headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "m.example", "/retour")
    assert parse_qs(location.query, keep_blank_values=True) == {
        "declaration": ["7"], "vide": [""], "idop": [idop]}


def test_redirect_url_replaces_a_stale_idop():
    assert redirect_url("http://m.example/r?idop=old&a=1", "new") == "http://m.example/r?a=1&idop=new"
    assert redirect_url("http://m.example/r", "new") == "http://m.example/r?idop=new"


# --- the notification -----------------------------------------------------------------------


def test_the_merchant_is_notified_and_can_read_the_outcome(notifying, merchant):
    url = f"{merchant.base}/notification"
    idop = new_payment(client_of(notifying), url_notification=url)
    assert choose(notifying, idop, "P").status_code == 303
    assert merchant.received == [{"body": f"idOp={idop}".encode(),
                                  "type": "application/x-www-form-urlencoded",
                                  "host": f"127.0.0.1:{merchant.port}", "resultrans": "P"}]
    assert notifying.simulator.notifications == [(url, idop, 204)]


def test_a_localhost_subdomain_is_reached_on_the_loopback_with_its_host(notifying, merchant):
    host = f"vallee-verte.taxesejour.localhost:{merchant.port}"
    idop = new_payment(client_of(notifying), url_notification=f"http://{host}/notification")
    choose(notifying, idop, "R")
    assert [(r["host"], r["resultrans"]) for r in merchant.received] == [(host, "R")]


def test_a_failed_notification_is_recorded_and_the_payer_still_returns(notifying):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/notification"
    idop = new_payment(client_of(notifying), url_notification=url)
    assert choose(notifying, idop, "P").status_code == 303
    [(sent_to, sent_idop, outcome)] = notifying.simulator.notifications
    assert (sent_to, sent_idop) == (url, idop) and isinstance(outcome, str)


def test_no_notification_when_disabled(live, payfip):
    choose(live, new_payment(payfip), "P")
    assert live.simulator.notifications == []


@pytest.mark.parametrize(("url", "target", "headers"), [
    ("http://vallee-verte.taxesejour.localhost:5000/payfip/n?x=1",
     "http://127.0.0.1:5000/payfip/n?x=1", {"Host": "vallee-verte.taxesejour.localhost:5000"}),
    ("http://a.localhost/n", "http://127.0.0.1/n", {"Host": "a.localhost"}),
    ("https://vallee-verte.taxesejour.fr/n", "https://vallee-verte.taxesejour.fr/n", {}),
    ("http://localhost:5000/n", "http://localhost:5000/n", {}),
])
def test_notification_target(url, target, headers):
    assert notification_target(url) == (target, headers)


# --- the command ----------------------------------------------------------------------------


def test_the_command_prints_its_wsdl_url(monkeypatch):
    served = []

    class Server:
        server_port = 5099

        def __init__(self, host, port, app, threaded):
            served.append((host, port, threaded, "payfip_simulator" in app.extensions))

        def serve_forever(self):
            raise KeyboardInterrupt

        def server_close(self):
            served.append("closed")

    monkeypatch.setattr("werkzeug.serving.make_server", Server)
    result = CliRunner().invoke(payfip_group, ["simulator"])
    assert result.exit_code == 0, result.output
    assert result.output == "Simulateur PayFiP : http://127.0.0.1:5099/tpa/services/securite?wsdl\n"
    assert served == [("127.0.0.1", 5099, True, True), "closed"]


# --- accessibility --------------------------------------------------------------------------


@pytest.mark.browser
def test_the_pages_pass_axe(live, payfip, clock):
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _chromium_problem, axe_violations

    problem = _chromium_problem()
    if problem:
        if CI:
            pytest.fail(f"CI=true requires the browser suite. {problem}", pytrace=False)
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    payment = new_payment(payfip)
    expired = new_payment(payfip, refdet="EXPIRE")
    live.simulator.operations[expired].created_at = NOW - timedelta(minutes=20)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(locale="fr-FR")
        for idop in (payment, expired, "inconnu"):
            page.goto(f"{live.base}{PAGE}?idop={idop}")
            assert axe_violations(page) == [], idop
        browser.close()
