"""Payments are tested in Vallée Verte (the declarations' fixtures: today is 20 August 2026).
Élodie Martin declared the Gîte des Lilas for June (3 nights × 2 persons at 1,60 € + 10 % =
10,56 €) and July (3 nights × 4 persons, 1 minor, at 1,70 € + 10 % = 16,83 €); Paul Durand the
Chambres du Moulin for July (4 nights × 2 persons at 0,80 € + 10 % = 7,04 €). The régie's
PayFiP client number is 123456, in test mode; PayFiP is the local simulator, served on a free
port, whose notifications the tests deliver themselves (there is no server to receive them)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from plateforme.database import db
from tenants.audit.journal import Actor
from tenants.declarations.computing import StayInput
from tenants.payments import paying
from tests.plateforme.test_payfip_simulator import Clock, serve
from tests.tenants.declarations.conftest import hebergement
from tests.tenants.declarations.conftest import imported as imported  # noqa: F401
from tests.tenants.declarations.conftest import tenant as tenant  # noqa: F401
from tests.tenants.declarations.conftest import today as today  # noqa: F401
from tests.tenants.declarations.test_console import declare

NUMCLI = "123456"


def stay(arrival, departure, persons, minors=0):
    return StayInput(arrival, departure, persons, exempt_minors=minors, channel="direct",
                     platform=None)


@pytest.fixture
def declared(app, imported):  # noqa: F811  (the declarations' fixture, above)
    with db.tenant_context(imported):
        hebergement("Gîte des Lilas").reference = "SOR-0001"
        hebergement("Chambres du Moulin").reference = "SOR-0003"
        db.session.commit()
    declare(imported, "Gîte des Lilas", "2026-06",
            [stay(date(2026, 6, 5), date(2026, 6, 8), 2)], "Élodie Martin")
    declare(imported, "Gîte des Lilas", "2026-07",
            [stay(date(2026, 7, 10), date(2026, 7, 13), 4, minors=1)], "Élodie Martin")
    declare(imported, "Chambres du Moulin", "2026-07",
            [stay(date(2026, 7, 1), date(2026, 7, 5), 2)], "Paul Durand")
    return imported


@pytest.fixture
def payfip_clock():
    """PayFiP's own clock, five minutes after the app's (20 August 2026, 08:05 UTC)."""
    clock = Clock()
    clock.now = datetime(2026, 8, 20, 8, 5, tzinfo=UTC)
    return clock


@pytest.fixture
def simulator(app, payfip_clock):
    """The local PayFiP for this app; its notifications are not sent (no live server)."""
    thread, live = serve(payfip_clock, notify=False)
    app.config["PAYFIP_WSDL_URL"] = f"{live.base}/tpa/services/securite?wsdl"
    app.config["PAYFIP_PAYMENT_URL"] = f"{live.base}/tpa/paiementws.web"
    yield live
    thread.stop()


@pytest.fixture
def payfip_on(declared, simulator):
    with db.tenant_context(declared):
        paying.configure(db.session, {
            "payfip_numcli": NUMCLI, "payfip_mode": "T",
            "iban": "FR76 3000 1007 9412 3456 7890 185", "bic": "BDFEFRPPCCT",
            "account_holder": "Régie taxe de séjour Vallée Verte",
            "cheque_payee": "Régie taxe de séjour",
            "cheque_address": "1 place de la Mairie\n07200 Aubenas"}, Actor(label="test"))
        db.session.commit()
    return declared
