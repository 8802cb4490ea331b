"""`flask hosts import`: the collectivité's CSV, all rows or none."""

import sqlalchemy as sa

from plateforme.database import db
from tenants.hosts import importing
from tenants.hosts.models import Hebergement, Host
from tests.tenants.conftest import FIXTURES

HEADER = ("civilite;nom;prenom;adresse;code_postal;commune;email;telephone;compte_avant_2019;"
          "reference;hebergement_nom;hebergement_adresse;hebergement_code_postal;"
          "hebergement_commune;nature;classement;capacite")
GOOD = "Mme;Roux;Anne;1 rue A;07200;Aubenas;;;non;R1;Gîte A;1 rue A;07200;Aubenas;meuble;2;4"


def run(app, tmp_path, content: str | bytes, name="import.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return app.test_cli_runner().invoke(args=["hosts", "import", "vallee", str(path)])


def counts(tenant):
    with db.tenant_context(tenant):
        return (db.session.scalar(sa.select(sa.func.count()).select_from(Host)),
                db.session.scalar(sa.select(sa.func.count()).select_from(Hebergement)))


def test_the_fixture_imports_hosts_and_groups_hebergements_by_reference(app, tenant, tmp_path):
    result = run(app, tmp_path, (FIXTURES / "hebergeurs.csv").read_bytes())
    assert result.exit_code == 0, result.output
    assert "3 hébergeur(s) créé(s)" in result.output and "4 hébergement(s)" in result.output
    assert counts(tenant) == (3, 4)
    with db.tenant_context(tenant):
        martin = db.session.scalar(sa.select(Host).where(Host.reference == "H001"))
        assert [h.name for h in martin.hebergements] == ["Gîte des Lilas", "Studio du Pont"]
        assert martin.phone == "+33475123456" and martin.first_name == "Élodie"
        durand = db.session.scalar(sa.select(Host).where(Host.reference == "H002"))
        assert durand.legacy and durand.email == "paul.durand@example.fr"
        assert durand.hebergements[0].nature == "chambre_hotes"
        assert durand.hebergements[0].classement == "sans_objet"


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(app, tenant, tmp_path):
    content = "\n".join([
        HEADER, GOOD,
        "Madame;Roux;Anne;1 rue A;7200;Aubenas;pas-un-courriel;;peut-être;R2;Gîte B;1 rue A;"
        "07200;Aubenas;château;;0",
        GOOD.replace("R1", "R3").replace("4", "douze"),
    ])
    result = run(app, tmp_path, content)
    assert result.exit_code == 1
    assert "ligne 3 :" in result.output and "ligne 4 :" in result.output
    line3 = next(ln for ln in result.output.splitlines() if "ligne 3" in ln)
    for reason in ("code postal « 7200 »", "adresse électronique « pas-un-courriel »",
                   "compte_avant_2019 « peut-être »", "nature « château »"):
        assert reason in line3, reason
    assert "capacité « douze »" in result.output
    assert "rien n'a été importé" in result.output
    assert counts(tenant) == (0, 0)


def test_comma_separated_with_bom_and_windows_line_endings(app, tenant, tmp_path):
    content = ("\ufeff" + HEADER.replace(";", ",") + "\r\n" + GOOD.replace(";", ",") + "\r\n")
    result = run(app, tmp_path, content)
    assert result.exit_code == 0, result.output
    assert counts(tenant) == (1, 1)


def test_missing_columns_and_unreadable_encodings_are_refused(app, tenant, tmp_path):
    missing = run(app, tmp_path, "civilite;nom\nM.;X\n")
    assert missing.exit_code == 1 and "capacite" in missing.output
    # 0x81 is no character in Windows-1252 (nor in UTF-8).
    neither = run(app, tmp_path, (HEADER + "\n" + GOOD).encode("utf-8").replace(b"A", b"\x81"))
    assert neither.exit_code == 1 and "ni en UTF-8 ni en Windows-1252" in neither.output
    spoiled = run(app, tmp_path, b"\xef\xbb\xbf" + (HEADER + "\n" + GOOD).encode("cp1252"))
    assert spoiled.exit_code == 1 and "annonce l'encodage UTF-8" in spoiled.output
    assert counts(tenant) == (0, 0)


ACCENTED = ("M.;Lefèvre;François;3 rue de l'Église;07200;Aubenas;;;non;R7;Le Cœur à l'Ouvrage;"
            "3 rue de l'Église;07200;Saint-Étienne-de-Fontbellon;Chambre d'hôtes;sans objet;3")


def test_a_windows_1252_file_from_excel_is_read_and_said_so(app, tenant, tmp_path):
    """Issue 13, item 12: what a French Excel writes by default ("CSV (séparateur :
    point-virgule)") is Windows-1252; its accents arrive intact and the command says how it
    read the file."""
    content = (HEADER + "\r\n" + ACCENTED + "\r\n").encode("cp1252")
    assert "œ".encode("cp1252") == b"\x9c"  # not in Latin-1: Windows-1252 proper
    result = run(app, tmp_path, content)
    assert result.exit_code == 0, result.output
    assert "Fichier lu en Windows-1252." in result.output
    with db.tenant_context(tenant):
        host = db.session.scalar(sa.select(Host).where(Host.reference == "R7"))
        assert (host.last_name, host.first_name, host.address) == (
            "Lefèvre", "François", "3 rue de l'Église")
        (hebergement,) = host.hebergements
        assert hebergement.name == "Le Cœur à l'Ouvrage"
        assert hebergement.city == "Saint-Étienne-de-Fontbellon"
        assert hebergement.nature == "chambre_hotes"
    utf8 = run(app, tmp_path, (HEADER + "\n" + GOOD.replace("R1", "R8")).encode(), "b.csv")
    assert "Fichier lu en UTF-8." in utf8.output


def test_the_template_is_what_the_importer_reads(app, tenant, tmp_path):
    path = tmp_path / "modele.csv"
    written = app.test_cli_runner().invoke(args=["hosts", "import-template", str(path)])
    assert written.exit_code == 0, written.output
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    header, example = data.decode("utf-8-sig").splitlines()
    assert header.split(";") == list(importing.REQUIRED_COLUMNS + importing.OPTIONAL_COLUMNS)
    assert "Élodie" in example and example.count(";") == header.count(";")
    result = run(app, tmp_path, data, "modele-rempli.csv")
    assert result.exit_code == 0, result.output
    assert "Fichier lu en UTF-8." in result.output and counts(tenant) == (1, 1)


def test_one_email_per_account(app, tenant, tmp_path):
    rows = [HEADER,
            GOOD.replace(";;;non;R1", ";a@example.fr;;non;R1"),
            GOOD.replace(";;;non;R1", ";a@example.fr;;non;R2")]
    result = run(app, tmp_path, "\n".join(rows))
    assert result.exit_code == 1 and "ligne 3" in result.output
    assert counts(tenant) == (0, 0)


def test_a_known_reference_gets_the_new_hebergement(app, tenant, tmp_path):
    run(app, tmp_path, HEADER + "\n" + GOOD)
    result = run(app, tmp_path, HEADER + "\n" + GOOD.replace("Gîte A", "Gîte C"), "second.csv")
    assert result.exit_code == 0, result.output
    assert "1 complété(s)" in result.output
    assert counts(tenant) == (1, 2)


def test_a_legacy_account_needs_an_email(app, tenant, tmp_path):
    result = run(app, tmp_path, HEADER + "\n" + GOOD.replace(";;;non;", ";;;oui;"))
    assert result.exit_code == 1 and "avant 2019" in result.output


def test_hebergement_references_are_imported_and_unique(app, tenant, tmp_path):
    header = HEADER + ";hebergement_reference"
    first = run(app, tmp_path, f"{header}\n{GOOD};ENR-001\n"
                               "Mme;Roux;Anne;1 rue A;07200;Aubenas;;;non;R1;Gîte B;2 rue A;"
                               "07200;Aubenas;meuble;2;4;\n")
    assert first.exit_code == 0, first.output
    with db.tenant_context(tenant):
        refs = {h.name: h.reference for h in db.session.scalars(sa.select(Hebergement))}
        assert refs == {"Gîte A": "ENR-001", "Gîte B": None}
    twice = run(app, tmp_path, f"{header}\n"
                               "M.;Blanc;Jo;2 rue B;07200;Aubenas;;;non;R2;Gîte C;2 rue B;07200;"
                               "Aubenas;meuble;2;4;ENR-002\n"
                               "M.;Blanc;Jo;2 rue B;07200;Aubenas;;;non;R2;Gîte D;3 rue B;07200;"
                               "Aubenas;meuble;2;4;ENR-002\n"
                               "M.;Noir;Lu;3 rue C;07200;Aubenas;;;non;R3;Gîte E;3 rue C;07200;"
                               "Aubenas;meuble;2;4;ENR-001\n")
    assert twice.exit_code == 1
    assert "ligne 3" in twice.output and "déjà donnée à la ligne 2" in twice.output
    assert "ligne 4" in twice.output and "déjà utilisée par un hébergement existant" in \
        twice.output
    assert counts(tenant) == (1, 2)
