"""French as the agents read it (issue 13, item 16): the elision before a role or a name
filled in at run time ("en tant qu'agent", "Rôle d'Alice Admin"), in the invitation email and
on the agents page."""

from html import unescape

import pytest

from plateforme import mail
from tenants.core.french import elide


@pytest.mark.parametrize(("before", "word", "expected"), [
    ("en tant que", "agent", "en tant qu'agent"),
    ("en tant que", "administrateur", "en tant qu'administrateur"),
    ("Rôle de", "Administrateur de démonstration", "Rôle d'Administrateur de démonstration"),
    ("Déclarations de", "Élodie Martin", "Déclarations d'Élodie Martin"),
    ("l'espace hébergeur de", "Hautes-Terres", "l'espace hébergeur d'Hautes-Terres"),
    ("Console de", "Vallée Verte", "Console de Vallée Verte"),
    ("De", "Yssingeaux", "D'Yssingeaux"),
    ("le rôle de", "", "le rôle de "),
    ("Paiement", "Élodie", "Paiement Élodie"),     # nothing to elide
])
def test_elide(before, word, expected):
    assert elide(before, word) == expected


def text(html: str) -> str:
    return " ".join(unescape(html).split())


@pytest.mark.parametrize(("role", "says"), [("agent", "en tant qu'agent."),
                                            ("administrateur", "en tant qu'administrateur.")])
def test_the_invitation_says_en_tant_qu(app, as_admin, role, says):
    as_admin.post("/admin/agents", {"name": "Chloé Martin", "email": "chloe@vallee-verte.fr",
                                    "role": role})
    message = mail.outbox(app)[-1]
    plain = message.get_body(("plain",)).get_content()
    assert says in " ".join(plain.split()) and "en tant que a" not in plain
    assert says in text(message.get_body(("html",)).get_content())


def test_the_agents_page_elides_before_names(as_admin, agent):
    page = text(as_admin.get("/admin/agents").text)
    assert "Rôle d'Alice Admin" in page and "le rôle d'Alice Admin" in page
    assert "Rôle de Bruno Agent" in page and "le rôle de Bruno Agent" in page
    assert "Rôle de A" not in page and "Rôle de Administrateur" not in page
