"""The platform journal: who (id and email, kept as text), what, which collectivité, when (shown
in Paris time), from where; filters and pages."""

from datetime import datetime

import sqlalchemy as sa

from plateforme.database import db
from plateforme.operators import journal
from plateforme.operators.models import Operator, PlatformEvent
from tests.conftest import TEST_DOMAIN
from tests.plateforme.operators.conftest import OperatorClient


def test_record_outside_a_request_and_list_with_filters(app, operator, monkeypatch):
    olga = db.session.scalar(sa.select(Operator).where(Operator.email == operator[0]))
    monkeypatch.setattr(journal, "PHRASES", dict(journal.PHRASES))
    journal.describe_action("essai.suspension", "a suspendu la collectivité ({reason})")
    journal.record(db.session, "essai.suspension", collectivite="vallee",
                   detail={"reason": "contrat échu"}, operator=olga, ip="203.0.113.7")
    for i in range(3):
        journal.record(db.session, "essai.reprise", collectivite=f"c{i}")
    db.session.commit()

    found = journal.entries(db.session, collectivite="vallee")
    assert found.total == 1
    event = found.entries[0]
    assert (event.operator_id, event.operator_email, event.ip) == (
        olga.id, "olga@taxesejour.fr", "203.0.113.7")
    assert journal.sentence(event) == (
        "olga@taxesejour.fr a suspendu la collectivité (contrat échu)")
    assert journal.entries(db.session, operator="olga@").total == 2  # her invitation too
    assert journal.entries(db.session, operator=olga.id, collectivite="vallee").total == 1
    assert journal.entries(db.session, action="essai.").total == 4
    assert journal.entries(db.session, action="essai.reprise").total == 3
    paged = journal.entries(db.session, action="essai.", page=2, per_page=3)
    assert (paged.page, paged.pages, len(paged.entries)) == (2, 2, 1)
    last = journal.entries(db.session, collectivite="c0").entries[0]
    assert journal.sentence(last) == "La plateforme essai.reprise"  # no phrase given


def test_paris_time():
    winter = PlatformEvent(at=datetime(2026, 1, 15, 9, 30), action="x")
    summer = PlatformEvent(at=datetime(2026, 7, 15, 9, 30), action="x")
    assert journal.paris_time(winter) == "15/01/2026 à 10:30:00"
    assert journal.paris_time(summer) == "15/07/2026 à 11:30:00"


def test_the_journal_page_shows_who_what_when_from_where(app, as_operator):
    OperatorClient(app).post("/operateurs/connexion",
                             {"email": "intrus@exemple.fr", "password": "x"})
    page = as_operator.get("/operateurs/journal")
    assert page.status_code == 200
    assert "olga@taxesejour.fr s&#39;est connecté à la console des opérateurs" in page.text
    assert ("Un visiteur a échoué à se connecter (mot de passe, courriel saisi : "
            "intrus@exemple.fr)") in page.text
    assert "127.0.0.1" in page.text and 'data-label="Quand"' in page.text
    filtered = as_operator.get("/operateurs/journal?action=operator.login_failed")
    assert "s&#39;est connecté à la console" not in filtered.text
    assert "1 action(s)" in filtered.text
    by_operator = as_operator.get("/operateurs/journal?operator=nobody")
    assert "0 action(s)" in by_operator.text
    assert as_operator.get("/operateurs/journal?page=abc").status_code == 200
    home = as_operator.get("/operateurs/")
    assert 'href="/operateurs/journal"' in home.text and TEST_DOMAIN not in home.text


def test_every_action_the_platform_journal_records_has_a_french_phrase():
    """Every code given to `journal.record` in `plateforme` reads as a sentence on the
    journal's page (the archive's and the collectivités' pages register theirs on import)."""
    import ast
    from pathlib import Path

    import plateforme.archive  # noqa: F401 - registers its phrases
    import plateforme.operators.collectivites  # noqa: F401 - registers its phrases

    root = Path(journal.__file__).resolve().parents[1]
    written = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "record"
                    and isinstance(getattr(node.func, "value", None), ast.Name)
                    and node.func.value.id == "journal" and len(node.args) > 1
                    and isinstance(node.args[1], ast.Constant)):
                written.add((node.args[1].value, path.name))
    assert len(written) >= 10  # the scan finds the writers
    assert sorted(f"{code} ({where})" for code, where in written
                  if code not in journal.PHRASES) == []
