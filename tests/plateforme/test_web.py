"""What every response shares: French error pages, security headers."""

import sqlalchemy as sa

from plateforme import create_app, migrate
from plateforme.database import db
from plateforme.routing import TenantBlueprint
from tests.conftest import TEST_DOMAIN, create_tenant, get, host_of


def build(tmp_path, **overrides):
    app = create_app({"ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}",
                      "PLATFORM_DOMAIN": TEST_DOMAIN, "PUBLIC_PORT": None,
                      "PROPAGATE_EXCEPTIONS": False, **overrides})
    bp = TenantBlueprint("explosif", __name__)

    @bp.get("/panne")
    def broken():
        raise RuntimeError("secret interne 8f3a")

    app.register_blueprint(bp)
    with app.app_context():
        migrate.upgrade_shared(db.state, app.config["SHARED_MIGRATIONS_DIR"])
    return app


def test_an_unexpected_error_gets_a_french_500_page_without_details(tmp_path):
    app = build(tmp_path)
    create_tenant(app, "vallee-verte", "Vallée Verte")
    response = get(app, host_of("vallee-verte"), "/panne")
    assert response.status_code == 500
    assert "Erreur interne" in response.text and "Vallée Verte" in response.text
    assert "secret interne" not in response.text and "Traceback" not in response.text


def test_a_database_failure_still_renders_the_error_page(tmp_path, monkeypatch):
    app = build(tmp_path)
    tenant = create_tenant(app, "vallee-verte", "Vallée Verte")
    with app.app_context():
        with db.state.tenant_connection(tenant) as conn:
            conn.execute(sa.schema.DropTable(sa.Table("settings", sa.MetaData(),
                                                      schema="tenant")))
    response = get(app, host_of("vallee-verte"))
    assert response.status_code == 500
    assert "Erreur interne" in response.text


def test_hsts_only_where_https_is_used(tmp_path):
    plain = build(tmp_path / "a")
    assert "Strict-Transport-Security" not in get(plain, TEST_DOMAIN).headers
    secure = build(tmp_path / "b", HSTS=True)
    assert get(secure, TEST_DOMAIN).headers["Strict-Transport-Security"] == \
        "max-age=31536000; includeSubDomains"
