"""The journal's page and export as an agent reads them: French sentences (who with their name
and role, what, to what, when in Paris, from where), readable details, the raw fields kept in
the CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import sqlalchemy as sa

from plateforme.database import db
from tenants.audit import journal as audit
from tenants.audit.models import AuditEvent


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def at(tenant, action, when):
    with db.tenant_context(tenant):
        db.session.execute(sa.update(AuditEvent).where(AuditEvent.action == action)
                           .values(at=when))
        db.session.commit()


def test_the_journal_reads_as_french_sentences(as_admin, tenant, logged_in):
    logged_in.logout()
    with db.tenant_context(tenant):
        audit.record(db.session, "declaration.reminded", audit.Actor(label="relances "
                                                                     "quotidiennes"))
        db.session.commit()
    at(tenant, "console.login_success", datetime(2026, 11, 27, 17, 5))
    page = text(as_admin.get("/admin/journal").text)
    assert "27/11/2026 à 18:05" in page                            # Paris, not UTC
    assert "Alice Admin (administrateur) s'est connecté(e) à la console" in page
    assert "L'hébergeur Élodie Martin s'est connecté(e) à l'espace hébergeur" in page
    assert "Rester connecté(e) : non" in page                      # not {"remember": false}
    assert "La plateforme (tâche automatique : relances quotidiennes) a relancé" in page
    for raw in ("console.login_success", '{"remember"', "system", ">host<"):
        assert raw not in page, raw


def test_a_failed_login_is_someone_not_logged_in(as_admin, client, host_email):
    client.login(host_email, "un mauvais mot de passe")
    page = text(as_admin.get("/admin/journal?action=login").text)
    assert "Une personne non connectée a échoué à se connecter à l'espace hébergeur" in page


def test_the_filter_offers_the_kinds_of_events(as_admin):
    page = as_admin.get("/admin/journal?action=console").text
    assert '<option value="console" selected>Console : connexions et accès refusés</option>' \
        in page
    assert "s&#39;est connecté(e) à la console" in page or \
        "s'est connecté(e) à la console" in page


def test_the_export_keeps_the_raw_fields_and_adds_french_ones(as_admin, tenant):
    at(tenant, "console.login_success", datetime(2026, 7, 1, 16, 5))
    rows = list(csv.DictReader(io.StringIO(
        as_admin.get("/admin/journal.csv?action=console").data.decode("utf-8-sig")),
        delimiter=";"))
    (login,) = [r for r in rows if r["action"] == "console.login_success"]
    assert login["date_utc"] == "2026-07-01T16:05:00Z"
    assert login["acteur"] == "agent:admin@vallee-verte.fr"
    assert login["date_heure_paris"] == "01/07/2026 à 18:05"
    assert login["qui"] == "Alice Admin (administrateur)"
    assert login["evenement"] == "s'est connecté(e) à la console : admin@vallee-verte.fr"
    assert list(rows[0])[:6] == ["date_utc", "acteur", "action", "cible", "details",
                                 "adresse_ip"]
