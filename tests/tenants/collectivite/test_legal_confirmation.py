"""Publishing a new version of the CGU or the privacy policy asks first: what it does to the
hosts (how many must accept it at their next visit), a box to tick; nothing is saved until it
is ticked, and going back keeps the text as typed."""

from __future__ import annotations

import re

from plateforme.database import db
from tenants.collectivite import legal

BODY = "# CGU v2\n\nDe nouvelles **règles** du service."


def version(tenant, kind="cgu"):
    with db.tenant_context(tenant):
        return legal.current(db.session, kind).version


def test_publishing_asks_to_confirm_and_saves_nothing_before(as_admin, tenant, logged_in):
    asked = as_admin.post("/admin/textes/cgu", {"body": BODY, "publish": "y"})
    assert asked.status_code == 200
    page = asked.text.replace("&#39;", "'")
    assert "Publier la version 2 : Conditions générales d'utilisation" in page
    assert "1 hébergeur(s) ayant un compte actif devront accepter cette nouvelle version à " \
           "leur prochaine visite" in page
    assert "<strong>règles</strong>" in page                        # the text to be published
    assert 'name="body" value="# CGU v2' in page                    # carried, not saved
    assert version(tenant) == 1
    with db.tenant_context(tenant):
        assert legal.draft(db.session, "cgu") is None
    assert logged_in.get("/tableau-de-bord").status_code == 200     # hosts see nothing yet


def test_without_the_box_nothing_is_published(as_admin, tenant):
    refused = as_admin.post("/admin/textes/cgu", {"body": BODY, "confirmed": "y"})
    assert refused.status_code == 200
    assert "Cochez la case pour confirmer la publication." in refused.text
    assert re.search(r"<title>Erreur : Confirmer la publication", refused.text)
    assert version(tenant) == 1


def test_going_back_keeps_the_text_and_publishes_nothing(as_admin, tenant):
    back = as_admin.post("/admin/textes/cgu", {"body": BODY, "back": "y"})
    assert back.status_code == 200
    assert "De nouvelles **règles** du service." in back.text     # in the textarea again
    assert version(tenant) == 1


def test_confirmed_it_is_published_and_hosts_must_accept(as_admin, tenant, logged_in):
    done = as_admin.post("/admin/textes/cgu", {"body": BODY, "confirm": "y", "confirmed": "y"})
    assert done.status_code == 302
    assert version(tenant) == 2
    assert logged_in.get("/tableau-de-bord").headers["Location"] == "/cgu"


def test_with_no_active_account_it_says_so(as_admin, tenant):
    asked = as_admin.post("/admin/textes/privacy", {"body": BODY, "publish": "y"})
    assert "Aucun hébergeur n&#39;a encore de compte actif" in asked.text or \
           "Aucun hébergeur n'a encore de compte actif" in asked.text
    assert version(tenant, "privacy") == 1
