"""The journal's French: every event code written anywhere in the product has a phrase, every
detail a label; and each part of a line reads as an agent expects."""

from __future__ import annotations

import ast
import json
from datetime import datetime
from pathlib import Path

from tenants.audit import catalogue
from tenants.audit.catalogue import Person
from tenants.audit.models import AuditEvent
from tenants.collectivite.documents import DocumentAction
from tenants.collectivite.news import NewsAction
from tenants.hosts.admin import HostAction
from tenants.payments.ledger import PaymentStatus

ROOT = Path(__file__).resolve().parents[3]
#: The journal's writers, and the helpers that pass the code they are given on to one.
WRITERS = {"record", "security_event", "journal_security_event", "record_event", "_settle"}
#: The codes built with an f-string, by its source: the values its placeholder takes. A new
#: f-string makes the test fail until its values are listed here (and phrased).
BUILT = {
    "f'news.{action}'": [f"news.{a}" for a in NewsAction],
    "f'document.{action}'": [f"document.{a}" for a in DocumentAction],
    # `admin.act` journals the three buttons it acts on; letters (COURRIER) are a file.
    "f'host.{action}'": [f"host.{a}" for a in HostAction if a is not HostAction.COURRIER],
    "f'payment.{to.value}'": [f"payment.{s.value}" for s in PaymentStatus],
}


def _name(node):
    return node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)


def _strings(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)
    elif isinstance(node, ast.JoinedStr):
        source = ast.unparse(node)
        parts = [v for v in node.values if isinstance(v, ast.FormattedValue)]
        if len(parts) == 1 and isinstance(parts[0].value, ast.IfExp):  # f"x_{'a' if c else 'b'}"
            prefix = "".join(v.value for v in node.values[:node.values.index(parts[0])])
            yield from (prefix + s for s in _strings(parts[0].value))
        else:
            assert source in BUILT, f"list the codes {source} builds in BUILT"
            yield from BUILT[source]


def written():
    """(code, file) for each code given to the journal, and the detail keys it is given. Only
    `tenants` writes a collectivité's journal (`plateforme` may not import it): the operators'
    platform journal has its own phrases (tests/plateforme/operators/test_journal.py)."""
    codes, keys = set(), set()
    for package in ("tenants",):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name, args = _name(node.func), node.args
                if name == "attempt" and args and _name(args[0]) in WRITERS:
                    name, args = _name(args[0]), args[1:]
                if name not in WRITERS:
                    continue
                for arg in args[:3]:
                    codes |= {(code, path.name) for code in _strings(arg)
                              if "." in code and " " not in code}
                keys |= {k.arg for k in node.keywords if k.arg and k.arg != "target"}
    return codes, keys


def test_every_code_written_has_a_phrase_and_a_filter():
    codes, _keys = written()
    assert len(codes) > 80  # the scan finds the product's writers
    missing = sorted(f"{code} ({where})" for code, where in codes
                     if code not in catalogue.EVENTS)
    assert missing == [], "add a French phrase to tenants/audit/catalogue.py EVENTS"
    unfiltered = sorted(code for code, _ in codes
                        if not any(code.startswith(family) for family in catalogue.FAMILIES))
    assert unfiltered == []


def test_the_codes_of_the_buttons_and_the_news_duplicate_read_apart():
    # `news.saved` (the form) and `news.publier` (the button) are two different acts.
    assert catalogue.phrase("news.saved") == "a enregistré l'actualité"
    assert catalogue.phrase("news.publier") == "a publié l'actualité"
    assert catalogue.phrase("vieux.code") == "a effectué l'action « vieux.code »"


def test_every_detail_written_has_a_label():
    _codes, keys = written()
    assert "remember" in keys and "amount" in keys
    assert sorted(keys - set(catalogue.DETAILS)) == []


def test_details_read_in_french():
    assert catalogue.details(json.dumps({"remember": False})) == [("Rester connecté(e)", "non")]
    assert catalogue.details(json.dumps({"amount": "1234.5", "host_ids": [3, 4]})) == [
        ("Montant", "1\u202f234,50\u00a0€"), ("Hébergeurs n°", "3, 4")]
    assert catalogue.details("") == []
    assert catalogue.details("pas du JSON") == [("Détails", "pas du JSON")]


def event(kind, label="", ip=None, actor_id=None, at=datetime(2026, 11, 27, 17, 5)):
    return AuditEvent(actor_kind=kind, actor_label=label, ip=ip, actor_id=actor_id, at=at,
                      action="console.login_success", target="", details="")


def test_who_acted_is_named():
    marie = event("agent", "marie@vallee.fr", actor_id=1)
    assert catalogue.who(marie, Person("Marie Dupont", "administrateur")) == \
        "Marie Dupont (administrateur)"
    assert catalogue.who(marie, None) == "l'agent marie@vallee.fr"
    assert catalogue.who(event("host", "jean@x.fr", actor_id=2), Person("Jean Martin")) == \
        "l'hébergeur Jean Martin"
    assert catalogue.who(event("host"), None) == "un hébergeur (données effacées)"
    assert catalogue.who(event("system"), None) == "la plateforme (tâche automatique)"
    assert catalogue.who(event("system", "flask demo"), None) == \
        "la plateforme (commande « flask demo »)"
    assert catalogue.who(event("system", "relances quotidiennes"), None) == \
        "la plateforme (tâche automatique : relances quotidiennes)"
    assert catalogue.who(event("system", ip="192.0.2.1"), None) == "une personne non connectée"


def test_times_are_read_in_paris():
    assert catalogue.when(event("system")) == "27/11/2026 à 18:05"          # UTC+1
    assert catalogue.when(event("system", at=datetime(2026, 7, 1, 16, 5))) == \
        "01/07/2026 à 18:05"                                                 # UTC+2


def test_a_line_reads_who_did_what_when():
    line = catalogue.lines([event("agent", actor_id=1)],
                           {("agent", 1): Person("Marie Dupont", "administrateur")})[0]
    assert (line.when, line.who, line.what) == (
        "27/11/2026 à 18:05", "Marie Dupont (administrateur)", "s'est connecté(e) à la console")
