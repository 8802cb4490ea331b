"""The console home: the panels features contribute (`tenants.core.dashboard`), their figures on
a known collectivité, what needs doing, and the page's title."""

from __future__ import annotations

import re

import pytest

from plateforme.database import db
from tenants.collectivite import legal
from tenants.hosts import admin
from tests.tenants.conftest import activated, host_by_name


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


@pytest.fixture
def hosts(imported):
    """Élodie Martin activated (this month) and her texts accepted, Paul Durand (an account
    from before 2019) disabled, Louis Petit still to write to and without an email; then CGU
    version 2 published."""
    activated(imported)
    with db.tenant_context(imported):
        martin = host_by_name("Martin")
        legal.accept(db.session, martin.id, legal.pending(db.session, martin.id))
        admin.disable(db.session, host_by_name("Durand"))
        legal.publish_new_version(db.session, "cgu", "# CGU v2\n\nDe nouvelles règles.")
        db.session.commit()
    return imported


def test_the_hosts_panel_counts_each_state_and_what_to_do(hosts, as_admin):
    page = text(as_admin.get("/admin/").text)
    for figure in ("Hébergeurs enregistrés : 3", "Courrier à envoyer : 1",
                   "En attente d'activation : 0", "Actif : 1", "Compte d'avant 2019 : 0",
                   "Désactivé : 1", "Comptes activés ce mois-ci : 1",
                   "Sans adresse électronique : 1"):
        assert figure in page, figure
    todo = page.split("À faire")[1].split("Hébergeurs enregistrés")[0]
    assert "Envoyer le courrier d'activation à 1 hébergeur(s)" in todo
    assert "Compléter l'adresse électronique de 1 hébergeur(s)" in todo


def test_the_legal_panel_shows_the_versions_in_force_and_who_accepted(hosts, as_admin):
    page = text(as_admin.get("/admin/").text)
    assert re.search(r"Conditions générales d'utilisation : version 2 du \d\d/\d\d/\d{4}, "
                     r"acceptée par : 0 sur 1 compte\(s\) actif\(s\)", page)
    assert re.search(r"Politique de confidentialité : version 1 du \d\d/\d\d/\d{4}, "
                     r"acceptée par : 1 sur 1 compte\(s\) actif\(s\)", page)
    assert "1 compte(s) actif(s) n'ont pas encore accepté la version 2 (Conditions générales " \
           "d'utilisation)" in page.split("Hébergeurs enregistrés")[0]


def test_an_agent_sees_no_administrators_panel(hosts, as_agent):
    page = text(as_agent.get("/admin/").text)
    assert "Hébergeurs enregistrés : 3" in page and "Textes en vigueur" not in page


def test_nothing_to_do_says_so(tenant, as_agent):
    page = text(as_agent.get("/admin/").text)
    assert "Rien n'attend : tout est à jour." in page


def test_the_home_title_names_the_console_once(as_agent):
    title = re.search(r"<title>(.*?)</title>", as_agent.get("/admin/").text).group(1)
    assert title == "Accueil – Console – Vallée Verte"
