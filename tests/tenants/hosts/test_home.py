"""A collectivité's home page, served from its own schema."""

from plateforme.database import db
from plateforme.registry import utcnow
from tenants.collectivite import settings
from tenants.collectivite.models import NewsItem
from tests.conftest import create_tenant, get, host_of


def test_the_home_page_shows_the_collectivites_name_news_and_support(app):
    tenant = create_tenant(app, "vallee-verte", "Vallée Verte")
    with db.tenant_context(tenant):
        settings.get(db.session).support_phone = "04 75 12 34 56"
        db.session.add(NewsItem(title="Ouverture des déclarations", body="Dès le 1er.",
                                     published_at=utcnow()))
        db.session.commit()
    page = get(app, host_of("vallee-verte")).text
    assert "<h1>Vallée Verte</h1>" in page
    assert page.index("Bienvenue") < page.index("Ouverture des déclarations")  # pinned first
    assert "04 75 12 34 56" in page
    assert "Si vous n'arrivez pas à vous connecter, appelez le service technique" in page
    assert "Accessibilité : non conforme" in page  # no audit yet
    assert 'href="/accessibilite"' in page


def test_unpublished_news_is_not_shown(app):
    tenant = create_tenant(app, "vallee-verte")
    with db.tenant_context(tenant):
        db.session.add(NewsItem(title="Brouillon secret", body=".", published_at=None))
        db.session.commit()
    assert "Brouillon secret" not in get(app, host_of("vallee-verte")).text


def test_a_missing_page_keeps_the_collectivites_layout_and_support(app):
    create_tenant(app, "vallee-verte", "Vallée Verte")
    response = get(app, host_of("vallee-verte"), "/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in response.text
    assert "Vallée Verte" in response.text
    assert "service technique de votre collectivité" in response.text


def test_the_accessibility_page_exists_on_both_realms(app):
    create_tenant(app, "vallee-verte")
    for host in (host_of("vallee-verte"), "taxesejour.test"):
        response = get(app, host, "/accessibilite")
        assert response.status_code == 200
        assert "non conforme" in response.text


def test_security_headers_are_set_on_every_page(app):
    create_tenant(app, "vallee-verte")
    for host, path in ((host_of("vallee-verte"), "/"), ("taxesejour.test", "/"),
                       ("inconnue.taxesejour.test", "/"), (host_of("vallee-verte"), "/x")):
        headers = get(app, host, path).headers
        assert "object-src 'none'" in headers["Content-Security-Policy"]
        assert "base-uri 'none'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
