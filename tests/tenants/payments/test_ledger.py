"""What is owed and how money is allocated: the oldest declaration first, partial payments,
several declarations at once, an overpayment kept as a credit, a rectification's difference
owed or credited, the credit applied; and every amount is the engine's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from plateforme.database import db
from plateforme.errors import UserError
from tenants.audit.journal import Actor
from tenants.declarations.models import Declaration
from tenants.payments import ledger, paying
from tests.tenants.conftest import host_by_name
from tests.tenants.declarations.test_console import rectify
from tests.tenants.payments.conftest import stay

BY = Actor(label="agent@example.fr")


def dues_of(last_name: str) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """period → (due, paid, outstanding) for the host's Gîte/Chambres."""
    host = host_by_name(last_name)
    return {d.period: (d.amount, d.paid, d.outstanding)
            for d in ledger.dues(db.session, host_id=host.id)}


def record(last_name: str, amount: str, targets=None):
    host = host_by_name(last_name)
    return paying.record(db.session, host, Decimal(amount), "virement", date(2026, 8, 18),
                         "VIR 123", BY, targets)


def test_the_dues_are_the_validated_declarations_amounts(app, declared):
    with db.tenant_context(declared):
        assert dues_of("Martin") == {"2026-06": (Decimal("10.56"), 0, Decimal("10.56")),
                                     "2026-07": (Decimal("16.83"), 0, Decimal("16.83"))}
        amounts = {d.period: d.amount for d in db.session.query(Declaration).all()
                   if d.hebergement.name == "Gîte des Lilas"}
        assert {k: v for k, v in amounts.items()} == {"2026-06": Decimal("10.56"),
                                                       "2026-07": Decimal("16.83")}


def test_a_partial_payment_goes_to_the_oldest_declaration_first(app, declared):
    with db.tenant_context(declared):
        payment = record("Martin", "15.00")
        db.session.commit()
        assert [(a.period, a.amount) for a in payment.allocations] == [
            ("2026-06", Decimal("10.56")), ("2026-07", Decimal("4.44"))]
        assert dues_of("Martin") == {"2026-06": (Decimal("10.56"), Decimal("10.56"), 0),
                                     "2026-07": (Decimal("16.83"), Decimal("4.44"),
                                                 Decimal("12.39"))}
        assert payment.number == f"P-2026-{payment.id:06d}"
        assert ledger.credit(db.session, payment.host_id) == 0


def test_an_overpayment_is_a_credit_applied_to_the_next_declaration(app, declared):
    with db.tenant_context(declared):
        payment = record("Martin", "30.00")   # 27,39 due
        db.session.commit()
        host = host_by_name("Martin")
        assert ledger.credit(db.session, host.id) == Decimal("2.61")
        assert sum(a.amount for a in payment.allocations) == Decimal("27.39")
    # May is declared late: the credit goes to it when an agent applies it.
    from tests.tenants.declarations.test_console import declare
    declare(declared, "Gîte des Lilas", "2026-05",
            [stay(date(2026, 5, 1), date(2026, 5, 3), 2)], "Élodie Martin")
    with db.tenant_context(declared):
        host = host_by_name("Martin")
        moved = paying.apply_credit(db.session, host, BY)
        db.session.commit()
        assert moved == Decimal("2.61")
        assert dues_of("Martin")["2026-05"] == (Decimal("7.04"), Decimal("2.61"),
                                                Decimal("4.43"))
        assert ledger.credit(db.session, host.id) == 0
        with pytest.raises(UserError, match="Aucun crédit"):
            paying.apply_credit(db.session, host, BY)


def test_chosen_declarations_are_paid_in_full_before_others(app, declared):
    with db.tenant_context(declared):
        host = host_by_name("Martin")
        july = ledger.select(ledger.dues(db.session, host_id=host.id),
                             {d.declaration_id for d in ledger.dues(db.session, host_id=host.id)
                              if d.period == "2026-07"})
        record("Martin", "16.83", july)
        db.session.commit()
        assert dues_of("Martin") == {"2026-06": (Decimal("10.56"), 0, Decimal("10.56")),
                                     "2026-07": (Decimal("16.83"), Decimal("16.83"), 0)}


def test_a_rectification_upwards_leaves_the_difference_to_pay(app, declared):
    with db.tenant_context(declared):
        record("Durand", "7.04")
        db.session.commit()
    rectify(declared, "Chambres du Moulin", "2026-07",
            [stay(date(2026, 7, 10), date(2026, 7, 11), 3)], "Paul Durand")
    with db.tenant_context(declared):
        assert dues_of("Durand") == {"2026-07": (Decimal("9.68"), Decimal("7.04"),
                                                 Decimal("2.64"))}
        due = ledger.dues(db.session, host_id=host_by_name("Durand").id)[0]
        assert due.version == 2 and due.state(date(2026, 8, 20)) is ledger.DueState.PARTIEL


def test_a_rectification_downwards_is_a_credit_that_moves_to_what_is_owed(app, declared):
    from tenants.declarations import desk
    from tests.tenants.declarations.conftest import hebergement
    from tests.tenants.declarations.test_console import host_context

    with db.tenant_context(declared):
        record("Martin", "27.39")
        db.session.commit()
    with db.tenant_context(declared):   # July rectified to "0 nuitée": 16,83 € paid for nothing
        item = hebergement("Gîte des Lilas")
        ctx = host_context(declared, item, "Élodie Martin")
        period = ctx.cal.period("2026-07")
        desk.rectify(ctx, item, period)
        desk.zero(ctx, item, period, "aucune_location")
        desk.validate(ctx, item, period)
        db.session.commit()
        host = host_by_name("Martin")
        assert ledger.credit(db.session, host.id) == Decimal("16.83")
    from tests.tenants.declarations.test_console import declare
    declare(declared, "Gîte des Lilas", "2026-05",
            [stay(date(2026, 5, 1), date(2026, 5, 3), 2)], "Élodie Martin")
    with db.tenant_context(declared):
        host = host_by_name("Martin")
        assert paying.apply_credit(db.session, host, BY) == Decimal("7.04")
        db.session.commit()
        assert dues_of("Martin")["2026-05"] == (Decimal("7.04"), Decimal("7.04"), 0)
        assert "2026-07" not in dues_of("Martin")   # 16,83 paid, then moved: nothing left
        assert ledger.credit(db.session, host.id) == Decimal("9.79")


def test_bad_receipts_are_refused_and_change_nothing(app, declared):
    with db.tenant_context(declared):
        host = host_by_name("Martin")
        for amount, means, day, message in (
                (Decimal("0"), "virement", date(2026, 8, 1), "montant"),
                (Decimal("5"), "especes", date(2026, 8, 1), "virement ou chèque"),
                (Decimal("5"), "cheque", None, "date"),
                (Decimal("5"), "cheque", date(2030, 1, 1), "futur")):
            with pytest.raises(UserError, match=message):
                paying.record(db.session, host, amount, means, day, "", BY)
            db.session.rollback()
        assert ledger.dues(db.session, host_id=host.id)[0].paid == 0
