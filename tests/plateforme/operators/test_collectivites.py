"""The operators' services on collectivités, on both backends: onboarding (the row, the schema
built by the task, the first administrator invited), an interrupted run finished, the list's
search and filters, status changes with a reason, domains and their DNS record, the figures
the features register, the schema's version."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from plateforme import figures, hooks, mail, operations, provisioning, registry
from plateforme.communes import CoveredCommune
from plateforme.database import db
from plateforme.errors import UserError
from plateforme.operations import Onboarding
from plateforme.operators import collectivites as service
from plateforme.operators.models import PlatformEvent
from tests.conftest import TEST_DOMAIN, get, host_of

SIREN = "123456782"   # a valid Luhn key, unknown to the official divisions


def platform():
    return service.current_platform()


def onboard(slug="vallee", name="Vallée Verte", **fields):
    values = {"kind": "commune", "siren": None, "insee": None,
              "admin_email": "maire@vallee-verte.fr", **fields}
    collectivite = service.onboard(db.session, platform(), slug=slug, name=name, **values)
    db.session.commit()
    return collectivite


def events(slug):
    db.session.rollback()
    return list(db.session.scalars(sa.select(PlatformEvent).where(
        PlatformEvent.collectivite == slug).order_by(PlatformEvent.id)))


def fresh(slug):
    db.session.rollback()
    return registry.require(db.session, slug)


def test_onboarding_builds_the_schema_and_invites_the_first_administrator(app):
    onboard(communes=service.parse_communes("07186 ; Privas ; 07000\n07019 ; Aubenas ; 07200"))
    collectivite = fresh("vallee")
    assert collectivite.status == "active"
    assert collectivite.primary_domain.host == host_of("vallee")
    onboarding = service.onboarding_of(db.session, "vallee")
    assert onboarding.invited_at is not None and onboarding.invitation_error is None
    (invitation,) = [m for m in mail.outbox(app) if m["To"] == "maire@vallee-verte.fr"]
    body = invitation.get_body(("plain",)).get_content()
    assert f"http://{host_of('vallee')}/admin/invitation/" in body
    (created,) = events("vallee")
    assert created.action == "collectivite.created"
    assert created.detail["administrateur"] == "maire@vallee-verte.fr"
    assert created.detail["nom"] == "Vallée Verte"
    covered = db.session.scalars(sa.select(CoveredCommune.insee).order_by(CoveredCommune.insee))
    assert list(covered) == ["07019", "07186"]
    progress = service.progress(db.session, collectivite)
    assert progress.done and not progress.can_finish
    assert all(step.state == "fait" for step in progress.steps)
    assert get(app, host_of("vallee"), "/").status_code == 200


@pytest.mark.parametrize(("fields", "message"), [
    ({"slug": "admin"}, "réservé à la plateforme"),
    ({"slug": "Vallée"}, "invalide"),
    ({"siren": "123456789"}, "SIREN « 123456789 » invalide"),
    ({"insee": "7186"}, "Code INSEE « 7186 » invalide"),
    ({"admin_email": "pas-un-courriel"}, "Adresse électronique « pas-un-courriel » invalide"),
    ({"admin_email": ""}, "premier administrateur est obligatoire"),
    ({"kind": "empire"}, "Type de collectivité « empire » inconnu"),
    ({"name": ""}, "indiquez le nom"),
])
def test_bad_input_saves_nothing(app, fields, message):
    if "name" in fields:
        fields = {**fields, "siren": SIREN}
    values = {"slug": "vallee", "name": "Vallée Verte", **fields}
    with pytest.raises(UserError, match=message):
        onboard(**values)
    db.session.rollback()
    assert registry.all_collectivites(db.session) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Onboarding)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlatformEvent)) == 0
    assert mail.outbox(app) == []


def test_a_slug_taken_is_refused(app):
    onboard()
    with pytest.raises(UserError, match="« vallee » est déjà pris"):
        onboard(name="Autre nom")


def test_an_interrupted_provisioning_is_recorded_then_finished(app, monkeypatch):
    real = provisioning.build_schema

    def broken(*_args, **_kwargs):
        raise RuntimeError("serveur injoignable")

    monkeypatch.setattr(provisioning, "build_schema", broken)
    onboard()
    collectivite = fresh("vallee")
    assert collectivite.status == "provisioning"
    (failure,) = operations.recent_failures(db.session, "provisioning")
    assert failure.collectivite == "vallee" and "serveur injoignable" in failure.message
    progress = service.progress(db.session, collectivite)
    assert not progress.done and progress.can_finish and progress.failure == failure
    assert [s.state for s in progress.steps] == ["fait", "echec", "a_faire", "a_faire"]
    assert get(app, host_of("vallee"), "/").status_code == 503
    assert not [m for m in mail.outbox(app) if m["To"] == "maire@vallee-verte.fr"]

    monkeypatch.setattr(provisioning, "build_schema", real)
    service.resume_provisioning(db.session, "vallee")
    db.session.commit()
    collectivite = fresh("vallee")
    assert collectivite.status == "active"
    assert service.onboarding_of(db.session, "vallee").invited_at is not None
    assert [m for m in mail.outbox(app) if m["To"] == "maire@vallee-verte.fr"]
    assert [e.action for e in events("vallee")] == [
        "collectivite.created", "collectivite.provisioning_resumed"]
    with pytest.raises(UserError, match="déjà terminée"):
        service.resume_provisioning(db.session, "vallee")


def test_a_refused_invitation_is_shown_and_sent_again(app, monkeypatch):
    real = app.extensions[hooks.ADMIN_INVITER]

    def refuse(_session, _email):
        raise UserError("Un agent utilise déjà l'adresse maire@vallee-verte.fr.")

    monkeypatch.setitem(app.extensions, hooks.ADMIN_INVITER, refuse)
    onboard()
    collectivite = fresh("vallee")
    assert collectivite.status == "active"
    progress = service.progress(db.session, collectivite)
    assert progress.can_finish and "déjà l'adresse" in progress.invitation_error
    assert progress.steps[2].state == "echec"

    monkeypatch.setitem(app.extensions, hooks.ADMIN_INVITER, real)
    service.resume_provisioning(db.session, "vallee")
    db.session.commit()
    onboarding = service.onboarding_of(db.session, "vallee")
    db.session.refresh(onboarding)
    assert onboarding.invited_at is not None and onboarding.invitation_error is None


def test_search_by_slug_name_siren_and_filters(app, make_tenant):
    make_tenant("aubenas", "Aubenas")
    make_tenant("privas", "Privas", siren=SIREN)
    make_tenant("vals", "Vals-les-Bains", kind="communaute_de_communes")
    provisioning.set_status(db.session, "vals", "suspended")

    def slugs(**filters):
        return [c.slug for c in service.search(db.session, service.Filters(**filters)).rows]

    assert slugs() == ["aubenas", "privas", "vals"]
    assert slugs(q="PRIV") == ["privas"]
    assert slugs(q="les-bains") == ["vals"]
    assert slugs(q="123 456") == ["privas"]
    assert slugs(q="%") == []
    assert slugs(status="suspended") == ["vals"]
    assert slugs(kind="communaute_de_communes") == ["vals"]
    assert slugs(server="default") == ["aubenas", "privas", "vals"]
    assert slugs(server="autre") == []
    page = service.search(db.session, service.Filters(page=2), per_page=2)
    assert [c.slug for c in page.rows] == ["vals"] and page.pages == 2 and page.total == 3
    assert service.servers(db.session) == ["default"]


def test_suspend_resume_archive_with_a_reason(app, make_tenant):
    make_tenant("vallee", "Vallée Verte")
    with pytest.raises(UserError, match="Indiquez le motif"):
        service.change_status(db.session, "vallee", "suspendre", "   ")
    with pytest.raises(UserError, match="est active"):
        service.change_status(db.session, "vallee", "reactiver", "erreur")
    service.change_status(db.session, "vallee", "suspendre", "Contrat non renouvelé")
    db.session.commit()
    assert get(app, host_of("vallee"), "/").status_code == 503
    change = service.last_status_change(db.session, "vallee")
    assert change.action == "collectivite.suspended"
    assert change.detail == {"motif": "Contrat non renouvelé", "avant": "active"}

    service.change_status(db.session, "vallee", "reactiver", "Contrat signé")
    db.session.commit()
    assert get(app, host_of("vallee"), "/").status_code == 200
    service.change_status(db.session, "vallee", "archiver", "Fin du contrat")
    db.session.commit()
    assert fresh("vallee").status == "archived"
    assert get(app, host_of("vallee"), "/").status_code == 503
    with pytest.raises(UserError, match="est archivée"):
        service.change_status(db.session, "vallee", "reactiver", "erreur")
    assert [e.action for e in events("vallee")] == [
        "collectivite.suspended", "collectivite.resumed", "collectivite.archived"]


def test_domains_added_made_primary_removed_with_their_dns_record(app, make_tenant):
    make_tenant("vallee", "Vallée Verte")
    own = host_of("vallee")
    domain = service.add_domain(db.session, platform(), "vallee", "Taxe.Vallee-Verte.fr",
                                False)
    db.session.commit()
    assert domain.host == "taxe.vallee-verte.fr"
    assert service.dns_record(domain.host, "vallee", platform()) == service.DnsRecord(
        "taxe.vallee-verte.fr.", "CNAME", f"{own}.")
    apex = service.dns_record("vallee-verte.fr", "vallee", platform())
    assert apex.type == "A et AAAA" and TEST_DOMAIN in apex.value
    assert service.dns_record(own, "vallee", platform()) is None
    assert get(app, "taxe.vallee-verte.fr", "/").status_code == 200

    with pytest.raises(UserError, match="appartient au domaine de la plateforme"):
        service.add_domain(db.session, platform(), "vallee", f"autre.{TEST_DOMAIN}", False)
    db.session.rollback()
    service.set_primary_domain(db.session, "vallee", domain.id)
    db.session.commit()
    assert fresh("vallee").primary_domain.host == "taxe.vallee-verte.fr"
    with pytest.raises(UserError, match="est le domaine principal"):
        service.remove_domain(db.session, platform(), "vallee", domain.id)
    db.session.rollback()
    own_id = next(d.id for d in fresh("vallee").domains if d.host == own)
    with pytest.raises(UserError, match="ne peut être retiré"):
        service.remove_domain(db.session, platform(), "vallee", own_id)
    db.session.rollback()
    service.set_primary_domain(db.session, "vallee", own_id)
    service.remove_domain(db.session, platform(), "vallee", domain.id)
    db.session.commit()
    assert [d.host for d in fresh("vallee").domains] == [own]
    assert get(app, "taxe.vallee-verte.fr", "/").status_code == 400
    assert [e.action for e in events("vallee")] == [
        "collectivite.domain_added", "collectivite.domain_primary",
        "collectivite.domain_primary", "collectivite.domain_removed"]


def test_figures_come_from_the_features(app, make_tenant):
    tenant = make_tenant("vallee", "Vallée Verte")
    from tenants.hosts.models import Host

    with db.tenant_context(tenant):
        db.session.add_all([
            Host(civility="M.", last_name="Martin", first_name="Paul", address="",
                 postal_code="07000", city="Privas", password_hash="x"),
            Host(civility="Mme", last_name="Roux", first_name="Anne", address="",
                 postal_code="07000", city="Privas")])
        db.session.commit()
    found = {f.key: f for f in figures.figures_of(tenant)}
    assert list(found) == ["hosts", "active_accounts", "declarations_year", "collected_year"]
    assert found["hosts"].value == 2 and found["active_accounts"].value == 1
    assert found["declarations_year"].value == 0
    assert found["collected_year"].value == Decimal("0.00")
    assert found["collected_year"].display == "0,00\u00a0€"
    assert figures.Figure("x", "x", 12345).display == "12\u202f345"


def test_the_schema_version_is_read_as_migrate_reads_it(app, make_tenant):
    make_tenant("vallee", "Vallée Verte")
    version = service.version_of(db.state, fresh("vallee"))
    assert version.at_head and version.revisions
