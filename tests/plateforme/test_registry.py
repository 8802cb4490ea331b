"""The registry's rules: slugs, reserved names, SIREN and INSEE codes, domains."""

import pytest
import sqlalchemy as sa

from plateforme import provisioning, registry
from plateforme.database import db
from plateforme.deployment import Platform
from plateforme.errors import UserError
from plateforme.registry import Collectivite, Domain
from tests.conftest import TEST_DOMAIN


@pytest.mark.parametrize("slug", ["a", "communautesoragout", "saint-jean-de-luz", "c2a",
                                  "a" * 40])
def test_valid_slugs(slug):
    assert registry.validate_slug(slug) == slug


@pytest.mark.parametrize("slug", ["", "A", "Soragout", "-a", "a-", "a_b", "é", "a.b", "a b",
                                  "a" * 41, "../x", "a;drop"])
def test_invalid_slugs_are_refused_in_french(slug):
    with pytest.raises(UserError, match="invalide"):
        registry.validate_slug(slug)


@pytest.mark.parametrize("slug", ["www", "admin", "api", "operateurs", "static", "mail"])
def test_reserved_slugs_are_refused(slug):
    with pytest.raises(UserError, match="réservé"):
        registry.validate_slug(slug)


def test_siren_is_nine_digits_with_its_check_digit():
    assert registry.validate_siren("200 068 609") == "200068609"
    assert registry.validate_siren(None) is None
    for bad in ("20006860", "200068608", "abcdefghi"):
        with pytest.raises(UserError, match="SIREN"):
            registry.validate_siren(bad)


def test_insee_codes_include_corsica():
    assert registry.validate_insee("07186") == "07186"
    assert registry.validate_insee("2a004") == "2A004"
    with pytest.raises(UserError, match="INSEE"):
        registry.validate_insee("7186")


@pytest.mark.parametrize("raw, stored", [
    ("Taxe.Example.ORG", "taxe.example.org"),
    ("taxe.example.org.", "taxe.example.org"),
    ("séjour.example.fr", "xn--sjour-bsa.example.fr"),
])
def test_domains_are_stored_normalised(raw, stored):
    assert registry.normalise_domain(raw) == stored


@pytest.mark.parametrize("raw", ["localhost", "127.0.0.1", "exa mple.org", "", "a..b"])
def test_non_dns_names_are_refused(raw):
    with pytest.raises(UserError):
        registry.normalise_domain(raw)


def test_a_collectivite_gets_its_platform_subdomain_as_primary_domain(app, make_tenant):
    tenant = make_tenant("vallee-verte", "Vallée Verte", kind="communaute_de_communes",
                         siren="200068609", insee="07186")
    assert tenant.primary_host == f"vallee-verte.{TEST_DOMAIN}"
    assert tenant.schema == "tenant_vallee_verte"
    row = registry.require(db.session, "vallee-verte")
    assert (row.status, row.kind, row.siren, row.insee) == (
        "active", "communaute_de_communes", "200068609", "07186")
    assert row.created_at is not None
    assert [d.host for d in row.domains if d.is_primary] == [tenant.primary_host]


def test_custom_domains_are_exact_and_one_of_them_is_primary(app, make_tenant):
    make_tenant("vallee-verte")
    make_tenant("autre")
    platform = Platform.from_config(app.config)
    provisioning.add_domain(db.session, platform, "vallee-verte", "taxe.vallee-verte.fr")
    provisioning.add_domain(db.session, platform, "vallee-verte", "TS.Vallee-Verte.fr",
                            primary=True)
    row = registry.require(db.session, "vallee-verte")
    assert {d.host: d.is_primary for d in row.domains} == {
        f"vallee-verte.{TEST_DOMAIN}": False, "taxe.vallee-verte.fr": False,
        "ts.vallee-verte.fr": True}
    with pytest.raises(UserError, match="déjà attribué à « vallee-verte »"):
        provisioning.add_domain(db.session, platform, "autre", "taxe.vallee-verte.fr")
    with pytest.raises(UserError, match="domaine de la plateforme"):
        provisioning.add_domain(db.session, platform, "autre", f"pirate.{TEST_DOMAIN}")
    with pytest.raises(UserError, match="domaine de la plateforme"):
        provisioning.add_domain(db.session, platform, "autre", f"www.{TEST_DOMAIN}")


def test_the_database_refuses_two_primary_domains(app, make_tenant):
    tenant = make_tenant("vallee-verte")
    db.session.add(Domain(collectivite_id=tenant.id, host="x.example.org", is_primary=True))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_every_registry_change_moves_the_version(app, make_tenant):
    with db.state.shared_connection() as conn:
        before = registry.read_versions(conn)[0]
    make_tenant("vallee-verte")
    with db.state.shared_connection() as conn:
        after_create = registry.read_versions(conn)[0]
    provisioning.set_status(db.session, "vallee-verte", "suspended")
    with db.state.shared_connection() as conn:
        after_suspend = registry.read_versions(conn)[0]
    assert before < after_create < after_suspend


def test_status_is_constrained_by_the_database(app, make_tenant):
    make_tenant("vallee-verte")
    with pytest.raises(sa.exc.IntegrityError):
        with db.state.shared_connection() as conn:
            conn.execute(sa.update(Collectivite.__table__).values(status="erased"))
