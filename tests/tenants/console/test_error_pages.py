"""The console's error pages: under /admin/ a 403, a 404 (of a route or of a record), a 405 or
an expired form keep the console's layout, lead back to the console's home, and a 403 says why;
the hosts' pages keep theirs."""

from __future__ import annotations

import re

import pytest

from tests.tenants.conftest import Client


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html).group(1)


def in_the_console(html: str) -> None:
    assert "Vallée Verte – console" in html                       # the console's header
    assert "Console de la collectivité" in html                   # and footer
    assert "Espace hébergeur" not in html
    assert '<a href="/admin/">Revenir à l\'accueil de la console</a>' in html.replace(
        "&#39;", "'")


def test_an_agent_on_an_administrators_page_is_told_why(as_agent):
    response = as_agent.get("/admin/journal")
    assert response.status_code == 403
    in_the_console(response.text)
    assert "Cette page est réservée aux administrateurs de la collectivité." in response.text
    assert title(response.text) == "Accès refusé – Console – Vallée Verte"
    assert 'aria-label="Menu de la console"' in response.text     # still logged in


@pytest.mark.parametrize("path", ["/admin/nexiste-pas", "/admin/hebergeurs/99999"])
def test_a_missing_page_of_the_console(as_agent, path):
    response = as_agent.get(path)
    assert response.status_code == 404
    in_the_console(response.text)
    assert "La page demandée n'existe pas" in response.text.replace("&#39;", "'")


def test_a_missing_page_of_the_console_for_someone_not_logged_in(app, tenant):
    response = Client(app, "vallee.taxesejour.test").get("/admin/nexiste-pas")
    assert response.status_code == 404
    in_the_console(response.text)


def test_a_wrong_method_and_an_expired_form_in_the_console(as_admin):
    wrong = as_admin.get("/admin/journal/conservation")
    assert wrong.status_code == 405
    in_the_console(wrong.text)
    expired = as_admin.post("/admin/journal/conservation", {"months": "6"}, csrf=False)
    assert expired.status_code == 400
    in_the_console(expired.text)
    assert "Ce formulaire a expiré" in expired.text


def test_the_hosts_pages_keep_their_layout(client):
    response = client.get("/nexiste-pas")
    assert response.status_code == 404
    assert "Espace hébergeur" in response.text and "console" not in response.text
    assert '<a href="/">Revenir à l' in response.text
