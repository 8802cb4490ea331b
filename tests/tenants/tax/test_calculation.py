"""The engine's rules, one by one, on the anchors the reference gives (Paris 2026, Le
Grand-Bornand's proportional example, stacked additional taxes, forfait bands)."""

from datetime import date
from decimal import Decimal as D

import pytest

from tenants.tax.calculation import (
    AdditionalTax,
    Band,
    LowRent,
    NoTariff,
    Period,
    Reason,
    Regime,
    Rules,
    cents,
    forfait,
    period_length,
    reel,
)

YEAR_2026 = ((1, 1), (12, 31))
PARIS_TARIFFS = {1: D("4.90"), 2: D("3.60"), 3: D("2.60"), 4: D("1.70"), 5: D("1.00"),
                 6: D("0.80"), 7: D("0.60"), 8: D("0.20"), 9: D("5.00")}
IDF = (AdditionalTax("departementale", D("10.00")), AdditionalTax("regionale", D("15.00")),
       AdditionalTax("idfm", D("200.00")))
PARIS = Rules(2026, (Period(*YEAR_2026, PARIS_TARIFFS),), additional=IDF)
MARCH = date(2026, 3, 2)


def test_paris_2026_three_stars_is_five_euros_fifty_three():
    quote = reel(PARIS, category=4, first_night=MARCH, nights=1, persons=1)
    assert quote.tariff.communal == D("1.70")
    assert [(code, amount) for code, _rate, amount in quote.tariff.additional] == [
        ("departementale", D("0.17")), ("regionale", D("0.26")), ("idfm", D("3.40"))]
    assert quote.tariff.total == D("5.53") and quote.amount == D("5.53")


def test_paris_2026_palace_is_fifteen_euros_ninety_three():
    """4.90 + 0.49 + 0.735 (0.74, half up) + 9.80."""
    assert reel(PARIS, category=1, first_night=MARCH, nights=1, persons=1).amount == D("15.93")


def test_reel_taxes_nights_times_persons_who_are_not_exempt():
    quote = reel(PARIS, category=4, first_night=MARCH, nights=3, persons=4, exempt=2)
    assert quote.regime is Regime.REEL and quote.taxable_nights == 6
    assert quote.amount == D("33.18")  # 5.53 × 6


def test_le_grand_bornand_proportional_example():
    """€700 a week, 4 occupants of whom 2 minors: 100 €/night → 25 €/person → 5 % = 1.25 € per
    adult per night, × 2 adults × 7 nights (no additional tax there)."""
    rules = Rules(2026, (Period(*YEAR_2026, {1: D("4.00"), 9: D("5.00")}),))
    quote = reel(rules, category=9, first_night=date(2026, 2, 7), nights=7, persons=4, exempt=2,
                 price_per_night=D("100.00"))
    assert quote.tariff.communal == D("1.25")
    assert quote.taxable_nights == 14 and quote.amount == D("17.50")


def test_the_proportional_tariff_is_rounded_then_capped_at_the_highest_adopted_tariff():
    rules = Rules(2026, (Period(*YEAR_2026, {2: D("3.00"), 4: D("1.50"), 9: D("5.00")}),),
                  additional=(AdditionalTax("departementale", D("10.00")),))
    # 5 % of 333.33 / 2 = 8.33325 → 8.33, above the highest adopted tariff (3.00): capped.
    capped = reel(rules, category=9, first_night=MARCH, nights=1, persons=2,
                  price_per_night=D("333.33"))
    assert capped.tariff.communal == D("3.00") and capped.tariff.total == D("3.30")
    # 5 % of 12.35 / 1 = 0.6175 → 0.62 (half up, at the cent, before anything else).
    small = reel(rules, category=9, first_night=MARCH, nights=1, persons=1,
                 price_per_night=D("12.35"))
    assert small.tariff.communal == D("0.62") and small.tariff.total == D("0.68")


def test_the_paris_proportional_cap_follows_the_palace_rate():
    quote = reel(PARIS, category=9, first_night=MARCH, nights=1, persons=1,
                 price_per_night=D("1000.00"))
    assert quote.tariff.total == D("15.93")


def test_each_additional_tax_is_rounded_to_the_cent_half_up_on_the_communal_tariff():
    rules = Rules(2026, (Period(*YEAR_2026, {6: D("0.75")}),),
                  additional=(AdditionalTax("departementale", D("10.00")),
                              AdditionalTax("lgv", D("34.00"))))
    tariff = reel(rules, category=6, first_night=MARCH, nights=1, persons=1).tariff
    assert [a for _c, _r, a in tariff.additional] == [D("0.08"), D("0.26")]  # 0.075, 0.255
    assert tariff.total == D("1.09")


def test_the_amount_is_rounded_once_on_the_total():
    rules = Rules(2026, (Period(*YEAR_2026, {9: D("3.00"), 1: D("4.00")}),))
    quote = reel(rules, category=9, first_night=MARCH, nights=3, persons=3,
                 price_per_night=D("55.55"))
    # 3 % of 55.55 / 3 = 0.5555 → 0.56 per person per night; × 9 = 5.04.
    assert quote.tariff.total == D("0.56") and quote.amount == D("5.04")


def test_occupants_of_premises_rented_strictly_below_the_threshold_are_exempt():
    per_night = Rules(2026, (Period(*YEAR_2026, {9: D("5.00"), 1: D("4.00")}),),
                      low_rent=LowRent(per_night=D("1.00")))
    exempt = reel(per_night, category=9, first_night=MARCH, nights=2, persons=2,
                  price_per_night=D("0.99"))
    assert exempt.amount == D("0.00") and exempt.reason is Reason.LOYER_INFERIEUR_SEUIL
    at_threshold = reel(per_night, category=9, first_night=MARCH, nights=2, persons=2,
                        price_per_night=D("1.00"))
    assert at_threshold.reason is None and at_threshold.amount > 0
    per_week = Rules(2026, (Period(*YEAR_2026, {4: D("1.50")}),),
                     low_rent=LowRent(per_week=D("50.00")))
    assert reel(per_week, category=4, first_night=MARCH, nights=7, persons=1,
                price_per_night=D("7.14")).reason is Reason.LOYER_INFERIEUR_SEUIL  # 49.98
    assert reel(per_week, category=4, first_night=MARCH, nights=7, persons=1,
                price_per_night=D("7.15")).reason is None                           # 50.05
    # Without a price, nothing says the rent is low: the tariff applies.
    assert reel(per_week, category=4, first_night=MARCH, nights=1, persons=1).amount == D("1.50")


def test_a_zero_threshold_exempts_nobody():
    rules = Rules(2026, (Period(*YEAR_2026, {9: D("5.00"), 1: D("4.00")}),),
                  low_rent=LowRent(per_night=D("0.00")))
    assert reel(rules, category=9, first_night=MARCH, nights=1, persons=1,
                price_per_night=D("0.00")).reason is None


SUMMER = Period((7, 1), (8, 31), {4: D("1.70")})
WINTER = Period((12, 15), (3, 15), {4: D("1.00")})  # over the new year


def test_nights_outside_every_perception_period_are_not_taxed():
    rules = Rules(2026, (SUMMER,))
    quote = reel(rules, category=4, first_night=date(2026, 5, 10), nights=3, persons=2)
    assert quote.amount == D("0.00") and quote.reason is Reason.HORS_PERIODE
    straddling = reel(rules, category=4, first_night=date(2026, 6, 29), nights=4, persons=1)
    assert straddling.taxable_nights == 2 and straddling.amount == D("3.40")


def test_a_stay_over_two_periods_takes_each_periods_tariff():
    rules = Rules(2026, (Period((1, 1), (6, 30), {4: D("1.00")}),
                         Period((7, 1), (12, 31), {4: D("2.00")})))
    quote = reel(rules, category=4, first_night=date(2026, 6, 29), nights=4, persons=1)
    assert [(p.taxable_nights, p.amount) for p in quote.parts] == [(2, D("2.00")),
                                                                   (2, D("4.00"))]
    assert quote.amount == D("6.00")


def test_a_period_over_the_new_year_covers_both_ends_of_the_year():
    rules = Rules(2026, (WINTER, SUMMER))
    assert rules.period_of(date(2026, 1, 10)) is WINTER
    assert rules.period_of(date(2026, 12, 20)) is WINTER
    assert rules.period_of(date(2026, 4, 1)) is None
    # Nights of the following year belong to that year's rules, not these.
    assert reel(rules, category=4, first_night=date(2026, 12, 30), nights=4,
                persons=1).taxable_nights == 2
    assert period_length(WINTER, 2026) == 17 + 74


def test_a_category_without_a_tariff_is_said_so():
    with pytest.raises(NoTariff):
        reel(Rules(2026, (SUMMER,)), category=2, first_night=date(2026, 7, 2), nights=1,
             persons=1)


def test_forfait_is_tariff_times_units_times_nights_open_less_the_bands_abattement():
    bands = (Band(D("20.00"), 1, 60), Band(D("40.00"), 61, 105), Band(D("50.00"), 106))
    rules = Rules(2026, (Period((7, 1), (8, 31), {4: D("1.20")}),),
                  regimes={2: Regime.FORFAIT},
                  additional=(AdditionalTax("departementale", D("10.00")),), bands=bands)
    assert rules.regime(2) is Regime.FORFAIT and rules.regime(10) is Regime.REEL
    quote = forfait(rules, category=4, day=date(2026, 7, 14), units=10, nights_open=62)
    # (1.20 + 0.12) × 10 units × 62 nights × (1 − 40 %) = 491.04
    assert quote.abattement == D("40.00") and quote.taxable_nights == 620
    assert quote.amount == D("491.04")
    assert forfait(rules, category=4, day=date(2026, 7, 14), units=1,
                   nights_open=30).amount == D("31.68")   # 1.32 × 30 × 0.8
    outside = forfait(rules, category=4, day=date(2026, 9, 1), units=10, nights_open=10)
    assert outside.reason is Reason.HORS_PERIODE and outside.amount == D("0.00")


def test_nights_open_in_no_band_have_no_abattement():
    rules = Rules(2026, (Period(*YEAR_2026, {4: D("1.00")}),), bands=(Band(D("47.00"), 1, 61),))
    assert forfait(rules, category=4, day=MARCH, units=1, nights_open=62).abattement == D("0")


def test_unclassified_accommodation_is_never_taxed_au_forfait():
    with pytest.raises(ValueError):
        forfait(PARIS, category=9, day=MARCH, units=1, nights_open=1)


@pytest.mark.parametrize("kwargs", [dict(nights=0, persons=1), dict(nights=1, persons=0),
                                    dict(nights=1, persons=1, exempt=2),
                                    dict(nights=1, persons=1, exempt=-1)])
def test_impossible_stays_are_refused(kwargs):
    with pytest.raises(ValueError):
        reel(PARIS, category=4, first_night=MARCH, **kwargs)


def test_the_proportional_tariff_needs_the_price():
    with pytest.raises(ValueError):
        reel(PARIS, category=9, first_night=MARCH, nights=1, persons=1)


def test_rounding_is_half_up_at_the_cent():
    assert cents(D("0.005")) == D("0.01") and cents(D("0.0049")) == D("0.00")
    assert cents(D("2.675")) == D("2.68")  # exact decimal: no binary surprise
