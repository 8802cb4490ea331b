"""`flask tax import-delta`: the DGFiP's file goes to every registered collectivité it
concerns, checked against the year's grid; the same file again changes nothing; a broken file
loads nothing."""

import re
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from plateforme.database import db
from tenants.audit.models import AuditEvent
from tenants.tax import deliberations
from tenants.tax.models import Deliberation, LegalGridLine
from tests.conftest import create_tenant

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "delta_2026.xml"


def register(app):
    """The EPCI by its SIREN; Gruissan as a commune, by its INSEE code only; Paris by SIREN."""
    return {
        "vallee": create_tenant(app, "vallee-verte", "Communauté Vallée Verte",
                                kind="communaute_de_communes", siren="200068609"),
        "gruissan": create_tenant(app, "gruissan", "Gruissan", insee="11170"),
        "paris": create_tenant(app, "paris", "Paris", siren="217500016", insee="75056"),
        "labegude": create_tenant(app, "labegude", "Labégude", insee="07102"),
        "vide": create_tenant(app, "sans-deliberation", "Sans Délibération"),
    }


def edited(tmp_path, name: str, old: str, new: str) -> Path:
    """The fixture with one change inside the deliberation of `name`."""
    text = FIXTURE.read_text(encoding="utf-8")
    blocks = re.split(r"(?=<deliberation>)", text)
    (index,) = [i for i, block in enumerate(blocks) if f"<nom>{name}</nom>" in block
                and "<saisie>" in block and block.index(f"<nom>{name}</nom>") < block.index(
                    "</collectiviteDeliberante>")]
    assert old in blocks[index]
    blocks[index] = blocks[index].replace(old, new, 1)
    path = tmp_path / "delta.xml"
    path.write_text("".join(blocks), encoding="utf-8")
    return path


def run(app, path=FIXTURE):
    return app.test_cli_runner().invoke(args=["tax", "import-delta", str(path)])


def names_in_force(tenant, year=2026):
    with db.tenant_context(tenant):
        return {f.insee: f.deliberation.name for f in deliberations.in_force(db.session, year)}


def test_each_collectivite_receives_what_concerns_it_and_the_rest_is_counted(app):
    tenants = register(app)
    result = run(app)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Fichier DELTA 2026 (version 2.5.0) : 5 délibération(s)." in out
    assert "vallee-verte : 2 chargée(s), 0 modifiée(s), 0 inchangée(s), 0 refusée(s)." in out
    assert "gruissan : 1 chargée(s)" in out and "paris : 1 chargée(s)" in out
    assert "labegude : 1 chargée(s)" in out  # the EPCI's deliberation covers it
    assert "sans-deliberation : 0 chargée(s)" in out
    assert "1 délibération(s) ne concernent aucune collectivité inscrite." in out
    # The EPCI's deliberation, and Aubenas's own: adopted later, it is the one in force there.
    assert names_in_force(tenants["vallee"]) == {
        "07019": "AUBENAS", "07102": "CC VALLEE VERTE", "07331": "CC VALLEE VERTE"}
    assert names_in_force(tenants["gruissan"]) == {"11170": "GRUISSAN"}
    assert names_in_force(tenants["vide"]) == {}
    with db.tenant_context(tenants["vide"]):  # the law reaches everyone
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LegalGridLine)) == 9


def test_the_same_file_again_changes_nothing(app):
    tenants = register(app)
    run(app)
    with db.tenant_context(tenants["vallee"]):
        before = db.session.scalars(sa.select(Deliberation.id).order_by(Deliberation.id)).all()
    again = run(app)
    assert again.exit_code == 0, again.output
    assert "vallee-verte : 0 chargée(s), 0 modifiée(s), 2 inchangée(s), 0 refusée(s)." in \
        again.output
    with db.tenant_context(tenants["vallee"]):
        assert db.session.scalars(sa.select(Deliberation.id)
                                  .order_by(Deliberation.id)).all() == before


def test_a_changed_deliberation_becomes_a_new_version_and_the_old_one_stays(app, tmp_path):
    tenants = register(app)
    run(app)
    changed = edited(tmp_path, "PARIS", '<tarif categorieId="4">1.70</tarif>',
                     '<tarif categorieId="4">1.60</tarif>')
    result = run(app, changed)
    assert "paris : 0 chargée(s), 1 modifiée(s), 0 inchangée(s), 0 refusée(s)." in \
        result.output, result.output
    with db.tenant_context(tenants["paris"]):
        versions = db.session.scalars(sa.select(Deliberation).order_by(Deliberation.version))
        assert [(v.version, v.periods[0].tariffs[3].amount) for v in versions] == [
            (1, Decimal("1.70")), (2, Decimal("1.60"))]
        (in_force,) = deliberations.in_force(db.session, 2026)
        assert in_force.deliberation.version == 2


def test_a_deliberation_the_law_refuses_is_reported_and_not_loaded(app, tmp_path):
    tenants = register(app)
    refused = edited(tmp_path, "PARIS", '<tarif categorieId="2">3.60</tarif>',
                     '<tarif categorieId="2">3.90</tarif>')
    result = run(app, refused)
    assert "paris : 0 chargée(s), 0 modifiée(s), 0 inchangée(s), 1 refusée(s)." in result.output
    assert ("refusée : PARIS (délibération du 10 juin 2025) : Période du 1er janvier au 31 "
            "décembre : catégorie 2 (5 étoiles) : 3,90\u00a0€ est au-dessus du plafond légal "
            "2026 de 3,60\u00a0€.") in result.output
    assert names_in_force(tenants["paris"]) == {}
    assert names_in_force(tenants["gruissan"]) == {"11170": "GRUISSAN"}


def test_a_truncated_file_is_refused_in_one_line_and_loads_nothing(app, tmp_path):
    tenants = register(app)
    text = FIXTURE.read_text(encoding="utf-8")
    truncated = tmp_path / "delta.xml"
    truncated.write_text(text[: int(len(text) * 0.8)], encoding="utf-8")
    result = run(app, truncated)
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Erreur : Fichier DELTA tronqué"), lines
    for tenant in tenants.values():
        with db.tenant_context(tenant):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Deliberation)) == 0
            assert db.session.scalar(sa.select(sa.func.count()).select_from(LegalGridLine)) == 0


def test_the_import_is_journaled_in_each_collectivite(app):
    tenants = register(app)
    run(app)
    with db.tenant_context(tenants["vallee"]):
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("tax.deliberation_recorded") == 2
    assert "tax.delta_imported" in actions
