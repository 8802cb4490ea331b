"""Declarations are tested in Vallée Verte with its real deliberations (the DELTA fixture, loaded
through the product's import): Aubenas's own (3 étoiles: 1,60 € to June, 1,70 € from July,
+ 10 % départementale), the EPCI's elsewhere. Today is Thursday 20 August 2026 in Paris;
hébergements are on the platform since 1 January 2026."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from plateforme.database import db
from tenants.audit import journal
from tenants.collectivite import settings
from tenants.hosts.models import Hebergement
from tenants.tax import importing
from tests.conftest import create_tenant

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
STAYS = FIXTURES / "stays"
NOW = datetime(2026, 8, 20, 8, 0)   # UTC: 10 h in Paris


@pytest.fixture
def tenant(app):
    tenant = create_tenant(app, "vallee", "Vallée Verte", kind="communaute_de_communes",
                           siren="200068609")
    with db.tenant_context(tenant):
        settings.get(db.session).support_phone = "+33475123456"
        db.session.commit()
    importing.import_file(FIXTURES / "delta_2026.xml", [tenant], journal.Actor(label="test"))
    return tenant


@pytest.fixture
def today(utc_clock):
    utc_clock[0] = NOW
    return date(2026, 8, 20)


@pytest.fixture
def imported(app, tenant, today):
    """The fixture's hosts, their hébergements on the platform since January, Durand's in
    Labégude (the EPCI's deliberation)."""
    from tenants.hosts import importing as hosts_import
    from tests.tenants.conftest import FIXTURES as HOSTS_FIXTURES

    with db.tenant_context(tenant):
        hosts_import.import_hosts(db.session, (HOSTS_FIXTURES / "hebergeurs.csv").read_bytes())
        for item in db.session.scalars(sa.select(Hebergement)):
            item.started_on = date(2026, 1, 1)
            if item.name == "Chambres du Moulin":
                item.insee = "07102"
        db.session.commit()
    return tenant


def hebergement(name: str) -> Hebergement:
    return db.session.scalar(sa.select(Hebergement).where(Hebergement.name == name))
