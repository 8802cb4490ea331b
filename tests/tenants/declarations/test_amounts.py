"""Every euro of a declaration comes from the tax engine: the same stays typed into the public
calculator (`/api/calculette`) give, summed, exactly the declaration's amount; a stay over the
end of a period is split night by night; platforms' stays owe nothing here; au forfait, the
nights open (less the host's closures) and the abattement of the whole perception period."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from plateforme.database import db
from plateforme.errors import UserError
from tenants.audit import journal
from tenants.core.dates import paris_today
from tenants.declarations import desk, filing
from tenants.declarations.computing import StayInput
from tenants.hosts.models import Closure
from tenants.tax import calculation, deliberations
from tenants.tax import importing as delta_import
from tests.conftest import create_tenant, get, host_of
from tests.tenants.declarations.conftest import FIXTURES, hebergement

ACTOR = journal.Actor(label="test")


def context(tenant) -> desk.Context:
    return desk.Context(db.session, tenant.schema, filing.calendar_of(db.session), ACTOR,
                        "Test", paris_today())


def declare(tenant, name: str, key: str, stays: list[StayInput], validate=True):
    with db.tenant_context(tenant):
        ctx = context(tenant)
        item, period = hebergement(name), ctx.cal.period(key)
        for stay in stays:
            desk.add(ctx, item, period, stay)
        result = desk.validate(ctx, item, period) if validate else \
            filing.current(db.session, item.id, key)
        db.session.commit()
        return result.id, result.amount, json.loads(result.computation or "{}")


def calculator(app, tenant, **params) -> Decimal:
    response = get(app, host_of(tenant.slug), "/api/calculette", query_string=params)
    assert response.status_code == 200, response.get_json()
    return Decimal(response.get_json()["montant"])


def nights_in(stay: StayInput, start: date, end: date) -> tuple[date, int]:
    first = max(stay.arrival, start)
    last = min(stay.departure - timedelta(days=1), end)
    return first, (last - first).days + 1


JULY_STAYS = [
    StayInput(date(2026, 7, 1), date(2026, 7, 5), 4, exempt_minors=2),
    StayInput(date(2026, 7, 10), date(2026, 7, 17), 3, exempt_seasonal=1),
    StayInput(date(2026, 7, 18), date(2026, 7, 19), 1),
    StayInput(date(2026, 7, 20), date(2026, 7, 27), 6, exempt_minors=1, exempt_emergency=1),
    StayInput(date(2026, 7, 28), date(2026, 8, 4), 2),               # 4 nights in July
    StayInput(date(2026, 7, 5), date(2026, 7, 9), 2, channel="plateforme", platform="Airbnb"),
]


def test_a_month_equals_the_calculators_answers_summed(app, imported):
    _id, amount, _computation = declare(imported, "Gîte des Lilas", "2026-07", JULY_STAYS)
    expected = Decimal("0.00")
    for stay in JULY_STAYS:
        if stay.channel == "plateforme":
            continue
        first, nights = nights_in(stay, date(2026, 7, 1), date(2026, 7, 31))
        expected += calculator(app, imported, date=first.isoformat(), nature="meuble",
                               classement="3", commune="07019", nuits=str(nights),
                               personnes=str(stay.persons), exoneres=str(stay.exempt))
    assert amount == expected == Decimal("110.33")   # 8 + 14 + 1 + 28 + 8 = 59 × 1,87 €


def test_unclassified_and_low_rent_agree_with_the_calculator_too(app, imported):
    stays = [StayInput(date(2026, 7, 3), date(2026, 7, 6), 2, price_per_night=Decimal("85.50")),
             StayInput(date(2026, 7, 8), date(2026, 7, 15), 4, exempt_minors=2,
                       price_per_night=Decimal("140.00")),
             StayInput(date(2026, 7, 20), date(2026, 7, 22), 1,
                       price_per_night=Decimal("0.80"))]
    with db.tenant_context(imported):
        hebergement("Studio du Pont").insee = "07102"   # the EPCI's: a threshold of 1,00 €
        db.session.commit()
    _id, amount, computation = declare(imported, "Studio du Pont", "2026-07", stays)
    expected = sum((calculator(app, imported, date=s.arrival.isoformat(), nature="meuble",
                               classement="non_classe", commune="07102",
                               nuits=str(s.nights if hasattr(s, "nights") else
                                         (s.departure - s.arrival).days),
                               personnes=str(s.persons), exoneres=str(s.exempt),
                               prix_nuit_ht=str(s.price_per_night)) for s in stays),
                   Decimal("0.00"))
    assert amount == expected
    assert computation["lines"][2]["reason"] == "loyer_inferieur_seuil"
    assert computation["exempt_nights"]["loyer"] == 2


def test_a_stay_over_the_end_of_june_is_split_between_june_and_july(app, imported):
    over = StayInput(date(2026, 6, 28), date(2026, 7, 3), 2)    # 3 nights in June, 2 in July
    _id, june, _c = declare(imported, "Gîte des Lilas", "2026-06", [over])
    assert june == calculator(app, imported, date="2026-06-28", nature="meuble",
                              classement="3", commune="07019", nuits="3", personnes="2")
    assert june == Decimal("10.56")                               # 6 × (1,60 + 0,16)
    # July's declaration carries the stay's last 2 nights, at July's tariff.
    _id, july, computation = declare(imported, "Gîte des Lilas", "2026-07", [])
    assert july == Decimal("7.48")                                # 4 × (1,70 + 0,17)
    (line,) = computation["lines"]
    assert line["carried"] and line["first_night"] == "2026-07-01" and line["nights"] == 2


def test_a_reel_period_needs_its_stays_or_a_zero(imported):
    with db.tenant_context(imported):
        ctx = context(imported)
        with pytest.raises(UserError, match="0 nuitée"):
            desk.validate(ctx, hebergement("Gîte des Lilas"), ctx.cal.period("2026-07"))


def test_only_platform_stays_owe_nothing_and_say_so(imported):
    stays = [StayInput(date(2026, 7, 2), date(2026, 7, 9), 3, channel="plateforme",
                       platform="Airbnb")]
    _id, amount, computation = declare(imported, "Gîte des Lilas", "2026-07", stays)
    assert amount == Decimal("0.00")
    assert computation["platform_nights"] == 21 and computation["taxable_nights"] == 0


def test_what_the_engine_was_given_and_answered_is_kept(imported):
    ident, _amount, computation = declare(imported, "Gîte des Lilas", "2026-07",
                                          JULY_STAYS[:1])
    assert computation["deliberation"]["name"] == "AUBENAS"
    assert computation["lines"][0] == {
        "arrival": "2026-07-01", "departure": "2026-07-05", "carried": False, "persons": 4,
        "exempt": {"mineurs": 2, "saisonniers": 0, "urgence": 0}, "price_per_night": None,
        "channel": "direct", "platform": None, "first_night": "2026-07-01", "nights": 4,
        "tariff": "1.87", "reason": None, "taxable_nights": 8, "platform_nights": 0,
        "amount": "14.96"}
    assert "demi-centime" in computation["rounding"]


# --- au forfait -----------------------------------------------------------------------------


@pytest.fixture
def gruissan(app, today):
    tenant = create_tenant(app, "gruissan", "Gruissan", insee="11170")
    delta_import.import_file(FIXTURES / "delta_2026.xml", [tenant], ACTOR)
    from tenants.hosts import importing

    csv = (b"civilite;nom;prenom;adresse;code_postal;commune;email;telephone;compte_avant_2019;"
           b"reference;hebergement_nom;hebergement_adresse;hebergement_code_postal;"
           b"hebergement_commune;nature;classement;capacite\n"
           b"M.;Marin;Jean;1 quai;11430;Gruissan;;;non;G1;Villa des Salins;1 quai;11430;"
           b"Gruissan;meuble;3;4\n")
    with db.tenant_context(tenant):
        importing.import_hosts(db.session, csv)
        hebergement("Villa des Salins").started_on = date(2026, 1, 1)
        db.session.commit()
    return tenant


def test_forfait_counts_the_nights_open_and_the_whole_seasons_abattement(gruissan):
    with db.tenant_context(gruissan):
        villa = hebergement("Villa des Salins")
        villa.closures.append(Closure(starts_on=date(2026, 8, 31), ends_on=date(2026, 8, 31)))
        db.session.commit()
        ctx = context(gruissan)
        july = ctx.cal.period("2026-07")
        found = desk.desk(db.session, gruissan.schema, villa, july, ctx.cal, ctx.today)
        # July alone is 31 nights (the 20 % band); the season, July–August less 31 August, is
        # open 61 nights: the 40 % band applies to each month of it.
        assert found.forfait and found.summary.forfait.nights_open == 31
        assert found.summary.forfait.band_nights == 61
        rules = deliberations.rules(found.summary.deliberation.deliberation, gruissan.schema)
        engine = calculation.forfait(rules, category=found.summary.category,
                                     day=date(2026, 7, 1), units=4, nights_open=31,
                                     band_nights=61)
        assert engine.abattement == Decimal("40.00")
        declaration = desk.validate(ctx, villa, july)
        db.session.commit()
        assert declaration.amount == engine.amount > 0
        # Closed ten days of July: 21 nights open, and the season falls to the 20 % band.
        villa.closures.append(Closure(starts_on=date(2026, 7, 1), ends_on=date(2026, 7, 10)))
        db.session.commit()
        found = desk.desk(db.session, gruissan.schema, villa, ctx.cal.period("2026-08"),
                          ctx.cal, ctx.today)
        assert (found.summary.forfait.nights_open, found.summary.forfait.band_nights) == (30, 51)
        assert found.summary.forfait.quotes[0].abattement == Decimal("20.00")
        # June is outside the perception period: nothing is due.
        june = desk.desk(db.session, gruissan.schema, villa, ctx.cal.period("2026-06"),
                         ctx.cal, ctx.today)
        assert june.summary.amount == 0


def test_a_month_closed_throughout_is_declared_closed_automatically(gruissan):
    with db.tenant_context(gruissan):
        villa = hebergement("Villa des Salins")
        villa.closures.append(Closure(starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 31)))
        db.session.commit()
        ctx = context(gruissan)
        declaration = desk.validate(ctx, villa, ctx.cal.period("2026-05"))
        db.session.commit()
        assert (declaration.zero_reason, declaration.amount) == ("ferme", Decimal("0.00"))


def test_the_sha256_vouches_for_the_validated_content(imported):
    import hashlib

    from tenants.declarations.models import Declaration

    ident, _amount, _c = declare(imported, "Gîte des Lilas", "2026-07", JULY_STAYS[:2])
    with db.tenant_context(imported):
        row = db.session.get(Declaration, ident)
        assert hashlib.sha256(filing._content(row).encode()).hexdigest() == row.sha256
        row.stays[0].persons += 1        # what a tampered row would look like
        assert hashlib.sha256(filing._content(row).encode()).hexdigest() != row.sha256
        db.session.rollback()
