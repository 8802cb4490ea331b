"""Recovery is tested in Vallée Verte with the declarations' fixtures (today: 20 August 2026),
the hébergements on the platform since 1 June 2026, references SOR-0001… Élodie Martin (Gîte
des Lilas, Studio du Pont) has an account: the declarations' reminders reach her."""

from __future__ import annotations

from datetime import date

import pytest

from plateforme.database import db
from tests.tenants.declarations.conftest import hebergement
from tests.tenants.declarations.conftest import imported as imported  # noqa: F401
from tests.tenants.declarations.conftest import tenant as tenant  # noqa: F401
from tests.tenants.declarations.conftest import today as today  # noqa: F401

REFERENCES = {"Gîte des Lilas": "SOR-0001", "Studio du Pont": "SOR-0002",
              "Chambres du Moulin": "SOR-0003", "Camping de la Rivière": "SOR-0004"}


@pytest.fixture
def vallee(app, imported, host_email):  # noqa: F811
    with db.tenant_context(imported):
        for name, reference in REFERENCES.items():
            item = hebergement(name)
            item.reference, item.started_on = reference, date(2026, 6, 1)
        db.session.commit()
    return imported


def run(app, *args):
    return app.test_cli_runner().invoke(args=[str(arg) for arg in args])


def steps(result) -> list[str]:
    """The step lines a run printed (its last line is the count)."""
    assert result.exit_code == 0, result.output
    return [line for line in result.output.splitlines()
            if line.split(" ")[0] in ("rappel", "mise_en_demeure", "taxation_d_office")]
