"""The CGU and the privacy policy: a gate before anything else, proof of each acceptance, and a
new acceptance for each new version."""

import sqlalchemy as sa

from plateforme.database import db
from tenants.collectivite import legal
from tenants.collectivite.models import Acceptance, LegalDocument
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
    for path in ("/tableau-de-bord", "/mon-compte", "/documents", "/aide",
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
