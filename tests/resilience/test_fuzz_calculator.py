"""The public calculator, fuzzed: `/api/calculette` (a program's JSON) and `/calculette` (the
page that works without JavaScript) receive generated query strings — each parameter absent,
repeated, huge, empty, a formula, a date that does not exist, digits that are not ASCII…

Never a 500: the API answers 200, or 400 with each wrong parameter's French message, or 404
with the French reason there is nothing to compute from; the page always answers, in French."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from plateforme.database import db
from tenants.audit.journal import Actor
from tenants.collectivite import settings
from tenants.hosts.natures import CLASSEMENTS, NATURES
from tenants.tax import calculator, importing
from tests.conftest import create_tenant, host_of
from tests.resilience.fuzzing import (
    FIXTURES,
    HOSTILE_TEXT,
    QUIET,
    any_text,
    check_answer,
    french,
    fuzz_settings,
)
from tests.tenants.conftest import Client

pytestmark = pytest.mark.filterwarnings(QUIET)

API_EXAMPLES = 25
PAGE_EXAMPLES = 10

PLAUSIBLE = {
    "date": ("2026-03-02", "2026-07-14", "2026-12-31", "2026-02-28"),
    "nature": tuple(NATURES),
    "classement": tuple(CLASSEMENTS),
    "commune": ("07019", "07102", "2A004"),
    "nuits": ("1", "3", "62", "366"),
    "personnes": ("1", "2", "10000"),
    "exoneres": ("0", "1"),
    "prix_nuit_ht": ("85,50", "0.80", "5000", "1 200,00"),
    "capacite": ("10", "1"),
}
EDGES = ("9999-12-31", "0001-01-01", "2026-02-29", "2026-13-01", "31/12/2026", "20260101",
         "²", "١٢", "１２", "0", "-1", "367", "10001", "1" * 5000, "9" * 30, "1e3", "1,5",
         "99999999,99", "1.999", "NaN", "Infinity", " 3 ", "3\x00", "")


@st.composite
def queries(draw) -> list[tuple[str, str]]:
    """Half the time a question a person could ask but for one parameter; otherwise each
    parameter absent, once or repeated, plausible or hostile; unknown parameters besides."""
    names = list(PLAUSIBLE)
    odd = draw(st.sampled_from(names)) if draw(st.booleans()) else None
    pairs = []
    for name in names:
        if odd is not None:
            if name == odd:
                value = draw(st.one_of(st.sampled_from(EDGES), st.sampled_from(HOSTILE_TEXT),
                                       any_text))
            else:
                value = draw(st.sampled_from(PLAUSIBLE[name]))
            pairs.append((name, value))
            continue
        for _ in range(draw(st.sampled_from((0, 1, 1, 1, 2)))):
            pairs.append((name, draw(st.one_of(st.sampled_from(PLAUSIBLE[name]),
                                               st.sampled_from(EDGES), any_text))))
    for _ in range(draw(st.integers(0, 2))):
        pairs.append((draw(st.text(max_size=10)), draw(any_text)))
    return pairs


def query_string(pairs) -> str:
    def enc(text: str) -> str:
        return quote(text.encode("utf-8", "surrogatepass"), safe="")

    return "&".join(f"{enc(k)}={enc(v)}" for k, v in pairs)


@fuzz_settings(API_EXAMPLES * 4)
@given(st.dictionaries(st.sampled_from(list(PLAUSIBLE)),
                       st.one_of(st.sampled_from(EDGES), st.sampled_from(HOSTILE_TEXT),
                                 any_text)))
@example({"date": "2026-03-02", "nature": "hotel", "classement": "3", "nuits": "²"})
@example({"date": "2026-03-02", "nature": "hotel", "classement": "3", "nuits": "1" * 5000})
@example({"date": "2026-03-02", "nature": "hotel", "classement": "3", "nuits": "1",
          "personnes": "²", "exoneres": "²", "capacite": "²"})
def test_the_calculators_parameters_are_read_or_refused_in_french(params):
    """The page and the API read their parameters through `calculator.parse`: a Query, or
    Invalid with one French message per wrong parameter."""
    try:
        query = calculator.parse(params)
    except calculator.Invalid as invalid:
        assert invalid.errors and set(invalid.errors) <= set(PLAUSIBLE)
        assert all(french(message) for message in invalid.errors.values()), invalid.errors
        return
    assert 1 <= query.nights <= calculator.MAX_NIGHTS


@pytest.fixture
def vallee(app):
    """Vallée Verte with its DELTA deliberations: several communes, so the commune matters."""
    tenant = create_tenant(app, "vallee", "Vallée Verte", kind="communaute_de_communes",
                           siren="200068609")
    with db.tenant_context(tenant):
        settings.get(db.session).support_phone = "+33475123456"
        db.session.commit()
    importing.import_file(FIXTURES / "delta_2026.xml", [tenant], Actor(label="fuzzing"))
    return tenant


def test_the_calculator_api_answers_any_query_in_french(app, vallee):
    """200, 400 with French messages per parameter, or 404 with the French reason: never a
    500, never an English word, whatever the query string."""
    client = Client(app, host_of(vallee.slug))
    limiter = app.extensions["taxesejour.limiter"]

    @fuzz_settings(API_EXAMPLES)
    @given(queries())
    @example([("date", "2026-12-31"), ("nature", "hotel"), ("classement", "3"),
              ("commune", "07019"), ("nuits", "366"), ("personnes", "2")])   # into next year
    @example([("date", "2026-03-02"), ("nature", "hotel"), ("classement", "3"),
              ("commune", "07019"), ("nuits", "²")])
    def one_query(pairs):
        limiter.reset()
        response = client.get(f"/api/calculette?{query_string(pairs)}")
        what = f"GET /api/calculette?{query_string(pairs)[:300]}"
        check_answer(response, what)
        assert response.status_code in (200, 400, 404), what
        assert response.mimetype == "application/json", what
        body = response.get_json()
        if response.status_code == 400:
            messages = body.get("erreurs") or {"": body.get("erreur", "")}
            assert all(french(m) for m in messages.values()), (what, body)
        elif response.status_code == 404:
            assert french(body["erreur"]), (what, body)

    one_query()


def test_the_calculator_page_answers_any_query_in_french(app, vallee):
    client = Client(app, host_of(vallee.slug))
    limiter = app.extensions["taxesejour.limiter"]

    @fuzz_settings(PAGE_EXAMPLES)
    @given(queries())
    @example([("date", "²⁰²⁶-01-01"), ("nature", "hotel"), ("nuits", "²")])
    def one_query(pairs):
        limiter.reset()
        response = client.get(f"/calculette?{query_string(pairs)}")
        check_answer(response, f"GET /calculette?{query_string(pairs)[:300]}")
        assert response.status_code in (200, 400)  # 400: a NUL character, before any page

    one_query()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_the_calculator_api_refuses_other_methods_in_french(app, vallee, method):
    client = Client(app, host_of(vallee.slug))
    response = client.http.open("/api/calculette", method=method, base_url=client.base,
                                json={"date": "2026-03-02", "nuits": [1, 2]})
    check_answer(response, f"{method} /api/calculette")
    assert response.status_code == 405
    assert response.get_json() == {"erreur": "Méthode non autorisée"}
