"""Properties the engine keeps whatever the stay: never negative, never above the capped
tariff × nights × persons, exempt persons never taxed, monotone in nights and persons, Decimal
all the way."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tenants.tax.calculation import (
    AdditionalTax,
    Band,
    LowRent,
    Period,
    Regime,
    Rules,
    forfait,
    reel,
)

money = st.decimals(min_value=Decimal("0.20"), max_value=Decimal("4.90"), places=2)
rates = st.decimals(min_value=Decimal("1.00"), max_value=Decimal("5.00"), places=2)
prices = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("5000.00"), places=2)
additional = st.lists(st.sampled_from([AdditionalTax("departementale", Decimal("10.00")),
                                       AdditionalTax("regionale", Decimal("15.00")),
                                       AdditionalTax("idfm", Decimal("200.00")),
                                       AdditionalTax("lgv", Decimal("34.00"))]),
                      unique=True, max_size=4).map(tuple)


@st.composite
def rules(draw):
    tariffs = {category: draw(money) for category in range(1, 9)}
    tariffs[9] = draw(rates)
    periods = draw(st.sampled_from([
        (Period((1, 1), (12, 31), tariffs),),
        (Period((1, 1), (6, 30), tariffs), Period((7, 1), (12, 31), {
            c: (a / 2).quantize(Decimal("0.01")) for c, a in tariffs.items()})),
        (Period((6, 1), (9, 30), tariffs),),
        (Period((11, 15), (3, 31), tariffs),),
    ]))
    low = draw(st.one_of(st.none(), st.decimals(min_value=Decimal("0.00"),
                                                max_value=Decimal("20.00"), places=2)))
    return Rules(2026, periods, additional=draw(additional), low_rent=LowRent(per_night=low),
                 bands=(Band(Decimal("20.00"), 1, 60), Band(Decimal("40.00"), 61, None)),
                 regimes={4: Regime.FORFAIT})


stays = st.fixed_dictionaries({
    "category": st.integers(1, 9),
    "first_night": st.dates(date(2026, 1, 1), date(2026, 12, 31)),
    "nights": st.integers(1, 60),
    "persons": st.integers(1, 30),
    "price_per_night": prices,
}).flatmap(lambda s: st.fixed_dictionaries({
    **{k: st.just(v) for k, v in s.items()}, "exempt": st.integers(0, s["persons"])}))


def ceiling(rules_: Rules, category: int) -> Decimal:
    """The highest tariff any night could take for `category`, additional taxes included."""
    factor = 1 + sum((t.rate for t in rules_.additional), Decimal(0)) / 100
    highest = max(max(a for c, a in p.tariffs.items() if c != 9) if category == 9
                  else p.tariffs[category] for p in rules_.periods)
    return highest * factor + Decimal("0.01") * (1 + len(rules_.additional))


@settings(max_examples=300, deadline=None)
@given(rules(), stays)
def test_an_amount_is_a_decimal_never_negative_never_above_the_capped_tariff(rules_, stay):
    quote = reel(rules_, **stay)
    assert isinstance(quote.amount, Decimal) and quote.amount >= 0
    assert quote.amount.as_tuple().exponent == -2
    bound = ceiling(rules_, stay["category"]) * stay["nights"] * stay["persons"]
    assert quote.amount <= bound
    assert quote.taxable_nights <= stay["nights"] * (stay["persons"] - stay["exempt"])
    for part in quote.parts:
        assert isinstance(part.tariff.total, Decimal)
        assert part.tariff.total == part.tariff.communal + sum(a for *_x, a in
                                                               part.tariff.additional)


@settings(max_examples=300, deadline=None)
@given(rules(), stays)
def test_exempt_persons_are_never_taxed(rules_, stay):
    everyone_exempt = reel(rules_, **{**stay, "exempt": stay["persons"]})
    assert everyone_exempt.amount == 0 and everyone_exempt.taxable_nights == 0
    if stay["category"] != 9:  # the proportional base counts every occupant: not monotone
        one_more = reel(rules_, **{**stay, "persons": stay["persons"] + 1,
                                   "exempt": stay["exempt"] + 1})
        assert one_more.amount == reel(rules_, **stay).amount


@settings(max_examples=300, deadline=None)
@given(rules(), stays)
def test_more_nights_or_more_taxed_persons_never_cost_less(rules_, stay):
    base = reel(rules_, **stay).amount
    last_night = stay["first_night"] + timedelta(days=stay["nights"])
    if last_night.year == 2026:
        assert reel(rules_, **{**stay, "nights": stay["nights"] + 1}).amount >= base
    if stay["category"] != 9:
        assert reel(rules_, **{**stay, "persons": stay["persons"] + 1}).amount >= base


@settings(max_examples=200, deadline=None)
@given(rules(), st.integers(1, 8), st.dates(date(2026, 1, 1), date(2026, 12, 31)),
       st.integers(1, 500), st.integers(1, 120))
def test_a_forfait_is_never_negative_and_grows_with_units(rules_, category, day, units, nights):
    quote = forfait(rules_, category=category, day=day, units=units, nights_open=nights)
    assert isinstance(quote.amount, Decimal) and quote.amount >= 0
    more = forfait(rules_, category=category, day=day, units=units + 1, nights_open=nights)
    assert more.amount >= quote.amount
