"""Branding and support, news, CGU versions: what administrators configure, each change applied
to this collectivité's pages only, uploads and Markdown made safe."""

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from plateforme.database import db
from plateforme.errors import UserError
from tenants.collectivite import legal, settings
from tenants.collectivite.models import NewsItem
from tests.conftest import create_tenant, get, host_of
from tests.tenants.conftest import messages

SETTINGS = {"display_name": "Communauté Vallée Verte", "brand_colour": "#1b5e20",
            "home_text": "Bienvenue **sur** votre espace.", "support_phone": "04 75 99 00 11",
            "tax_phone": "04 75 99 00 22", "contact_email": "taxe@vallee-verte.fr",
            "opening_hours": "du lundi au vendredi, 9 h – 12 h",
            "declaration_frequency": "trimestrielle", "declaration_deadline_day": "20"}


def image(fmt="PNG", size=(1200, 300)):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def test_settings_change_the_hosts_pages_of_this_collectivite_only(app, as_admin, tenant):
    create_tenant(app, "autre", "Autre")
    response = as_admin.post("/admin/parametres", SETTINGS)
    assert response.status_code == 302
    page = get(app, host_of("vallee"), "/").text
    for shown in ("Communauté Vallée Verte", "<strong>sur</strong>", "04 75 99 00 11",
                  "04 75 99 00 22", "taxe@vallee-verte.fr", "du lundi au vendredi"):
        assert shown in page, shown
    assert "--brand: #1b5e20" in get(app, host_of("vallee"), "/marque/couleurs.css").text
    other = get(app, host_of("autre"), "/").text
    assert "Vallée Verte" not in other and "04 75 99 00 11" not in other
    assert "#1b5e20" not in get(app, host_of("autre"), "/marque/couleurs.css").text


def test_a_colour_failing_contrast_is_refused_and_nothing_changes(as_admin, tenant):
    response = as_admin.post("/admin/parametres", dict(SETTINGS, brand_colour="#ffcc00"))
    assert any("contraste" in m and "4,5:1" in m for m in messages(response.text))
    with db.tenant_context(tenant):
        assert settings.get(db.session).display_name == "Vallée Verte"  # one transaction


def test_a_logo_is_re_encoded_and_resized(app, as_admin, tenant):
    response = as_admin.post("/admin/parametres/logo",
                             {"logo": (io.BytesIO(image("JPEG")), "logo.jpg")},
                             page="/admin/parametres", content_type="multipart/form-data")
    assert response.status_code == 302
    served = get(app, host_of("vallee"), "/marque/logo.png")
    assert served.headers["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(served.data)) as logo:
        assert logo.format == "PNG" and logo.size[0] <= 600 and logo.size[1] <= 200


def test_bad_uploads_are_refused_in_french_and_nothing_is_stored(app, as_admin, tenant):
    bad = {
        "pas une image": b"%PDF-1.4 not an image at all",
        "faux PNG": b"\x89PNG\r\n\x1a\n<script>alert(1)</script>",
        "GIF": image("GIF", (10, 10)),
    }
    for reason, data in bad.items():
        response = as_admin.post("/admin/parametres/logo",
                                 {"logo": (io.BytesIO(data), "logo.png")},
                                 page="/admin/parametres", content_type="multipart/form-data",
                                 follow_redirects=True)
        assert any(word in " ".join(messages(response.text)) for word in
                   ("image", "lourd", "Format")), reason
    with db.tenant_context(tenant):
        assert settings.get(db.session).logo_png is None


def test_an_oversize_logo_is_refused():
    from tenants.collectivite import branding

    with pytest.raises(UserError, match="trop lourd"):
        branding.reencode_logo(b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024 + 10))


def test_news_created_scheduled_published_pinned_and_sanitised(app, as_admin, tenant):
    as_admin.post("/admin/actualites/nouvelle", {
        "title": "Campagne 2027", "body": "Déclarez **avant** le 15. <script>alert(1)</script> "
                                          "[piège](javascript:alert(1))", "published_at": ""})
    with db.tenant_context(tenant):
        item = db.session.scalar(sa.select(NewsItem).where(
            NewsItem.title == "Campagne 2027"))
        assert item.published_at is None  # a draft
    assert "Campagne 2027" not in get(app, host_of("vallee")).text
    as_admin.post(f"/admin/actualites/{item.id}/publier", page="/admin/actualites")
    page = get(app, host_of("vallee")).text
    assert "Campagne 2027" in page and "<strong>avant</strong>" in page
    assert "<script>alert" not in page and 'href="javascript' not in page
    as_admin.post(f"/admin/actualites/{item.id}", {
        "title": "Campagne 2027", "body": "Plus tard.", "published_at": "2099-01-01T09:00"})
    assert "Campagne 2027" not in get(app, host_of("vallee")).text  # scheduled
    with db.tenant_context(tenant):
        assert db.session.get(NewsItem, item.id).published_at.hour == 8  # 9 h Paris


def test_a_draft_is_saved_without_being_shown_to_hosts(as_admin, tenant, logged_in):
    saved = as_admin.post("/admin/textes/privacy", {"body": "# Politique v2\n\nBrouillon en "
                                                            "cours de relecture.", "save": "y"})
    assert saved.status_code == 302
    assert "Brouillon en cours de relecture" in as_admin.get("/admin/textes/privacy").text
    assert "Brouillon en cours" not in logged_in.get("/politique-de-confidentialite").text
    assert logged_in.get("/tableau-de-bord").status_code == 200  # nothing to accept yet
    with db.tenant_context(tenant):
        assert legal.current(db.session, "privacy").version == 1


def test_cgu_draft_preview_publish_and_acceptance_counts(app, as_admin, tenant, logged_in):
    preview = as_admin.post("/admin/textes/cgu", {"body": "# CGU v2\n\nNouvelles **règles** "
                                                          "du service.", "preview": "y"})
    assert "<strong>règles</strong>" in preview.text
    with db.tenant_context(tenant):
        assert legal.current(db.session, "cgu").version == 1  # a preview publishes nothing
    body = "# CGU v2\n\nNouvelles **règles** du service."
    asked = as_admin.post("/admin/textes/cgu", {"body": body, "publish": "y"})
    assert "Je confirme la publication" in asked.text  # a confirmation step first
    with db.tenant_context(tenant):
        assert legal.current(db.session, "cgu").version == 1
    published = as_admin.post("/admin/textes/cgu", {"body": body, "confirm": "y",
                                                    "confirmed": "y"})
    assert published.status_code == 302
    assert logged_in.get("/tableau-de-bord").headers["Location"] == "/cgu"
    stats = as_admin.get("/admin/textes/cgu").text
    assert "1 compte(s) actif(s)" in stats  # Élodie Martin has not accepted v2 yet
    pending = as_admin.get("/admin/textes/cgu/2/en-attente").text
    assert "Élodie Martin" in pending.split("Ont accepté")[0]
    logged_in.post("/cgu", {"accept_cgu": "y"})
    assert "0 compte(s) actif(s)" in as_admin.get("/admin/textes/cgu").text
    assert "Élodie Martin" in as_admin.get("/admin/textes/cgu/2/en-attente").text.split(
        "Ont accepté")[1]


def test_the_logo_is_on_the_letters_and_the_guide(app, as_admin, imported, logged_in,
                                                  tmp_path):
    from pypdf import PdfReader

    as_admin.post("/admin/parametres/logo", {"logo": (io.BytesIO(image("PNG")), "logo.png")},
                  page="/admin/parametres", content_type="multipart/form-data")
    out = tmp_path / "c.pdf"
    result = app.test_cli_runner().invoke(args=["hosts", "letters", "vallee", "--format", "pdf",
                                                "--output", str(out), "--reissue"])
    assert result.exit_code == 0, result.output
    assert len(PdfReader(io.BytesIO(out.read_bytes())).pages[0].images) == 1
    guide = logged_in.get("/documents/guide-de-la-teledeclaration.pdf").data
    assert len(PdfReader(io.BytesIO(guide)).pages[0].images) == 1
