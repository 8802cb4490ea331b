"""The public calculator: `GET /api/calculette`'s contract, its errors, and the page that works
without JavaScript, on each collectivité's own deliberation."""

import dataclasses
from decimal import Decimal

import pytest

from plateforme.database import db
from tenants.audit import journal
from tenants.collectivite import settings
from tenants.tax import deliberations
from tests.conftest import get, host_of
from tests.tenants.tax.test_import import register, run

ROUNDING_WORDS = "un demi-centime est arrondi au centime supérieur"


@pytest.fixture
def loaded(app):
    tenants = register(app)
    assert run(app).exit_code == 0
    with db.tenant_context(tenants["paris"]):
        settings.get(db.session).support_phone = "+33142765000"
        db.session.commit()
    return tenants


def correct_tariff(session, row, old: Decimal, new: Decimal) -> None:
    """As the console does: a new version of the deliberation `row`, each tariff `old` now
    `new`, committed."""
    data = deliberations.to_data(row)
    data = dataclasses.replace(data, periods=tuple(dataclasses.replace(p, tariffs=tuple(
        (category, new if amount == old else amount) for category, amount in p.tariffs))
        for p in data.periods))
    deliberations.store(session, data, row.year, deliberations.Source.CONSOLE, journal.SYSTEM,
                        key=row.key)
    session.commit()


def api(app, slug, **params):
    return get(app, host_of(slug), "/api/calculette", query_string=params)


def test_paris_three_stars_answers_the_contract(app, loaded):
    response = api(app, "paris", date="2026-03-02", nature="hotel", classement="3", nuits="2",
                   personnes="3", exoneres="1")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "Set-Cookie" not in response.headers
    body = response.get_json()
    assert {k: body[k] for k in ("regime", "categorie", "tarif_communal", "tarif",
                                 "nuitees_taxables", "abattement", "montant", "motif")} == {
        "regime": "reel", "categorie": 4, "tarif_communal": "1.70", "tarif": "5.53",
        "nuitees_taxables": 4, "abattement": None, "montant": "22.12", "motif": None}
    assert body["taxes_additionnelles"] == [
        {"code": "departementale", "taux": "10.00", "montant": "0.17"},
        {"code": "regionale", "taux": "15.00", "montant": "0.26"},
        {"code": "idfm", "taux": "200.00", "montant": "3.40"}]
    assert ROUNDING_WORDS in body["arrondi"]


def test_unclassified_pays_a_capped_percentage_of_the_price_per_person(app, loaded):
    body = api(app, "paris", date="2026-03-02", nature="meuble", classement="non_classe",
               nuits="7", personnes="4", exoneres="2", prix_nuit_ht="100,00").get_json()
    assert (body["categorie"], body["tarif_communal"], body["tarif"]) == (9, "1.25", "4.07")
    assert body["montant"] == "56.98"  # (1.25 + 0.13 + 0.19 + 2.50) × 14
    capped = api(app, "paris", date="2026-03-02", nature="meuble", classement="non_classe",
                 nuits="1", personnes="1", prix_nuit_ht="5000").get_json()
    assert capped["tarif"] == "15.93"


def test_below_the_low_rent_threshold_nothing_is_due(app, loaded):
    body = api(app, "vallee-verte", date="2026-03-02", nature="meuble",
               classement="non_classe", commune="07102", nuits="3", personnes="2",
               prix_nuit_ht="0.80").get_json()
    assert (body["montant"], body["motif"]) == ("0.00", "loyer_inferieur_seuil")


def test_outside_the_perception_period_nothing_is_due(app, loaded):
    body = api(app, "gruissan", date="2026-03-02", nature="meuble", classement="non_classe",
               nuits="3", personnes="2", prix_nuit_ht="90").get_json()
    assert (body["montant"], body["motif"]) == ("0.00", "hors_periode")


def test_forfait_with_the_abattement_of_its_band(app, loaded):
    body = api(app, "gruissan", date="2026-07-14", nature="hotel", classement="3",
               capacite="10", nuits="62").get_json()
    # (1.20 + 0.12 + 0.41) × 10 units × 62 nights × (1 − 40 %)
    assert (body["regime"], body["abattement"], body["tarif"]) == ("forfait", "40.00", "1.73")
    assert (body["nuitees_taxables"], body["montant"]) == (620, "643.56")


def test_the_commune_decides_where_deliberations_differ(app, loaded):
    missing = api(app, "vallee-verte", date="2026-08-02", nature="hotel", classement="3",
                  nuits="1", personnes="1")
    assert missing.status_code == 400
    assert "07019 (AUBENAS)" in missing.get_json()["erreurs"]["commune"]
    aubenas = api(app, "vallee-verte", date="2026-08-02", nature="hotel", classement="3",
                  commune="07019", nuits="1", personnes="1").get_json()
    labegude = api(app, "vallee-verte", date="2026-08-02", nature="hotel", classement="3",
                   commune="07102", nuits="1", personnes="1").get_json()
    assert (aubenas["tarif_communal"], labegude["tarif_communal"]) == ("1.70", "1.50")
    assert aubenas["deliberation"]["collectivite"] == "AUBENAS"
    elsewhere = api(app, "vallee-verte", date="2026-08-02", nature="hotel", classement="3",
                    commune="75056", nuits="1", personnes="1")
    assert "commune" in elsewhere.get_json()["erreurs"]


@pytest.mark.parametrize(("params", "field"), [
    ({"date": "2026-02-30"}, "date"), ({"date": "demain"}, "date"),
    ({"nature": "chateau"}, "nature"), ({"classement": "7"}, "classement"),
    ({"nuits": "0"}, "nuits"), ({"nuits": "deux"}, "nuits"),
    ({"exoneres": "4"}, "exoneres"), ({"prix_nuit_ht": "12,345"}, "prix_nuit_ht"),
    ({"commune": "Paris"}, "commune"), ({"personnes": ""}, "personnes"),
])
def test_bad_input_gets_a_400_naming_each_parameter_in_french(app, loaded, params, field):
    query = {"date": "2026-03-02", "nature": "hotel", "classement": "3", "nuits": "2",
             "personnes": "3", **params}
    response = api(app, "paris", **query)
    assert response.status_code == 400
    errors = response.get_json()["erreurs"]
    assert field in errors and errors[field][0].isupper()
    assert response.headers["Cache-Control"] == "no-store"


def test_unclassified_without_a_price_is_refused(app, loaded):
    errors = api(app, "paris", date="2026-03-02", nature="meuble", classement="non_classe",
                 nuits="1", personnes="1").get_json()["erreurs"]
    assert "prix de la nuitée hors taxes" in errors["prix_nuit_ht"]


def test_no_deliberation_for_the_date_is_a_404_with_the_support_number(app, loaded):
    response = api(app, "paris", date="2027-03-02", nature="hotel", classement="3",
                   nuits="1", personnes="1")
    assert response.status_code == 404
    body = response.get_json()
    assert "aucune délibération" in body["erreur"] and body["telephone"] == "01 42 76 50 00"
    assert "01 42 76 50 00" in body["erreur"]


def test_the_api_is_rate_limited_per_address_in_json(app, loaded):
    for _ in range(60):
        api(app, "paris", date="2026-03-02", nature="hotel", classement="3", nuits="1",
            personnes="1")
    limited = api(app, "paris", date="2026-03-02", nature="hotel", classement="3", nuits="1",
                  personnes="1")
    assert limited.status_code == 429
    assert limited.get_json() == {"erreur": "Trop de tentatives"}


def test_a_corrected_deliberation_answers_at_once(app, loaded):
    """The deliberations are served from memory: a correction (its rows written in bulk) is
    content, and the next answer uses it."""
    query = {"date": "2026-03-02", "nature": "hotel", "classement": "3", "nuits": "1",
             "personnes": "1"}
    assert api(app, "paris", **query).get_json()["tarif_communal"] == "1.70"
    with db.tenant_context(loaded["paris"]):
        (row,) = [f.deliberation for f in deliberations.in_force(db.session, 2026)][:1]
        correct_tariff(db.session, row, Decimal("1.70"), Decimal("1.50"))
    assert api(app, "paris", **query).get_json()["tarif_communal"] == "1.50"


def test_each_collectivite_computes_with_its_own_deliberation(app, loaded):
    body = api(app, "sans-deliberation", date="2026-03-02", nature="hotel", classement="3",
               nuits="1", personnes="1")
    assert body.status_code == 404


def test_the_page_works_without_javascript_and_shows_the_breakdown(app, loaded):
    page = get(app, host_of("paris"), "/calculette", query_string={
        "date": "2026-03-02", "nature": "hotel", "classement": "3", "nuits": "2",
        "personnes": "3", "exoneres": "1"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.text
    assert "Taxe de séjour due : 22,12\u00a0€" in text
    assert "Taxe additionnelle Île-de-France Mobilités (200\u00a0%)" in text
    assert "5,53\u00a0€ par personne et par nuit" in text and ROUNDING_WORDS in text
    assert '<form method="get" action="/calculette"' in text


def test_the_page_shows_each_error_beside_its_field(app, loaded):
    text = get(app, host_of("paris"), "/calculette", query_string={
        "date": "2026-03-02", "nature": "hotel", "classement": "3", "nuits": "0",
        "personnes": "3"}).text
    assert 'aria-invalid="true"' in text and "Le formulaire contient 1 erreur(s)" in text
    assert "un nombre entier de 1 à 366 est attendu" in text


def test_the_empty_page_is_a_form(app, loaded):
    text = get(app, host_of("vallee-verte"), "/calculette").text
    assert "Calculer la taxe de séjour" in text and "Taxe de séjour due" not in text
    assert 'name="commune"' in text  # several deliberations: the commune is asked
