"""The law as data and the law's checks: each refusal is one French sentence naming the
category and the bound."""

import dataclasses
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from tenants.hosts.natures import NATURES
from tenants.tax.checks import problems
from tenants.tax.delta import BandData, PeriodData, read
from tenants.tax.law import law

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "delta_2026.xml"


@pytest.fixture(scope="module")
def delta():
    file = read(FIXTURE)
    return file.grid, {d.name: d for d in file.deliberations}


def with_tariffs(data, **tariffs):
    period = data.periods[0]
    merged = dict(period.tariffs) | {int(k[1:]): D(v) for k, v in tariffs.items()}
    return dataclasses.replace(data, periods=(dataclasses.replace(
        period, tariffs=tuple(sorted(merged.items()))),))


def test_every_nature_and_classement_of_the_product_has_its_delta_category():
    the_law = law()
    for nature, (_label, classements) in NATURES.items():
        for classement in classements:
            delta_nature, category = the_law.classify(nature, classement)
            assert 1 <= delta_nature <= 11 and 1 <= category <= 9
    assert the_law.classify("hotel", "3") == (2, 4)
    assert the_law.classify("meuble", "non_classe") == (10, 9)
    assert the_law.classify("camping", "non_classe") == (8, 8)  # outdoor: never proportional
    assert the_law.classify("auberge_collective", "sans_objet") == (11, 6)


def test_additional_taxes_apply_from_their_start_date():
    the_law = law()
    codes = ("departementale", "regionale", "idfm", "lgv")
    assert [t.code for t in the_law.additional_in_force(codes, date(2018, 6, 1))] == [
        "departementale"]
    assert [t.code for t in the_law.additional_in_force(codes, date(2023, 6, 1))] == [
        "departementale", "regionale", "lgv"]
    assert [(t.code, t.rate) for t in the_law.additional_in_force(codes, date(2026, 1, 1))] == [
        ("departementale", D("10.00")), ("regionale", D("15.00")), ("idfm", D("200.00")),
        ("lgv", D("34.00"))]


def test_the_fixtures_deliberations_are_lawful(delta):
    grid, deliberations = delta
    for data in deliberations.values():
        assert problems(data, 2026, grid, law()) == [], data.name


def test_a_tariff_above_the_ceiling_or_below_the_floor_is_refused(delta):
    grid, deliberations = delta
    paris = deliberations["PARIS"]
    [above] = problems(with_tariffs(paris, c2="3.90"), 2026, grid, law())
    assert above == ("Période du 1er janvier au 31 décembre : catégorie 2 (5 étoiles) : "
                     "3,90\u00a0€ est au-dessus du plafond légal 2026 de 3,60\u00a0€.")
    below = problems(with_tariffs(paris, c4="0.40", c5="0.30", c6="0.20"), 2026, grid, law())
    assert below == ["Période du 1er janvier au 31 décembre : catégorie 4 (3 étoiles) : "
                     "0,40\u00a0€ est en dessous du plancher légal 2026 de 0,50\u00a0€."]


def test_a_lower_category_above_a_higher_one_is_refused(delta):
    grid, deliberations = delta
    [found] = problems(with_tariffs(deliberations["PARIS"], c3="2.00", c4="1.70", c5="1.00",
                                    c2="1.50"), 2026, grid, law())
    assert "catégorie 3 (4 étoiles) : 2,00\u00a0€ dépasse le tarif de la catégorie 2 (5 " \
           "étoiles) (1,50\u00a0€)" in found and "L2333-30" in found
    # Equal is lawful; so is a lower tariff missing (not adopted).
    assert problems(with_tariffs(deliberations["PARIS"], c7="0.20"), 2026, grid, law()) == []


def test_the_proportional_rate_stays_between_one_and_five_percent(delta):
    grid, deliberations = delta
    [found] = problems(with_tariffs(deliberations["PARIS"], c9="6.00"), 2026, grid, law())
    assert found == ("Période du 1er janvier au 31 décembre : catégorie 9 (sans classement, "
                     "taux proportionnel) : taux de 6\u00a0% hors des bornes légales (1\u00a0% à "
                     "5\u00a0%).")


def test_unclassified_accommodation_is_never_au_forfait(delta):
    grid, deliberations = delta
    gruissan = deliberations["GRUISSAN"]
    forfait_everywhere = dataclasses.replace(gruissan, regimes=tuple(
        (nature, "forfait") for nature, _regime in gruissan.regimes))
    assert any("Forfait refusé pour les hébergements sans classement" in p
               for p in problems(forfait_everywhere, 2026, grid, law()))


def test_abattements_stay_between_ten_and_eighty_percent(delta):
    grid, deliberations = delta
    found = problems(dataclasses.replace(deliberations["GRUISSAN"], bands=(
        BandData(D("85.00"), 1, 60),)), 2026, grid, law())
    assert found == ["Abattement de 85\u00a0% hors des bornes légales (10\u00a0% à 80\u00a0%, "
                     "article L2333-41 du CGCT)."]


def test_periods_must_not_overlap(delta):
    grid, deliberations = delta
    paris = deliberations["PARIS"]
    overlapping = dataclasses.replace(paris, periods=(
        PeriodData((1, 1), (7, 15), paris.periods[0].tariffs),
        PeriodData((7, 1), (12, 31), paris.periods[0].tariffs)))
    [found] = problems(overlapping, 2026, grid, law())
    assert "chevauche" in found


def test_without_the_years_grid_nothing_can_be_checked(delta):
    _grid, deliberations = delta
    [found] = problems(deliberations["PARIS"], 2027, {}, law())
    assert found.startswith("La grille légale de 2027 n'est pas connue")
