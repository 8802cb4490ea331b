"""The CGU and the privacy policy: a gate before anything else, proof of each acceptance, and a
new acceptance for each new version."""

import re
from html import unescape

import sqlalchemy as sa

from plateforme.database import db
from tenants.collectivite import legal
from tenants.collectivite.models import Acceptance, LegalDocument
from tenants.core.dates import french_date, to_paris
from tests.tenants.conftest import host_by_name


def test_the_cgu_page_has_the_seeds_words_and_links(client, host_email):
    client.login(host_email)
    page = client.get("/cgu").text
    for words in ("Lors de votre première connexion, validez les CGU",
                  "Pour créer et valider votre compte",
                  "Accepter les CONDITIONS GÉNÉRALES D&#39;UTILISATION*",
                  "Accepter la POLITIQUE DE CONFIDENTIALITÉ*", "Valider",
                  "en qualité de sous-traitant pour le compte de la collectivité"):
        assert words in page, words
    assert 'href="/conditions-generales"' in page
    assert 'href="/politique-de-confidentialite"' in page


def test_nothing_of_the_hosts_space_before_the_cgu(client, host_email):
    client.login(host_email)
    for path in ("/tableau-de-bord", "/mon-compte", "/documents",
                 "/documents/guide-de-la-teledeclaration.pdf", "/aide/visite-guidee"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/cgu", path


def test_both_boxes_are_required(client, host_email, imported):
    client.login(host_email)
    only_one = client.post("/cgu", {"accept_cgu": "y"})
    assert only_one.status_code == 200
    assert "Vous devez accepter la politique de confidentialité" in only_one.text
    with db.tenant_context(imported):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Acceptance)) == 0


def test_each_acceptance_is_recorded_with_version_and_hash(client, host_email, imported):
    client.login(host_email)
    response = client.accept_cgu()
    assert response.headers["Location"] == "/tableau-de-bord"
    with db.tenant_context(imported):
        host = host_by_name("Martin")
        rows = db.session.scalars(sa.select(Acceptance)
                                  .where(Acceptance.host_id == host.id)).all()
        assert {(r.kind, r.version) for r in rows} == {("cgu", 1), ("privacy", 1)}
        for row in rows:
            document = db.session.get(LegalDocument, row.document_id)
            assert row.sha256 == legal.text_hash(document.body)
            assert row.accepted_at is not None and row.accepted_at.tzinfo is None  # UTC, naive


def test_a_new_version_is_accepted_at_the_next_visit(app, logged_in, imported, tmp_path):
    text = tmp_path / "cgu-v2.md"
    text.write_text("# CGU version 2\n\nDe nouvelles conditions, plus claires.\n",
                    encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["tenants", "publish-cgu", "vallee", str(text)])
    assert result.exit_code == 0, result.output
    assert "version 2" in result.output
    assert logged_in.get("/tableau-de-bord").headers["Location"] == "/cgu"
    page = logged_in.get("/cgu").text
    assert "Validez les nouvelles conditions" in page
    assert "POLITIQUE DE CONFIDENTIALITÉ" not in page  # already accepted, unchanged
    logged_in.post("/cgu", {"accept_cgu": "y"})
    assert logged_in.get("/tableau-de-bord").status_code == 200
    shown = logged_in.get("/conditions-generales").text
    assert "CGU version 2" in shown and "version 2" in shown


def test_publishing_the_same_text_again_is_refused(app, imported, tmp_path):
    text = tmp_path / "p.md"
    text.write_text("# Politique\n\nUne politique de confidentialité suffisamment longue.",
                    encoding="utf-8")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "publish-privacy", "vallee", str(text)]).exit_code == 0
    again = runner.invoke(args=["tenants", "publish-privacy", "vallee", str(text)])
    assert again.exit_code == 1 and "déjà la version 2" in again.output


def test_html_in_a_document_is_shown_as_text(app, client, imported, tmp_path):
    text = tmp_path / "cgu.md"
    text.write_text("# CGU\n\n<script>alert('x')</script> et du **gras**.", encoding="utf-8")
    app.test_cli_runner().invoke(args=["tenants", "publish-cgu", "vallee", str(text)])
    page = client.get("/conditions-generales").text
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<strong>gras</strong>" in page


def _publish(app, tmp_path, kind, text):
    path = tmp_path / f"{kind}-new.md"
    path.write_text(text, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["tenants", f"publish-{kind}", "vallee",
                                                str(path)])
    assert result.exit_code == 0, result.output


def _nav(page: str) -> str:
    return re.search(r'<nav class="main-nav".*?</nav>', page, re.S).group(0)


def test_a_new_version_says_what_changed_not_the_first_times_words(app, logged_in, imported,
                                                                   tmp_path):
    _publish(app, tmp_path, "cgu", "# CGU version 2\n\nDe nouvelles conditions.\n")
    with db.tenant_context(imported):
        published = legal.current(db.session, "cgu").published_at
        accepted = db.session.scalar(sa.select(Acceptance.accepted_at)
                                     .where(Acceptance.kind == "cgu"))
    page = unescape(logged_in.get("/cgu").text)
    for first_time in ("Lors de votre première connexion", "Pour créer et valider votre compte",
                       "Veuillez vérifier vos informations"):
        assert first_time not in page
    assert "Validez les nouvelles conditions" in page
    assert "Vallée Verte a modifié le texte suivant" in page
    item = re.search(r'<li id="changement-cgu">(.*?)</li>', page, re.S).group(1)
    item = " ".join(re.sub(r"<[^>]+>", "", item).split())
    assert item == (
        "Conditions générales d'utilisation : version 2, en vigueur depuis le "
        f"{french_date(to_paris(published).date())} ; elle remplace la version 1, que vous "
        f"aviez acceptée le {french_date(to_paris(accepted).date())}.")
    assert 'href="/conditions-generales"' in page  # the new text, right there
    assert "version 2, nouvel onglet" in page
    assert "POLITIQUE DE CONFIDENTIALITÉ" not in page


def test_both_texts_republished_is_still_a_new_version_not_a_first_time(app, logged_in,
                                                                        tmp_path):
    _publish(app, tmp_path, "cgu", "# CGU version 2\n\nDe nouvelles conditions.\n")
    _publish(app, tmp_path, "privacy", "# Politique 2\n\nUne nouvelle politique.\n")
    page = unescape(logged_in.get("/cgu").text)
    assert "Pour créer et valider votre compte" not in page
    assert "a modifié les textes suivants" in page
    assert 'id="changement-cgu"' in page and 'id="changement-privacy"' in page


def test_until_accepted_the_menu_offers_only_what_works(app, client, host_email):
    client.login(host_email)
    for path in ("/cgu", "/aide", "/conditions-generales", "/politique-de-confidentialite"):
        nav = _nav(client.get(path).text)
        links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)
        assert [unescape(label) for _href, label in links] == [
            "Accepter les conditions", "Conditions générales d'utilisation",
            "Politique de confidentialité", "Besoin d'aide"], path
        assert "Se déconnecter" in nav
        for href, _label in links:
            assert client.get(href).status_code == 200, href  # nothing bounces to /cgu
    helped = unescape(client.get("/aide").text)
    assert "/aide/visite-guidee" not in helped and "guide-de-la-teledeclaration" not in helped
    assert "vous seront ouverts dès que vous aurez" in helped
    client.accept_cgu()
    full = _nav(client.get("/tableau-de-bord").text)
    for label in ("Tableau de bord", "Mon compte", "Mes documents", "Besoin d&#39;aide"):
        assert f">{label}</a>" in full
    assert "Accepter les conditions" not in full
    assert "/aide/visite-guidee" in client.get("/aide").text


def test_a_new_version_shrinks_the_menu_again(app, logged_in, tmp_path):
    _publish(app, tmp_path, "privacy", "# Politique 2\n\nUne nouvelle politique.\n")
    nav = _nav(logged_in.get("/aide").text)
    assert "Tableau de bord" not in nav and "Accepter les conditions" in nav
