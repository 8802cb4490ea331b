"""`flask hosts letters`: the pending letters, each with a new code."""

import csv
import io

from pypdf import PdfReader

from plateforme.database import db
from tenants.core.keys import Keys
from tenants.hosts import codes
from tests.tenants.conftest import activated, host_by_name


def letters(app, tmp_path, fmt="csv", *extra):
    path = tmp_path / f"courriers.{fmt}"
    result = app.test_cli_runner().invoke(
        args=["hosts", "letters", "vallee", "--format", fmt, "--output", str(path), *extra])
    return result, path


def rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")),
                               delimiter=";"))


def test_csv_has_one_row_per_pending_host(app, imported, tmp_path):
    result, path = letters(app, tmp_path)
    assert result.exit_code == 0, result.output
    table = rows(path)
    # Élodie Martin and Louis Petit; Paul Durand is a legacy account (he resets instead).
    assert sorted(r["nom"] for r in table) == ["Martin", "Petit"]
    martin = next(r for r in table if r["nom"] == "Martin")
    assert martin["adresse_ligne_1"] == "12 rue des Lilas"
    assert martin["adresse_ligne_2"] == "07200 Aubenas"
    assert martin["url_activation"] == "http://vallee.taxesejour.test/activation/"
    assert len(codes.normalise_code(martin["code_activation"])) == 12
    with db.tenant_context(imported):
        assert codes.find_code(db.session, Keys(app.secret_key, imported.schema),
                                  martin["code_activation"]).host.last_name == "Martin"


def test_a_second_run_writes_nothing_new_unless_reissued(app, imported, tmp_path):
    letters(app, tmp_path)
    again, _ = letters(app, tmp_path)
    assert again.exit_code == 1 and "Aucun courrier" in again.output


def test_reissuing_revokes_the_old_code(app, imported, tmp_path):
    _, path = letters(app, tmp_path)
    old = {r["nom"]: r["code_activation"] for r in rows(path)}
    result, path = letters(app, tmp_path, "csv", "--reissue")
    assert result.exit_code == 0
    new = {r["nom"]: r["code_activation"] for r in rows(path)}
    assert old["Martin"] != new["Martin"]
    keys = Keys(app.secret_key, imported.schema)
    with db.tenant_context(imported):
        assert codes.find_code(db.session, keys, old["Martin"]).state() == "revoked"
        assert codes.find_code(db.session, keys, new["Martin"]).state() == "live"


def test_activated_hosts_get_no_letter(app, imported, tmp_path):
    activated(imported)  # Martin
    result, path = letters(app, tmp_path, "csv", "--reissue")
    assert [r["nom"] for r in rows(path)] == ["Petit"]


def test_pdf_one_page_per_letter(app, imported, tmp_path):
    result, path = letters(app, tmp_path, "pdf")
    assert result.exit_code == 0, result.output
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    assert len(reader.pages) == 2
    first = reader.pages[0].extract_text()
    assert "Vallée Verte" in first and "04 75 12 34 56" in first
    assert "/activation/" in first
    with db.tenant_context(imported):
        assert host_by_name("Martin") is not None
