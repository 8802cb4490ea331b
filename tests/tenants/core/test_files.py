"""Files handed to people: CSV as a French spreadsheet opens it, without formulas smuggled in,
and downloads named as saved."""

import csv
import io

import sqlalchemy as sa

from plateforme.database import db
from tenants.audit import journal
from tenants.audit.models import AuditEvent
from tenants.core.files import download, french_csv, safe_cell


def rows_of(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: accents survive Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_a_french_csv_is_semicolon_separated_with_crlf_and_a_bom():
    data = french_csv(("nom", "commune"), [("Lefèvre", "Aubenas"), ("Œillet", None)])
    assert data.decode("utf-8-sig") == "nom;commune\r\nLefèvre;Aubenas\r\nŒillet;\r\n"


def test_cells_a_spreadsheet_would_run_are_neutralised():
    for formula in ("=1+1", "=HYPERLINK(\"https://evil.example\")", "+SUM(A1)", "-2+3",
                    "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(formula) == "'" + formula
    for plain in ("+33475123456", "-12,5", "+33 4 75 12 34 56", "Aubenas", "", "2026-11-27"):
        assert safe_cell(plain) == plain


def test_the_journal_export_neutralises_a_formula_typed_by_someone(app, make_tenant):
    tenant = make_tenant("vallee")
    with db.tenant_context(tenant):
        journal.record(db.session, "host.updated", target="=cmd|' /C calc'!A0")
        db.session.commit()
        events = db.session.scalars(sa.select(AuditEvent)).all()
        rows = rows_of(journal.export_csv(events))
    assert ["'=cmd|' /C calc'!A0"] == [r[3] for r in rows[1:] if r[2] == "host.updated"]


def test_a_download_is_typed_by_its_extension_and_named_for_saving(app):
    response = download(b"%PDF-1.7", "guide-de-la-teledeclaration.pdf")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="guide-de-la-teledeclaration.pdf"'
    accented = download(b"a;b\r\n", "hébergeurs.csv")
    assert accented.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert accented.headers["Content-Disposition"] == (
        "attachment; filename=\"hbergeurs.csv\"; filename*=UTF-8''h%C3%A9bergeurs.csv")
