"""Every form of the product, fuzzed: each POST route found by walking the URL map (both realms)
receives generated hostile values as the audience it serves — a stranger, the logged-in host, the
logged-in administrator, an agent at each step of the console's door — with a valid CSRF token, so
that the values reach the views. A new POST route is fuzzed without anyone editing this file; one
that cannot be (a URL argument nobody knows how to fill) fails
`test_every_post_route_is_fuzzed_or_excluded_with_a_reason` until it is.

Each answer: never a 500 nor a traceback; every message French (no WTForms or Werkzeug default
leaks through); and a refusal — a 4xx, a form shown again with its errors, a redirect to a page
flashing an error — leaves every business table of the collectivité exactly as it was.

GET forms (filters, page numbers) get the same treatment for their query strings, but for the
snapshot: a GET may write on purpose (the journal's export is journaled)."""

from __future__ import annotations

import inspect
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass

import pytest
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from hypothesis import given
from hypothesis import strategies as st
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    EmailField,
    FieldList,
    FormField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SubmitField,
)
from wtforms.fields.core import UnboundField

from tenants.payments import payfip
from tests.conftest import TEST_DOMAIN
from tests.resilience.fuzzing import (
    HOSTILE_TEXT,
    JULY,
    QUIET,
    Answer,
    any_text,
    build_world,
    business_state,
    changed_tables,
    check_answer,
    csrf_token,
    describe,
    follow,
    fuzz_settings,
    hostile_bytes,
    post_form,
    trace,
    urlencoded,
)
from tests.tenants.conftest import Client, clock, utc_clock  # noqa: F401  (fixtures)

pytestmark = pytest.mark.filterwarnings(QUIET)

POST_EXAMPLES = 3
GET_EXAMPLES = 2

#: POST routes deliberately not fuzzed, each with why. Empty today: every POST route is.
EXCLUDED: dict[str, str] = {}

#: `<action>` segments: the button each route's fuzzing presses (harmless to the world).
ACTIONS = {"console_content.news_action": "epingler",
           "console_content.document_action": "monter",
           "console_hosts.host_action": "courrier"}

#: Routes whose success ends a session or removes what later routes stand on: fuzzed last.
LAST = re.compile(r"logout|deconnexion|delete|remove|supprimer|erase|effacer|disable|"
                  r"desactiver|abandon|reset_second_factor")

#: Pages with a form whatever the session's state, where a token is read when the route's own
#: page has none left.
FALLBACK_PAGES = ("/admin/connexion", "/", "/operateurs/connexion")  # the last: on the apex

UNKNOWN_NAMES = ("id", "host_id", "role", "is_admin", "status", "amount", "csrf_token[]",
                 "__proto__", "next", "é" * 300, "")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str                        # text, date, datetime, integer, decimal, choice, boolean…
    choices: tuple[str, ...] = ()


@dataclass
class Route:
    rule: object
    endpoint: str
    realm: str
    access: str | None
    fields: tuple[Field, ...]
    path: str | None = None          # None: an argument nobody knows how to fill
    missing: str = ""


# --- what each route accepts ------------------------------------------------------------------


def _unwrapped(view):
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return view


def _access(view):
    while view is not None:
        if hasattr(view, "access"):
            return view.access
        view = getattr(view, "__wrapped__", None)
    return None


def form_fields(form_class, prefix: str = "") -> list[Field]:
    """The names a form reads from the request, nested forms and lists included."""
    found = []
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        if not name.startswith("_") and isinstance(unbound, UnboundField):
            found += _unbound(prefix + name, unbound)
    return found


def _unbound(name: str, unbound: UnboundField) -> list[Field]:
    kind = unbound.field_class
    if issubclass(kind, FormField):
        return form_fields(unbound.args[0], f"{name}-")
    if issubclass(kind, FieldList):
        count = max(1, unbound.kwargs.get("min_entries", 0))
        return [f for i in range(count) for f in _unbound(f"{name}-{i}", unbound.args[0])]
    choices = unbound.kwargs.get("choices") or ()
    values = tuple(str(getattr(c, "value", c[0] if isinstance(c, tuple) else c))
                   for c in choices)
    for cls, label in ((FileField, "file"), (SubmitField, "submit"), (BooleanField, "boolean"),
                       (DateField, "date"), (DateTimeField, "datetime"),
                       (IntegerField, "integer"), (DecimalField, "decimal"),
                       (RadioField, "choice"), (SelectField, "choice"),
                       (PasswordField, "password"), (EmailField, "email")):
        if issubclass(kind, cls):
            return [Field(name, label, values)]
    return [Field(name, "text", values)]


RAW_NAMES = (re.compile(r"request\.(?:form|files)\.(?:get|getlist)\(\s*[\"']([^\"']+)[\"']"),
             re.compile(r"[\"']([\w-]+)[\"']\s+in\s+request\.form"),
             re.compile(r"\bupload\(\s*[\"'](\w+)[\"']\s*\)"))
FORM_CALL = re.compile(r"\b([A-Z]\w*Form)\(\s*(?:prefix=[\"'](\w+)[\"'])?")


def route_fields(view) -> tuple[Field, ...]:
    """The fields of the forms the view builds, its prefix included, and the names its module
    reads straight from the request (`declaration`, `collecte-…`, `months`…)."""
    view = _unwrapped(view)
    source = inspect.getsource(view)
    module = sys.modules[view.__module__]
    found: dict[str, Field] = {}
    for name, prefix in FORM_CALL.findall(source):
        form_class = view.__globals__.get(name)
        if isinstance(form_class, type) and issubclass(form_class, FlaskForm):
            for spec in form_fields(form_class, f"{prefix}-" if prefix else ""):
                found.setdefault(spec.name, spec)
    module_source = inspect.getsource(module)
    for pattern in RAW_NAMES:
        for name in pattern.findall(module_source):
            kind = "file" if name in ("file", "extra", "logo") else "text"
            found.setdefault(name, Field(name, kind))
    if "collecte-" in module_source:
        found.setdefault("collecte-Airbnb", Field("collecte-Airbnb", "choice", ("oui", "non")))
    return tuple(found.values())


def arguments(ids: dict, endpoint: str) -> dict:
    """What fills each URL argument: the host's own things for the host's pages, another
    host's for the console (so that the console's fuzzing does not pull the host's world from
    under the host's)."""
    console = endpoint.startswith("console")
    values = {
        "hebergement_id": ids["moulin" if console else "gite"], "period": JULY,
        "stay_id": ids["moulin_stay" if console else "gite_stay"], "closure_id": ids["closure"],
        "case_id": ids["case"], "statement_id": ids["statement"], "host_id": ids["durand"],
        "agent_id": ids["target_agent"], "deliberation_id": ids["deliberation"],
        "item_id": ids["news"], "document_id": ids["document"], "tutorial_id": ids["tutorial"],
        "token": ids["invitation"], "kind": "cgu", "batch_id": ids["batch"],
        "job_id": ids["job"],
        # The operators' pages, on the apex: posted as the platform's visitor (an anonymous one:
        # no operator audience here yet), whom they send to the operators' login.
        "slug": "vallee", "domain_id": 1, "operator_id": 1,
    }
    if endpoint in ACTIONS:
        values["action"] = ACTIONS[endpoint]
    return values


def post_routes(app, ids: dict | None = None) -> list[Route]:
    routes = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        route = Route(rule, rule.endpoint, rule.host, _access(view), route_fields(view))
        if ids is not None:
            known = arguments(ids, rule.endpoint)
            needed = [a for a in rule.arguments if a not in (rule.defaults or {})]
            missing = [a for a in needed if a not in known]
            if missing:
                route.missing = ", ".join(missing)
            else:
                route.path = rule.build({a: known[a] for a in needed}, append_unknown=False)[1]
        routes.append(route)
    order = {"host": 0, "host_before_cgu": 0, "public": 1, "notification": 1, "console:step": 2,
             "console:agent": 3, "console:administrateur": 4}
    return sorted(routes, key=lambda r: (bool(LAST.search(r.endpoint)),
                                         order.get(r.access, 5), r.rule.rule))


# --- who posts ---------------------------------------------------------------------------------


class Visitor:
    """A browser posting as one audience, with the CSRF token of its session (read again when
    a request changed the session and the token with it)."""

    def __init__(self, client, page: str | None, csrf: bool = True):
        self.client, self.page, self.csrf = client, page, csrf
        self.token = None

    def prepare(self, path) -> None:
        """The token, read before the snapshot: reading a page may write (the enrolment page
        keeps the secret it shows)."""
        if self.csrf and self.token is None:
            self.token = csrf_token(self.client, self.page or path, *FALLBACK_PAGES)

    def post(self, path, pairs, files):
        self.prepare(path)
        sent = [("csrf_token", self.token)] + pairs if self.csrf else pairs
        response = post_form(self.client, path, sent, files)
        if self.csrf and response.status_code == 400 and "Formulaire expiré" in response.text:
            self.token = csrf_token(self.client, self.page or path, *FALLBACK_PAGES)
            response = post_form(self.client, path, [("csrf_token", self.token)] + pairs, files)
        return response


#: Who posts, per access rule (per endpoint at the console's door): the browser, and the page
#: its CSRF token is read from.
AUDIENCES = {
    "public": lambda w: Visitor(w.anonymous, "/"),
    "notification": lambda w: Visitor(w.anonymous, None, csrf=False),
    "host": lambda w: Visitor(w.host, "/mon-compte"),
    "host_before_cgu": lambda w: Visitor(w.host, "/mon-compte"),
    "console:agent": lambda w: Visitor(w.admin, "/admin/parametres"),
    "console:administrateur": lambda w: Visitor(w.admin, "/admin/parametres"),
    "console_auth.login": lambda w: Visitor(w.step_clients["console_auth.login"],
                                            "/admin/connexion"),
    "console_auth.logout": lambda w: Visitor(w.step_clients["console_auth.logout"],
                                             "/admin/connexion"),
    "console_auth.invitation": lambda w: Visitor(w.step_clients["console_auth.invitation"],
                                                 f"/admin/invitation/{w.ids['invitation']}"),
    "console_auth.verify": lambda w: Visitor(w.step_clients["console_auth.verify"],
                                             "/admin/verification"),
    "console_auth.enrol": lambda w: Visitor(w.step_clients["console_auth.enrol"],
                                            "/admin/double-authentification"),
    "platform": lambda w: Visitor(Client(w.app, TEST_DOMAIN), None),
}


def audience(route: Route) -> str:
    if route.realm == "platform":
        return "platform"
    return route.endpoint if route.access == "console:step" else route.access


def visitor_for(world, route: Route, visitors: dict) -> Visitor:
    key = audience(route)
    if key not in visitors:
        visitors[key] = AUDIENCES[key](world)
    return visitors[key]


# --- what is posted -----------------------------------------------------------------------------

PLAUSIBLE = {
    "date": ("2026-07-10", "2026-07-13", "2026-08-01", "2026-06-30", "2027-01-31"),
    "datetime": ("2026-08-01T10:00", "2026-12-31T23:59"),
    "integer": ("1", "2", "0", "12", "28", "2026", "999"),
    "decimal": ("12.50", "0.01", "40", "85,50"),
    "boolean": ("y", "oui", "on"),
    "submit": ("y", "Enregistrer"),
    "email": ("nouvelle.adresse@example.fr", "ELODIE.MARTIN@example.fr"),
    "password": ("une autre phrase de passe assez longue",),
    "text": ("Gîte des Lilas", "12 rue du Pont", "07200", "Aubenas", "04 75 12 34 56",
             "#1F4E79", "https://example.fr/tutoriel", "07019 Aubenas\n07102 Labégude",
             "01/07", "31/12", "1,25", "EFFACER", "Airbnb", "direct", "plateforme"),
}


#: Per kind, the values at the edge of what its parser takes: past Decimal's precision, past a
#: database integer, the first and last days Python knows, digits that are not ASCII.
EDGES = {
    "date": ("9999-12-31", "0001-01-01", "2026-02-29", "2024-02-29", "2026-7-1"),
    "datetime": ("9999-12-31T23:59", "0001-01-01T00:00", "2026-08-01T24:00"),
    "integer": ("99999999999999999999", "2147483648", "-2147483649", "-1", "²", "１２", "1e3",
                " 7 "),
    "decimal": ("Infinity", "-Infinity", "NaN", "sNaN", "1e30", "1E+999999", "-0.001",
                "12.345", "99999999999", "٣"),
}


def plausible(spec: Field):
    return st.sampled_from(spec.choices or PLAUSIBLE.get(spec.kind, PLAUSIBLE["text"]))


def hostile(spec: Field):
    return st.one_of(st.sampled_from(EDGES.get(spec.kind, HOSTILE_TEXT)), any_text)


def _file(spec: Field):
    return st.tuples(st.just(spec.name), hostile_bytes,
                     st.sampled_from(("fichier.csv", "a.pdf", "", "é" * 300, "../../x.xml",
                                      "\x00.png")))


@st.composite
def submissions(draw, fields: tuple[Field, ...]):
    """Half the time a form a person could have filled but for one field, which gets an edge or
    hostile value (so that the value reaches the code behind the form's checks); otherwise
    every field absent, once, or repeated (a list where one value is expected), each value
    plausible or hostile. Files of hostile bytes; unknown fields besides."""
    pairs, files = [], []
    texts = [spec for spec in fields if spec.kind != "file"]
    odd = draw(st.sampled_from(texts)) if texts and draw(st.booleans()) else None
    for spec in fields:
        if spec.kind == "file":
            if draw(st.booleans()):
                files.append(draw(_file(spec)))
        elif odd is not None:
            values = hostile(spec) if spec is odd else plausible(spec)
            count = draw(st.sampled_from((1, 1, 1, 2))) if spec is odd else 1
            pairs += [(spec.name, draw(values)) for _ in range(count)]
        else:
            for _ in range(draw(st.sampled_from((0, 1, 1, 1, 1, 2, 3)))):
                pairs.append((spec.name, draw(st.one_of(plausible(spec), hostile(spec)))))
    for _ in range(draw(st.integers(0, 2))):
        pairs.append((draw(st.one_of(st.sampled_from(UNKNOWN_NAMES), st.text(max_size=20))),
                      draw(any_text)))
    return pairs, files


# --- one route's fuzzing ------------------------------------------------------------------


def fuzz_post(world, route: Route, visitor: Visitor, allowed: tuple[int, ...], what: str):
    """The route's submissions, each checked: no 500, French, nothing saved by a refusal."""
    limiter = world.app.extensions["taxesejour.limiter"]
    known = {}  # the state after a refusal is the state before the next submission
    seen = world.outcomes.setdefault(what, [0, 0])  # refused, accepted

    @fuzz_settings(POST_EXAMPLES)
    @given(submissions(route.fields))
    def one_submission(sent):
        pairs, files = sent
        limiter.reset()  # the rate limits would answer in place of the views
        visitor.prepare(route.path)
        before = known.pop("state", None) or business_state(world.tenant)
        response = visitor.post(route.path, pairs, files)
        answer: Answer = check_answer(response, what, allowed=allowed)
        followed = response.status_code in (301, 302, 303) and not answer.refused
        if followed:
            answer = follow(visitor.client, response, what)
        seen[0 if answer.refused else 1] += 1
        if answer.refused:
            after = business_state(world.tenant)
            changed = changed_tables(before, after)
            assert not changed, (f"{what}: refused (HTTP {answer.status}: "
                                 f"{answer.messages[:3]}) but changed {changed}")
            if not followed:  # a page read may write (the enrolment keeps its secret)
                known["state"] = after

    return one_submission


def fuzz_get(world, client, path: str, names: tuple[str, ...], what: str):
    """The page's query strings, each checked: no 500, French."""
    limiter = world.app.extensions["taxesejour.limiter"]

    @fuzz_settings(GET_EXAMPLES)
    @given(query_strings(names))
    def one_query(pairs):
        limiter.reset()
        query = urlencoded(pairs).decode()
        response = client.get(f"{path}?{query}")
        check_answer(response, f"{what}?{query[:200]}")
        response.close()

    return one_query


def get_routes(app) -> list:
    return [rule for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and rule.endpoint != "static"]


ARG_NAMES = re.compile(r"request\.args\.get\(\s*[\"']([^\"']+)[\"']")


@st.composite
def query_strings(draw, names: tuple[str, ...]):
    """Each name the page's module reads from the query string (and `page`, `next`): absent,
    once or repeated, an edge value or anything."""
    edges = st.sampled_from([value for values in EDGES.values() for value in values])
    pairs = []
    for name in names:
        for _ in range(draw(st.sampled_from((0, 1, 1, 2)))):
            pairs.append((name, draw(st.one_of(edges, any_text))))
    return pairs


# --- the tests ------------------------------------------------------------------------------------


@pytest.fixture
def fuzz_world(app, utc_clock, clock, monkeypatch):  # noqa: F811
    """The world, with PayFiP out of reach: no fuzzed request ever leaves the machine."""
    def unreachable(self, operation, *args, **kwargs):
        raise payfip.PayfipError("HTTP error", "PayFiP injoignable pendant les tests")

    monkeypatch.setattr(payfip.Gateway, "_call", unreachable)
    return build_world(app, utc_clock, clock)


def test_every_post_route_is_fuzzed_or_excluded_with_a_reason(app):
    """A new POST route is fuzzed as soon as it exists; one that cannot be (a URL argument or
    an audience this file does not know) fails here until it is taught or excluded."""
    routes = post_routes(app, defaultdict(int))
    assert len(routes) >= 70
    problems = []
    for route in routes:
        if route.endpoint in EXCLUDED:
            assert EXCLUDED[route.endpoint].strip(), route.endpoint
        elif route.path is None:
            problems.append(f"{route.rule.rule}: no value for the argument(s) {route.missing} "
                            "(teach `arguments`, or exclude it with a reason)")
        elif audience(route) not in AUDIENCES:
            problems.append(f"{route.rule.rule}: nobody to post as {route.access!r} (teach "
                            "`AUDIENCES`, or exclude it with a reason)")
    assert problems == []
    stale = set(EXCLUDED) - {r.endpoint for r in routes}
    assert not stale, f"excluded routes that no longer exist: {stale}"


def test_hostile_values_posted_to_every_form_are_refused_in_french_and_save_nothing(
        fuzz_world):
    """Every POST route, as its audience, several generated submissions each: no 500, French
    words only, and a refusal leaves every business table as it was."""
    world = fuzz_world
    visitors: dict = {}
    failures = []
    fuzzed = 0
    for route in post_routes(world.app, world.ids):
        if route.endpoint in EXCLUDED or route.path is None:
            continue
        visitor = visitor_for(world, route, visitors)
        allowed = (503,) if route.access == "notification" else ()
        what = f"POST {route.path} ({route.endpoint})"

        one_submission = fuzz_post(world, route, visitor, allowed, what)
        started = time.monotonic()
        try:
            one_submission()
        except Exception as failure:  # noqa: BLE001 - every route's, not only the first one's
            failures.append(f"{what}: {describe(failure)}")
        fuzzed += 1
        refused, accepted = world.outcomes.get(what, (0, 0))
        trace(f"{time.monotonic() - started:6.2f} s {refused:3} refused {accepted:3} accepted "
              f"{what}")
        if world.heal(visitor.client):  # logged in again: a new session, a new token
            visitor.token = None
    assert fuzzed >= 70
    assert not failures, "\n\n".join(failures)


def test_hostile_query_strings_on_every_page_never_break_it(fuzz_world):
    """Filters, page numbers, dates typed in a URL: every GET page of both realms answers in
    French, whatever its query string."""
    world = fuzz_world
    failures = []
    for rule in get_routes(world.app):
        view = world.app.view_functions[rule.endpoint]
        access = _access(view)
        module_source = inspect.getsource(sys.modules[_unwrapped(view).__module__])
        names = tuple(sorted(set(ARG_NAMES.findall(module_source)) | {"page", "next"}))
        known = arguments(world.ids, rule.endpoint)
        values = {a: known.get(a, 1 if rule._converters[a].regex == r"\d+" else "x")
                  for a in rule.arguments if a not in (rule.defaults or {})}
        path = rule.build(values, append_unknown=False)[1]
        if rule.host == "platform":
            client = Client(world.app, TEST_DOMAIN)
        elif access in ("host", "host_before_cgu"):
            client = world.host
        elif access and access.startswith("console"):
            client = world.admin
        else:
            client = world.anonymous
        what = f"GET {path} ({rule.endpoint})"

        one_query = fuzz_get(world, client, path, names, what)
        try:
            one_query()
        except Exception as failure:  # noqa: BLE001 - every page's, not only the first one's
            failures.append(f"{what}: {describe(failure)}")
        world.heal(client)
    assert not failures, "\n\n".join(failures)
