"""The official divisions (the extract), the communes each collectivité covers, the search."""

import gzip
import json

import pytest
import sqlalchemy as sa

from plateforme import communes, registry
from plateforme.communes import Commune, CoveredCommune, Division
from plateforme.database import db
from plateforme.errors import UserError
from tests.conftest import create_tenant
from tests.plateforme.test_cli import assert_one_line_error, run

BASSIN_AUBENAS = "200073245"  # CC du Bassin d'Aubenas (Ardèche), a real EPCI of the extract
AUBENAS = "07019"


def test_the_extract_records_its_source_version_and_licence():
    with gzip.open(communes.DATA, "rt", encoding="utf-8") as file:
        raw = json.load(file)
    assert raw["source"] == "@etalab/decoupage-administratif"
    assert raw["version"] == "6.0.0"
    assert "Licence Ouverte" in raw["licence"]
    assert len(raw["c"]) > 34_000 and len(raw["e"]) > 1_200
    assert communes.DATA.stat().st_size < 2_000_000


def test_a_commune_its_departement_and_region():
    aubenas = communes.commune(AUBENAS)
    assert aubenas == Commune(AUBENAS, "Aubenas", ("07200",), "210700191", "07")
    assert communes.departement_of(AUBENAS) == Division("07", "Ardèche")
    assert communes.region_of(AUBENAS) == Division("84", "Auvergne-Rhône-Alpes")
    assert communes.departement_of("2A004") == Division("2A", "Corse-du-Sud")
    assert communes.region_of("2A004").name == "Corse"
    assert communes.commune("99999") is None
    assert communes.departement_of("99999") is None and communes.region_of("99999") is None


def test_an_epci_with_its_full_name_kind_and_member_communes():
    cc = communes.epci(BASSIN_AUBENAS)
    assert cc.name == "Communauté de communes du Bassin d'Aubenas"
    assert cc.kind == "communaute_de_communes" and cc.kind in registry.KINDS
    assert cc.siren == BASSIN_AUBENAS and cc.insee is None
    assert communes.commune(AUBENAS) in cc.communes and len(cc.communes) > 20
    assert communes.territory_for_siren(BASSIN_AUBENAS) == cc
    assert communes.epci("210700191") is None  # a mairie's SIREN is no EPCI
    lyon = communes.epci("200046977")  # the Métropole de Lyon, of type MET69
    assert lyon.kind == "metropole"


def test_a_communes_territory_by_its_siren_or_its_insee_code():
    by_insee = communes.territory_for_insee(AUBENAS)
    assert (by_insee.name, by_insee.kind, by_insee.siren, by_insee.insee) == \
        ("Aubenas", "commune", "210700191", AUBENAS)
    assert by_insee.communes == (communes.commune(AUBENAS),)
    assert communes.territory_for_siren("210700191") == by_insee
    assert communes.territory_for_siren("123456782") is None
    assert communes.territory_for_insee("07901") is None


@pytest.mark.parametrize("text, key", [
    ("Saint-Étienne", "saint etienne"),
    ("  SAINT-e ", "saint e"),
    ("L'Haÿ-les-Roses", "l hay les roses"),
    ("Œuilly", "oeuilly"),
    ("Vallon-Pont-d’Arc", "vallon pont d arc"),
    ("07200", "07200"),
    ("!!", ""),
])
def test_search_keys_ignore_case_accents_and_punctuation(text, key):
    assert communes.search_key(text) == key


# --- the covered communes, on both backends -------------------------------------------------


def covering(app, slug, *codes, name=None):
    create_tenant(app, slug, name, communes=[communes.commune(c) for c in codes])
    return registry.require(db.session, slug)


def names(found):
    return [(row.name, collectivite.slug) for row, collectivite in found]


def test_set_covered_replaces_the_list_and_checks_every_entry_first(app):
    collectivite = covering(app, "aubenas", AUBENAS)
    rows = communes.covered(db.session, collectivite)
    assert [(r.insee, r.name, r.postal_codes, r.search_key) for r in rows] == \
        [(AUBENAS, "Aubenas", "07200", "aubenas")]
    communes.set_covered(db.session, collectivite, [
        Commune("07331", "Vals-les-Bains", ("07600",)),
        Commune("07019", " Aubenas ", ("07200", "07205", "07200")),
    ])
    db.session.commit()
    assert [(r.insee, r.name, r.postal_codes) for r in communes.covered(db.session, collectivite)] \
        == [(AUBENAS, "Aubenas", "07200 07205"), ("07331", "Vals-les-Bains", "07600")]
    for bad, message in [(Commune("7019", "Aubenas"), "Code INSEE"),
                         (Commune(AUBENAS, " "), "nom de la commune"),
                         (Commune(AUBENAS, "Aubenas", ("7200",)), "Code postal « 7200 »")]:
        with pytest.raises(UserError, match=message):
            communes.set_covered(db.session, collectivite, [Commune("07116", "Labégude"), bad])
        db.session.rollback()
    assert len(communes.covered(db.session, collectivite)) == 2


def test_find_by_name_prefix_ignoring_accents_and_case(app):
    covering(app, "saint-etienne", "42218", "42207", name="Saint-Étienne Métropole")
    covering(app, "sainte-foy", "69202", name="Sainte-Foy-lès-Lyon")
    assert names(communes.find(db.session, "saint-e")) == [("Saint-Étienne", "saint-etienne")]
    assert names(communes.find(db.session, "SAINT ETIENNE")) == \
        [("Saint-Étienne", "saint-etienne")]
    assert names(communes.find(db.session, "sainte")) == [("Sainte-Foy-lès-Lyon", "sainte-foy")]
    assert names(communes.find(db.session, "saint")) == [
        ("Saint-Chamond", "saint-etienne"), ("Saint-Étienne", "saint-etienne"),
        ("Sainte-Foy-lès-Lyon", "sainte-foy")]
    assert names(communes.find(db.session, "sainte foy les")) == \
        [("Sainte-Foy-lès-Lyon", "sainte-foy")]
    assert communes.find(db.session, "étienne") == []  # a prefix of the name, not a word in it


def test_find_by_postal_code_prefix_any_of_the_communes_codes(app):
    covering(app, "annonay", "07010")  # 07100
    covering(app, "aubenas", AUBENAS)
    covering(app, "marseille", "13055")  # 13001 … 13016
    assert names(communes.find(db.session, "071")) == [("Annonay", "annonay")]
    assert names(communes.find(db.session, "07")) == [("Annonay", "annonay"),
                                                      ("Aubenas", "aubenas")]
    assert names(communes.find(db.session, "13008")) == [("Marseille", "marseille")]
    covering(app, "saint-etienne", "42218")  # 42000, 42100, 42230
    assert names(communes.find(db.session, "4210")) == [("Saint-Étienne", "saint-etienne")]
    assert communes.find(db.session, "072001") == []


def test_find_lists_only_active_collectivites_each_covering_the_commune(app):
    covering(app, "aubenas", AUBENAS)
    covering(app, "bassin-aubenas", AUBENAS, "07331", name="CC du Bassin d'Aubenas")
    assert names(communes.find(db.session, "aub")) == [("Aubenas", "aubenas"),
                                                       ("Aubenas", "bassin-aubenas")]
    from plateforme import provisioning

    provisioning.set_status(db.session, "aubenas", "suspended")
    assert names(communes.find(db.session, "aub")) == [("Aubenas", "bassin-aubenas")]


def test_find_is_limited_and_refuses_a_query_too_short(app):
    codes = [c.insee for c in communes.epci(BASSIN_AUBENAS).communes]
    covering(app, "bassin-aubenas", *codes)
    assert len(communes.find(db.session, "07")) == communes.FIND_LIMIT
    assert len(communes.find(db.session, "07", limit=3)) == 3
    for query in ("", "a", " - ", "x" * 101):
        with pytest.raises(UserError):
            communes.find(db.session, query)


def test_the_search_key_is_indexed(app):
    indexes = sa.inspect(db.session.connection()).get_indexes(CoveredCommune.__tablename__)
    assert ["search_key"] in [index["column_names"] for index in indexes]


# --- `flask tenants create` fills in what the SIREN or INSEE code says ------------------------


def test_create_with_an_epcis_siren_fills_in_name_kind_and_communes(app):
    result = run(app, "tenants", "create", "bassin-aubenas", "--siren", BASSIN_AUBENAS)
    assert result.exit_code == 0, result.output
    assert "Collectivité « Communauté de communes du Bassin d'Aubenas » créée" in result.output
    collectivite = registry.require(db.session, "bassin-aubenas")
    assert (collectivite.kind, collectivite.siren, collectivite.status) == \
        ("communaute_de_communes", BASSIN_AUBENAS, "active")
    members = {c.insee for c in communes.epci(BASSIN_AUBENAS).communes}
    assert {r.insee for r in communes.covered(db.session, collectivite)} == members
    assert f"Communes couvertes ({len(members)}) : " in result.output


def test_create_with_an_insee_code_fills_in_the_commune(app):
    result = run(app, "tenants", "create", "aubenas", "--insee", AUBENAS)
    assert result.exit_code == 0, result.output
    collectivite = registry.require(db.session, "aubenas")
    assert (collectivite.name, collectivite.kind, collectivite.insee, collectivite.siren) == \
        ("Aubenas", "commune", AUBENAS, None)
    assert [(r.insee, r.postal_codes) for r in communes.covered(db.session, collectivite)] == \
        [(AUBENAS, "07200")]
    assert "Communes couvertes (1) : Aubenas." in result.output


def test_what_is_given_wins_over_what_the_siren_says(app):
    result = run(app, "tenants", "create", "pays-aubenas", "--siren", BASSIN_AUBENAS,
                 "--name", "Pays d'Aubenas", "--kind", "autre",
                 "--commune", AUBENAS, "--commune", "07331")
    assert result.exit_code == 0, result.output
    collectivite = registry.require(db.session, "pays-aubenas")
    assert (collectivite.name, collectivite.kind) == ("Pays d'Aubenas", "autre")
    assert [r.name for r in communes.covered(db.session, collectivite)] == \
        ["Aubenas", "Vals-les-Bains"]


@pytest.mark.parametrize("args, contains", [
    (("--siren", "123456782"), "absent du découpage administratif"),
    (("--insee", "07901"), "absent du découpage administratif"),
    (("--name", "X", "--commune", "07901"), "Absente(s) du découpage administratif : 07901"),
    (("--name", "X", "--commune", "7019"), "Code INSEE"),
])
def test_create_refuses_what_it_cannot_fill_in(app, args, contains):
    assert_one_line_error(run(app, "tenants", "create", "inconnue", *args), 1, contains)
    assert registry.get_by_slug(db.session, "inconnue") is None
