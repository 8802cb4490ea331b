"""`flask declarations import | export` and the calendar set by `flask tenants set`: a paper
register (or another platform's history) validated in the name of "import", refused whole when
any line is wrong; a period's states as CSV for the collectivité's own tools."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from plateforme.database import db
from tenants.audit.models import AuditEvent
from tenants.collectivite import settings
from tenants.declarations.models import Declaration
from tenants.hosts.models import Hebergement
from tests.tenants.declarations.conftest import hebergement

HEADER = ("arrivee;depart;personnes;exoneres_mineurs;exoneres_saisonniers;exoneres_urgence;"
          "prix_nuit_ht;canal;plateforme")
EXPORT_HEADER = ("hebergement_reference;periode;etat;nuitees_taxables;nuitees_exonerees;"
                 "nuitees_plateforme;montant")
GITE = "07019000001AB"      # the Gîte des Lilas's numéro d'enregistrement
# July in the Gîte des Lilas (Aubenas, 3 étoiles, 1,70 € + 10 % départementale = 1,87 € from
# July, per the conftest): 3 nights × (4 − 1 minor) = 9 taxable person-nights; 2 nights × 2
# persons via Airbnb, who collected the tax (4 platform person-nights, nothing due here); and a
# stay over the end of July, of which only 4 of its 5 nights are July's: 4 × (3 − 1 seasonal
# worker) = 8. Taxable 17 × 1,87 € = 31,79 €; exempt 3 + 4 = 7.
JULY_REGISTER = "\n".join([
    HEADER,
    "10/07/2026;13/07/2026;4;1;0;0;;direct;",
    "20/07/2026;22/07/2026;2;0;0;0;;plateforme;Airbnb",
    "28/07/2026;02/08/2026;3;0;1;0;95,00;direct;",
]) + "\n"


def cli(app, *args):
    return app.test_cli_runner().invoke(args=[str(arg) for arg in args])


def write(tmp_path, content: str, name="registre.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    return path


def declarations(tenant) -> list[Declaration]:
    with db.tenant_context(tenant):
        return list(db.session.scalars(sa.select(Declaration).order_by(Declaration.id)))


@pytest.fixture
def referenced(imported):
    """The hébergements with their references (the numéro d'enregistrement, as an agent types
    it in the console)."""
    with db.tenant_context(imported):
        hebergement("Gîte des Lilas").reference = GITE
        hebergement("Studio du Pont").reference = "07019000002CD"
        hebergement("Chambres du Moulin").reference = "07102000001EF"
        db.session.commit()
    return imported


# --- flask tenants set --declarations --echeance -------------------------------------------------


def test_a_quarterly_calendar_due_on_the_20th(app, referenced, utc_clock, tmp_path):
    done = cli(app, "tenants", "set", "vallee", "--declarations", "trimestrielle",
               "--echeance", "20")
    assert done.exit_code == 0, done.output
    assert "chaque trimestre avant le 20 du mois suivant" in done.output
    with db.tenant_context(referenced):
        values = settings.get(db.session)
        assert (values.declaration_frequency, values.declaration_deadline_day) == (
            "trimestrielle", 20)
    # Months are no periods any more; quarters are.
    month = cli(app, "declarations", "export", "vallee", "2026-07", "--output",
                tmp_path / "m.csv")
    assert month.exit_code == 1
    assert "Période « 2026-07 » invalide" in month.stderr and "2026-T3" in month.stderr
    # The third quarter is due on 20 October: to declare that day, late the next.
    states = {}
    for day in (datetime(2026, 8, 20, 8), datetime(2026, 10, 20, 8), datetime(2026, 10, 21, 8)):
        utc_clock[0] = day
        out = tmp_path / f"t3-{day:%m%d}.csv"
        assert cli(app, "declarations", "export", "vallee", "2026-T3", "--output", out) \
            .exit_code == 0
        rows = out.read_bytes().decode("utf-8-sig").splitlines()
        assert rows[0] == EXPORT_HEADER
        states[day.date()] = {row.split(";")[2] for row in rows[1:]}
        assert {row.split(";")[1] for row in rows[1:]} == {"2026-T3"}
    assert states == {date(2026, 8, 20): {"a_declarer"}, date(2026, 10, 20): {"a_declarer"},
                      date(2026, 10, 21): {"en_retard"}}
    # A quarter imported: its period, its deadline (20 July for the second quarter), and its
    # amount: 2 nights × 2 persons in May at Aubenas's 1,60 € + 10 % = 1,76 € → 7,04 €.
    utc_clock[0] = datetime(2026, 8, 20, 8)
    path = write(tmp_path, f"{HEADER}\n10/05/2026;12/05/2026;2;0;0;0;;direct;\n")
    imported = cli(app, "declarations", "import", "vallee", GITE, "2026-T2", path)
    assert imported.exit_code == 0, imported.output
    assert "montant dû 7.04 €" in imported.output
    (row,) = declarations(referenced)
    assert (row.period, row.period_start, row.period_end, row.deadline) == (
        "2026-T2", date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 20))
    # What the calendar cannot be.
    assert cli(app, "tenants", "set", "vallee", "--echeance", "31").exit_code == 1
    assert cli(app, "tenants", "set", "vallee", "--declarations", "hebdomadaire").exit_code == 2
    with db.tenant_context(referenced):
        assert settings.get(db.session).declaration_deadline_day == 20


# --- flask declarations import --------------------------------------------------------------------


def test_a_register_is_imported_validated_by_import_and_its_amount_printed(app, referenced,
                                                                            tmp_path):
    path = write(tmp_path, JULY_REGISTER)
    done = cli(app, "declarations", "import", "vallee", GITE, "2026-07", path)
    assert done.exit_code == 0, done.output
    with db.tenant_context(referenced):
        gite = hebergement("Gîte des Lilas").id
    # Computed by hand above: 17 × 1,87 € = 31,79 €.
    assert done.stdout.strip() == (f"Déclaration D-2026-07-{gite:06d} validée (2026-07) : 17 "
                                   "nuitée(s) taxable(s), montant dû 31.79 €.")
    (row,) = declarations(referenced)
    assert (row.hebergement_id, row.status, row.version, row.validated_by) == (
        gite, "validee", 1, "import")
    assert (row.taxable_nights, row.exempt_nights, row.platform_nights, str(row.amount)) == (
        17, 7, 4, "31.79")
    assert "registre.csv" in row.reason and len(row.sha256) == 64
    with db.tenant_context(referenced):
        stays = db.session.scalars(sa.select(Declaration).where(Declaration.id == row.id)) \
            .one().stays
        assert [(s.arrival, s.persons, s.channel, s.platform, s.source) for s in stays] == [
            (date(2026, 7, 10), 4, "direct", None, "registre"),
            (date(2026, 7, 20), 2, "plateforme", "Airbnb", "registre"),
            (date(2026, 7, 28), 3, "direct", None, "registre")]
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"declaration.imported", "declaration.validated", "declaration.on_behalf"} <= actions
    # The same period again: refused, nothing added.
    again = cli(app, "declarations", "import", "vallee", GITE, "2026-07", path)
    assert again.exit_code == 1
    assert "déjà déclarée" in again.stderr and "rectifiez-la depuis la console" in again.stderr
    assert len(declarations(referenced)) == 1


def test_the_import_is_journaled_once_with_its_reason(app, referenced, tmp_path):
    """One import, one motive: the declaration's reason and the journal say it once."""
    cli(app, "declarations", "import", "vallee", GITE, "2026-07", write(tmp_path, JULY_REGISTER))
    (row,) = declarations(referenced)
    assert row.status == "validee"
    assert row.reason == "Import du fichier registre.csv (flask declarations import)"
    with db.tenant_context(referenced):
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "declaration.on_behalf")).all()
        assert [e.actor_label for e in events] == ["flask declarations import"]


def test_errors_are_named_by_line_and_nothing_is_saved(app, referenced, tmp_path):
    path = write(tmp_path, "\n".join([
        HEADER,
        "10/07/2026;13/07/2026;4;1;0;0;;direct;",
        "15/07/2026;12/07/2026;2;0;0;0;;direct;",
        "18/07/2026;20/07/2026;deux;0;0;0;;direct;",
        "21/07/2026;23/07/2026;2;0;0;0;;plateforme;",
    ]) + "\n")
    done = cli(app, "declarations", "import", "vallee", GITE, "2026-07", path)
    assert done.exit_code == 1
    assert done.stdout == ""
    assert done.stderr.startswith("Erreur : ") and "rien n'a été importé" in done.stderr
    for line in ("ligne 3", "ligne 4", "ligne 5"):
        assert line in done.stderr, line
    assert "ligne 2 " not in done.stderr
    assert declarations(referenced) == []


def test_an_unknown_reference_is_refused(app, referenced, tmp_path):
    done = cli(app, "declarations", "import", "vallee", "INCONNUE", "2026-07",
               write(tmp_path, JULY_REGISTER))
    assert done.exit_code == 1
    assert "Aucun hébergement de référence « INCONNUE »" in done.stderr
    assert declarations(referenced) == []


def test_a_stay_arriving_outside_the_period_is_refused(app, referenced, tmp_path):
    path = write(tmp_path, JULY_REGISTER + "05/08/2026;07/08/2026;2;0;0;0;;direct;\n")
    done = cli(app, "declarations", "import", "vallee", GITE, "2026-07", path)
    assert done.exit_code == 1
    assert "hors de la période" in done.stderr and "ligne 5" in done.stderr
    assert "Rien n'a été importé" in done.stderr
    assert declarations(referenced) == []


def test_periods_not_ended_or_not_in_the_calendar_are_refused(app, referenced, tmp_path):
    august = write(tmp_path, f"{HEADER}\n01/08/2026;03/08/2026;2;0;0;0;;direct;\n")
    current = cli(app, "declarations", "import", "vallee", GITE, "2026-08", august)
    assert current.exit_code == 1 and "La période n'est pas terminée" in current.stderr
    september = write(tmp_path, f"{HEADER}\n01/09/2026;03/09/2026;2;0;0;0;;direct;\n", "s.csv")
    future = cli(app, "declarations", "import", "vallee", GITE, "2026-09", september)
    assert future.exit_code == 1 and "n'a pas commencé" in future.stderr
    quarter = cli(app, "declarations", "import", "vallee", GITE, "2026-T3", august)
    assert quarter.exit_code == 1 and "Période « 2026-T3 » invalide" in quarter.stderr
    assert declarations(referenced) == []


def test_a_period_before_the_start_on_the_platform_is_history(app, referenced, tmp_path):
    """A collectivité moving from another platform brings its history: the Gîte is on this one
    since August, July is imported all the same, and then shows as declared."""
    with db.tenant_context(referenced):
        hebergement("Gîte des Lilas").started_on = date(2026, 8, 1)
        db.session.commit()
    out = tmp_path / "before.csv"
    assert cli(app, "declarations", "export", "vallee", "2026-07", "--output", out).exit_code == 0
    assert GITE not in out.read_text(encoding="utf-8-sig")      # not asked of the host
    done = cli(app, "declarations", "import", "vallee", GITE, "2026-07",
               write(tmp_path, JULY_REGISTER))
    assert done.exit_code == 0, done.output
    assert "montant dû 31.79 €" in done.stdout
    assert cli(app, "declarations", "export", "vallee", "2026-07", "--output", out).exit_code == 0
    assert f"{GITE};2026-07;declaree;17;7;4;31.79" in out.read_text(encoding="utf-8-sig")


def test_a_reference_from_the_hosts_import(app, tenant, today, tmp_path):
    """`hebergement_reference`, a column of `flask hosts import`, is what the declarations'
    import finds the hébergement by."""
    hosts = tmp_path / "hebergeurs.csv"
    hosts.write_text(
        "civilite;nom;prenom;adresse;code_postal;commune;hebergement_nom;hebergement_adresse;"
        "hebergement_code_postal;hebergement_commune;nature;classement;capacite;"
        "hebergement_reference\n"
        "Mme;Roux;Anne;1 rue A;07200;Aubenas;Gîte A;1 rue A;07200;Aubenas;meuble;3;4;"
        "07019000042ZZ\n", encoding="utf-8")
    assert cli(app, "hosts", "import", "vallee", hosts).exit_code == 0
    with db.tenant_context(tenant):
        (item,) = db.session.scalars(sa.select(Hebergement)).all()
        item.started_on = date(2026, 1, 1)
        item_id = item.id
        db.session.commit()
    done = cli(app, "declarations", "import", "vallee", "07019000042ZZ", "2026-07",
               write(tmp_path, JULY_REGISTER))
    assert done.exit_code == 0, done.output
    assert "montant dû 31.79 €" in done.stdout
    assert [d.hebergement_id for d in declarations(tenant)] == [item_id]


# --- flask declarations export ------------------------------------------------------------------


def test_the_export_of_a_period(app, referenced, tmp_path):
    assert cli(app, "declarations", "import", "vallee", GITE, "2026-07",
               write(tmp_path, JULY_REGISTER)).exit_code == 0
    out = tmp_path / "out.csv"
    done = cli(app, "declarations", "export", "vallee", "2026-07", "--output", out)
    assert done.exit_code == 0, done.output
    assert f"4 hébergement(s) écrit(s) dans {out}" in done.stdout
    # By name: the camping (no reference), the Moulin, the Gîte, the Studio; nuitées are
    # person-nights, amounts with a dot, lines ended by CRLF, UTF-8 with a BOM.
    assert out.read_bytes() == "\ufeff".encode() + "\r\n".join([
        EXPORT_HEADER,
        ";2026-07;en_retard;0;0;0;0.00",
        "07102000001EF;2026-07;en_retard;0;0;0;0.00",
        f"{GITE};2026-07;declaree;17;7;4;31.79",
        "07019000002CD;2026-07;en_retard;0;0;0;0.00",
        "",
    ]).encode("utf-8")
    # An unknown collectivité, a period out of the calendar: an error, no file.
    missing = tmp_path / "missing.csv"
    assert cli(app, "declarations", "export", "nulle-part", "2026-07", "--output",
               missing).exit_code == 1
    assert cli(app, "declarations", "export", "vallee", "2026-T3", "--output",
               missing).exit_code == 1
    assert not missing.exists()


def test_the_export_defuses_formulas(app, referenced, tmp_path):
    with db.tenant_context(referenced):
        hebergement("Studio du Pont").reference = "=HYPERLINK(\"http://x\")"
        db.session.commit()
    out = tmp_path / "out.csv"
    assert cli(app, "declarations", "export", "vallee", "2026-07", "--output", out).exit_code == 0
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[-1].startswith("\"'=HYPERLINK(") and lines[-1].endswith(";2026-07;en_retard;"
                                                                          "0;0;0;0.00")
