"""What the fuzzing found, kept as plain tests: each one a 500, an English message or a crash
of a parser that generated input reached first, in its smallest form. (The parsers' and the
calculator's own finds are `@example`s of their fuzz tests.)"""

# ruff: noqa: F811 - the tenants' fixtures, imported below, are these tests' parameters
from __future__ import annotations

import base64
import io
import re
from types import SimpleNamespace

import pyotp
import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.validators import NumberRange, Optional

from plateforme.database import db
from tenants.agents import totp
from tenants.core.forms import AmountField
from tenants.hosts.models import Host
from tenants.tax import delta
from tenants.tax.forms import BandForm
from tests.resilience.fuzzing import FIXTURES, business_state, check_answer
from tests.tenants.conftest import (  # noqa: F401  (fixtures)
    admin,
    as_admin,
    client,
    clock,
    console,
    host_email,
    imported,
    logged_in,
    tenant,
)

DELTA_FIXTURE = (FIXTURES / "delta_2026.xml").read_bytes()


def test_wtforms_own_messages_reach_people_in_french(as_admin):
    """A number or a choice WTForms cannot read was refused in English ("Not a valid integer
    value.", "Not a valid choice."): its French catalogue is used now."""
    response = as_admin.post("/admin/parametres", {
        "display_name": "Vallée Verte", "brand_colour": "#1F4E79",
        "declaration_frequency": "chaque seconde", "declaration_deadline_day": "quinze"})
    answer = check_answer(response, "POST /admin/parametres")
    assert any("N'est pas un entier valide." in m for m in answer.messages)
    assert any("N'est pas un choix valide." in m for m in answer.messages)


def test_a_nul_character_in_a_form_is_refused_before_it_reaches_the_database(logged_in,
                                                                             imported):
    """PostgreSQL refuses a NUL in text: a host's name typed with one was a 500 there, after
    the form's checks. No browser sends one; the request is refused first, on both
    backends."""
    before = business_state(imported)
    response = logged_in.post("/mon-compte", {
        "civility": "Mme", "last_name": "Mar\x00tin", "first_name": "Élodie",
        "address": "12 rue des Lilas", "postal_code": "07200", "city": "Aubenas"})
    check_answer(response, "POST /mon-compte")
    assert response.status_code == 400
    assert business_state(imported) == before
    query = logged_in.get("/tableau-de-bord?page=1%00")
    assert query.status_code == 400


def test_a_forged_signature_of_a_checked_file_is_a_bad_request_not_a_crash(as_admin):
    """The checked file travels back with its signature; one in other than ASCII made
    `hmac.compare_digest` raise TypeError."""
    content = base64.b64encode(b"civilite;nom\n").decode()
    response = as_admin.post("/admin/hebergeurs/import", {
        "confirm": "y", "content": content, "signature": "é" * 64},
        page="/admin/hebergeurs/import")
    check_answer(response, "POST /admin/hebergeurs/import")
    assert response.status_code == 400


def test_a_second_factor_typed_in_other_digits_is_refused_not_a_crash():
    """"١٢٣٤٥٦" is six digits to `str.isdigit`, and `compare_digest` refuses non-ASCII text:
    the console's verification answered 500."""
    agent = SimpleNamespace(totp_secret=pyotp.random_base32(), totp_last_step=None)
    assert totp.check_totp(agent, "١٢٣٤٥٦") is False
    assert totp.check_totp(agent, "１２３４５６") is False


def test_news_dated_the_first_day_python_knows_is_refused_in_french(as_admin):
    """Midnight of 1 January of year 1 in Paris is before UTC's year 1: OverflowError."""
    response = as_admin.post("/admin/actualites/nouvelle", {
        "title": "Ouverture", "body": "Le site ouvre.", "published_at": "0001-01-01T00:00"})
    answer = check_answer(response, "POST /admin/actualites/nouvelle")
    assert answer.refused and any("Date de publication invalide" in m for m in answer.messages)


def test_an_amount_filter_that_no_stored_amount_compares_with_is_ignored(as_admin, imported):
    """Amounts are stored in hundredths: a filter with three decimals (or not a number at
    all) failed the query's binding."""
    for typed in ("-452629.066670", "0,001", "NaN", "1e30", "Infinity"):
        response = as_admin.get(f"/admin/declarations/?montant_min={typed}")
        check_answer(response, f"GET /admin/declarations/?montant_min={typed}")
        assert response.status_code == 200


def test_an_amount_beyond_what_hundredths_hold_is_refused_in_french(as_admin, imported):
    """999 999 999 € passed the form (nine digits) and overflowed PostgreSQL's integer of
    hundredths: a 500 there, a French refusal now on both backends."""
    with db.tenant_context(imported):
        host_id = db.session.scalar(sa.select(Host.id).where(Host.last_name == "Durand"))
    before = business_state(imported)
    response = as_admin.post(f"/admin/paiements/hebergeurs/{host_id}", {
        "amount": "999999999", "means": "virement", "received_on": "2026-08-01"})
    answer = check_answer(response, "POST a receipt")
    assert response.status_code == 422
    assert any("plus grand montant enregistrable" in m for m in answer.messages)
    assert business_state(imported) == before


class PriceForm(FlaskForm):
    price = AmountField("Prix", [Optional(), NumberRange(min=0)], places=2)


def test_a_price_that_is_no_amount_is_refused_in_french(app):
    """"Infinity" and "1e30" are Decimals: the stay's price failed its rounding to the cent;
    "sNaN" made NumberRange raise an English ValueError."""
    for typed in ("Infinity", "NaN", "sNaN", "1e30", "21474836.48"):
        with app.test_request_context(method="POST", data={"price": typed}):
            form = PriceForm(meta={"csrf": False})
            assert not form.validate(), typed
            assert any("Un montant en euros est attendu" in m for m in form.price.errors)


def test_a_deliberations_band_beyond_a_database_integer_is_refused_in_french(app):
    form = BandForm(MultiDict({"rate": "10", "nights_min": "99999999999999999999"}))
    assert not form.validate()
    assert form.nights_min.errors == ["Un nombre de nuits de 0 à 9 999 999."]


def _tariff(value: bytes) -> bytes:
    return re.sub(rb'<tarif categorieId="4">[0-9.]+</tarif>',
                  b'<tarif categorieId="4">' + value + b"</tarif>", DELTA_FIXTURE, count=1)


@pytest.mark.parametrize("data", [
    _tariff(b"1.234"),                       # three decimals: the hundredths' bind raised
    _tariff(b"99999999999.00"),              # past PostgreSQL's integer of hundredths
    DELTA_FIXTURE.replace(b"<nuiteMin>61</nuiteMin>", b"<nuiteMin>" + b"9" * 20 + b"</nuiteMin>"),
    DELTA_FIXTURE.replace(b"<plancher>0.70</plancher>", b"<plancher>0.705</plancher>", 1),
    DELTA_FIXTURE.replace(b'annee="2019"', b'annee="' + b"9" * 5000 + b'"', 1),  # int() limit
    DELTA_FIXTURE.replace(b'categorie id="1"', b'categorie id="' + b"9" * 5000 + b'"', 1),
    b'<?xml version="1.0" encoding="EBCDIC-XX"?><delta/>',   # LookupError
    b'<?xml version="1.0" encoding="shift_jis"?><delta/>',   # ValueError: multi-byte
    b'<?xml version="1.0" encoding="idna"?><delta/>',        # UnicodeError
], ids=["3-decimals", "past-hundredths", "huge-nights", "grid-3-decimals", "huge-year",
        "huge-category", "unknown-encoding", "multibyte-encoding", "idna-encoding"])
def test_a_delta_value_or_encoding_nothing_can_store_is_refused_in_french(data):
    """Each was a crash of `flask tax import-delta` ("Erreur inattendue", exit 2) or of the
    console's import, after the file had been read."""
    with pytest.raises(delta.DeltaError) as refused:
        file = delta.read(io.BytesIO(data))
        list(file.deliberations)
    assert "Fichier DELTA" in str(refused.value)


# --- bodies no browser sends -----------------------------------------------------------------

BODIES = {
    "past the size limit": ("application/x-www-form-urlencoded",
                            b"email=" + b"x" * (13 * 1024 * 1024)),
    "multipart cut short": ("multipart/form-data; boundary=zz",
                            b'--zz\r\nContent-Disposition: form-data; name="email"\r\n\r\nx'),
    "multipart without boundary": ("multipart/form-data", b"--\r\n\r\n"),
    "thousands of fields": ("application/x-www-form-urlencoded",
                            "&".join(f"f{i}=x" for i in range(5000)).encode()),
    "JSON": ("application/json", b'{"email": ["a", {"b": null}], "password": 1e999}'),
    "JSON cut short": ("application/json", b'{"email": '),
    "text": ("text/plain", b"\xff\xfe\x00bonjour"),
    "undeclared charset": ("application/x-www-form-urlencoded; charset=ebcdic-xx", b"email=%FF"),
}


def test_bodies_no_browser_sends_are_refused_in_french_and_save_nothing(logged_in, imported):
    """Too large, malformed, of another type: refused before any view, in French (413 or the
    form's expired-token page), nothing saved."""
    before = business_state(imported)
    for body, (content_type, data) in BODIES.items():
        for path in ("/connexion", "/mon-compte", "/declarations/periode/2026-07"):
            response = logged_in.http.post(path, base_url=logged_in.base, data=data,
                                           content_type=content_type)
            check_answer(response, f"POST {path} ({body})")
            assert 400 <= response.status_code < 500, (body, path, response.status_code)
    assert business_state(imported) == before
