"""Documents (PDF only, size-limited, ordered, the guide replaceable) and tutorials."""

import io

import pytest
import sqlalchemy as sa
from pypdf.actions import JavaScript

from plateforme.database import db
from plateforme.errors import UserError
from tenants.collectivite import documents, tutorials
from tenants.collectivite.models import Document
from tenants.core.printing import Sender
from tenants.hosts.guide import guide_pdf
from tests.tenants.conftest import messages


def a_pdf(title="Délibération"):
    return guide_pdf(Sender(name=title, support_phone="", home_url="https://x.fr/"))


def upload(client, title, data, name="doc.pdf", guide=False):
    form = {"title": title, "file": (io.BytesIO(data), name)}
    if guide:
        form["is_guide"] = "y"
    return client.post("/admin/documents", form, content_type="multipart/form-data")


def test_documents_are_uploaded_ordered_and_offered_to_hosts(as_admin, tenant, logged_in):
    assert upload(as_admin, "Délibération 2027", a_pdf()).status_code == 302
    assert upload(as_admin, "Grille des tarifs", a_pdf("Tarifs")).status_code == 302
    with db.tenant_context(tenant):
        first, second = documents.ordered(db.session)
    as_admin.post(f"/admin/documents/{second.id}/monter", page="/admin/documents")
    page = logged_in.get("/documents").text
    assert page.index("Grille des tarifs") < page.index("Délibération 2027")
    download = logged_in.get(f"/documents/{first.id}/{first.filename}")
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.data.startswith(b"%PDF-")


def test_the_guide_can_be_replaced(as_admin, tenant, logged_in):
    own = a_pdf("Guide maison de la collectivité")
    upload(as_admin, "Notre guide", own, guide=True)
    assert logged_in.get("/documents/guide-de-la-teledeclaration.pdf").data == own


def test_wrong_uploads_are_refused_in_french_and_nothing_is_stored(as_admin, tenant):
    cases = {
        "Format refusé": b"PK\x03\x04 a zip file",
        "pas un PDF lisible": b"%PDF-1.7\nthis is not really a pdf\n%%EOF",
        "Aucun fichier": b"",
    }
    for expected, data in cases.items():
        response = upload(as_admin, "Essai", data)
        assert any(expected in m for m in messages(response.text)), expected
    with db.tenant_context(tenant):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0


def test_an_oversize_document_is_refused():
    # Checked on the service: Werkzeug's test client leaves its temporary file for bodies over
    # 500 KB unclosed, so large uploads are not sent through it.
    with pytest.raises(UserError, match="trop lourd"):
        documents.check_pdf(b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024 + 1))


def test_a_request_over_the_global_cap_gets_a_french_413(app, as_admin, monkeypatch):
    assert app.config["MAX_CONTENT_LENGTH"] == 12 * 1024 * 1024
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)  # small, to stay in memory
    response = upload(as_admin, "Gros", b"%PDF-1.7\n" + b"0" * 8000)
    assert response.status_code == 413 and "Fichier trop volumineux" in response.text


def test_tutorials_need_an_https_link(as_admin, tenant, logged_in):
    bad = as_admin.post("/admin/tutoriels", {"title": "Piège", "url": "javascript:alert(1)",
                                             "kind": "lien"}, page="/admin/documents",
                        follow_redirects=True)
    assert any("https://" in m for m in messages(bad.text))
    as_admin.post("/admin/tutoriels", {"title": "Déclarer en vidéo", "kind": "video",
                                       "url": "https://videos.example.fr/declarer"},
                  page="/admin/documents")
    assert "Déclarer en vidéo" in logged_in.get("/aide").text
    with db.tenant_context(tenant):
        assert [t.title for t in tutorials.ordered(db.session)] == ["Déclarer en vidéo"]


def _with(data: bytes, change) -> bytes:
    """The PDF rewritten by pypdf with `change(writer)` applied."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("change", "said"), [
    (lambda w: w.add_open_action(JavaScript("app.alert('bonjour');")), "du JavaScript"),
    (lambda w: w.add_attachment("note.txt", b"contenu"), "des fichiers joints"),
])
def test_a_pdf_with_active_content_is_refused_in_french(as_admin, tenant, change, said):
    """Issue 12, finding 8: JavaScript or embedded files never reach the hosts."""
    response = upload(as_admin, "Piégé", _with(a_pdf(), change))
    assert response.status_code in (200, 422)
    assert any(said in m for m in messages(response.text)), messages(response.text)
    with db.tenant_context(tenant):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0
    assert upload(as_admin, "Sain", _with(a_pdf(), lambda w: None)).status_code == 302
