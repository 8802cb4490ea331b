"""`flask payments record` (an agent working from the bank statement) and `flask payments
export` (the comptable public's CSV, its columns exactly as named)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from plateforme.database import db
from tenants.payments.models import Payment


def run(app, *args):
    return app.test_cli_runner().invoke(args=[str(arg) for arg in args])


def test_record_allocates_the_oldest_declaration_first_and_prints_it(app, declared):
    result = run(app, "payments", "record", "vallee", "SOR-0001", "20,00", "--moyen",
                 "virement", "--date", "18/08/2026", "--reference", "VIR 7781")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Paiement P-2026-") and "20.00 € (virement) du 18/08/2026" \
        in lines[0]
    assert lines[1].startswith("  2026-06 (déclaration D-2026-06-") and lines[1].endswith(
        "10.56 €")
    assert lines[2].startswith("  2026-07 (déclaration D-2026-07-") and lines[2].endswith(
        "9.44 €")
    result = run(app, "payments", "record", "vallee", "SOR-0003", "10", "--moyen", "cheque",
                 "--date", "19/08/2026")
    assert result.exit_code == 0, result.output
    assert "crédit de l'hébergeur : 2.96 €" in result.output
    with db.tenant_context(declared):
        assert db.session.scalar(sa.select(sa.func.sum(Payment.amount))) == Decimal("30.00")


def test_record_refuses_bad_input_in_one_french_line(app, declared):
    for args, said in (
            (("SOR-9999", "10"), "Aucun hébergement de référence « SOR-9999 »"),
            (("SOR-0001", "dix"), "n'est pas un montant"),
            (("SOR-0001", "10", "--date", "2026-08-18"), "JJ/MM/AAAA")):
        extra = () if "--date" in args else ("--date", "18/08/2026")
        result = run(app, "payments", "record", "vallee", *args, "--moyen", "virement", *extra)
        assert result.exit_code == 1, result.output
        assert said in result.output
    with db.tenant_context(declared):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_export_writes_one_row_per_allocation(app, declared, tmp_path):
    run(app, "payments", "record", "vallee", "SOR-0001", "27.39", "--moyen", "virement",
        "--date", "18/08/2026", "--reference", "=HYPERLINK(\"x\")")
    output = tmp_path / "paiements.csv"
    result = run(app, "payments", "export", "vallee", "--output", output)
    assert result.exit_code == 0, result.output
    assert "2 ligne(s) écrite(s)" in result.output
    lines = output.read_bytes().decode("utf-8-sig").splitlines()
    assert lines == ["date;moyen;montant;hebergement_reference;periode;reference",
                     '18/08/2026;virement;10.56;SOR-0001;2026-06;"\'=HYPERLINK(""x"")"',
                     '18/08/2026;virement;16.83;SOR-0001;2026-07;"\'=HYPERLINK(""x"")"']
