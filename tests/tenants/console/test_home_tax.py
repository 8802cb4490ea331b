"""The tax's panels of the console home, on the payments' collectivité (today is 20 August 2026,
monthly declarations due on the 15th): July is the period being declared. Élodie Martin declared
the Gîte des Lilas for June (10,56 €) and July (16,83 €), Paul Durand the Chambres du Moulin for
July (7,04 €), which he then pays by cheque; the Studio du Pont and the Camping are late for
July. The figures come from the features' own services, in a few queries."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from plateforme.database import db
from tenants.audit.journal import Actor
from tenants.payments import paying
from tests.tenants.conftest import host_by_name
from tests.tenants.declarations.conftest import imported as imported  # noqa: F401
from tests.tenants.declarations.conftest import tenant as tenant  # noqa: F401
from tests.tenants.declarations.conftest import today as today  # noqa: F401
from tests.tenants.payments.conftest import declared as declared  # noqa: F401


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def panel(html: str, title: str) -> str:
    """The text of the home's panel headed `title`."""
    return text(re.search(rf"<h2 [^>]*>{title}</h2>(.*?)</section>", html, re.S).group(1))


def test_declarations_payments_and_recovery_panels(declared, as_agent):  # noqa: F811
    with db.tenant_context(declared):
        paying.record(db.session, host_by_name("Durand"), Decimal("7.04"), "cheque",
                      date(2026, 8, 19), "CHQ 1", Actor(label="test"))
        db.session.commit()
    html = as_agent.get("/admin/").text
    declarations = panel(html, "Déclarations de juillet 2026")
    for figure in ("Échéance : 15 août 2026.", "Hébergements concernés : 4", "Déclarées : 2",
                   "En retard : 2", "Pas encore déclarées (à déclarer ou en brouillon) : 0",
                   "Taxe déclarée : 23,87 €"):
        assert figure in declarations, figure
    payments = panel(html, "Paiements")
    for figure in ("Dû pour juillet 2026 : 23,87 €", "Payé pour juillet 2026 : 7,04 €",
                   "Reste dû pour juillet 2026 : 16,83 €", "Encaissé : 7,04 €",
                   "Reste à recouvrer sur les déclarations validées : 27,39 €"):
        assert figure in payments, figure
    assert "Rappel : 0 dossier(s) ouvert(s)" in panel(html, "Recouvrement")
    todo = panel(html, "À faire")
    assert "Relancer les 2 hébergement(s) en retard" in todo


def test_the_whole_home_takes_a_few_queries(declared, as_agent):  # noqa: F811
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        assert as_agent.get("/admin/").status_code == 200
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    # The agent's session, the collectivité's settings for the layout, and each panel's
    # services (payments: the period's account and the totals): 18 on the day it was written.
    assert len(statements) <= 20, "\n".join(statements)
