"""`flask demo`: the demo collectivité, built and refreshed by the product's own functions."""

import dataclasses
import re

import sqlalchemy as sa

from plateforme import registry
from plateforme.database import db
from tenants.audit import journal
from tenants.core.keys import current_keys
from tenants.demo.commands import DEMO_LOGIN, DEMO_NAME, DEMO_PASSWORD, DEMO_SLUG
from tenants.hosts import accounts, activation, gdpr, profile
from tenants.hosts.models import Host
from tenants.tax import deliberations
from tests.conftest import TEST_DOMAIN, get, host_of
from tests.plateforme.test_cli import assert_one_line_error, run

HER_EMAIL = "elodie.martin@example.fr"
HER_PASSWORD = "Lilas et glycines sous la pluie"  # noqa: S105


def test_demo_creates_or_refreshes_the_demo_collectivite(app):
    first = run(app, "demo")
    assert first.exit_code == 0, first.output
    assert f"http://{DEMO_SLUG}.{TEST_DOMAIN}/" in first.output
    run(app, "tenants", "suspend", DEMO_SLUG)
    second = run(app, "demo")
    assert second.exit_code == 0, second.output
    assert "Elle était suspendue : elle est rouverte." in second.output
    page = get(app, host_of(DEMO_SLUG))
    assert page.status_code == 200 and DEMO_NAME in page.text
    code = next(ln for ln in second.output.splitlines() if "code d'activation" in ln).split()[-1]
    assert len(code) == 14 and "paul.durand@example.fr" in second.output


def test_the_demo_refuses_to_run_in_production(tmp_path):
    from tests.conftest import create_database, drop_database, make_app

    url = create_database()   # production runs on PostgreSQL only
    try:
        prod = make_app(url, ENV="production", SECRET_KEY="k" * 40,
                        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15")
        result = prod.test_cli_runner().invoke(args=["demo"])
        prod.extensions["taxesejour.db"].dispose()
    finally:
        drop_database(url)
    assert_one_line_error(result, 1, "production")


def _activation_code(output: str) -> str:
    return next(ln for ln in output.splitlines() if "code d'activation" in ln).split()[-1]


def _in_demo(call):
    tenant = registry.tenant_info(registry.require(db.session, DEMO_SLUG))
    db.session.commit()
    with db.tenant_context(tenant):
        result = call(db.session)
        db.session.commit()
    return result


def test_a_second_run_keeps_what_the_user_did_and_says_how_to_log_in(app):
    first = run(app, "demo")
    assert first.exit_code == 0, first.output
    assert "créée." in first.output and "déjà créée" not in first.output
    assert f"{DEMO_LOGIN} / {DEMO_PASSWORD}" in first.output

    def elodie_activates(session):  # « Activer mon compte » with the printed code
        _state, code = activation.check_code(session, current_keys(), _activation_code(
            first.output))
        activation.activate(session, code, HER_EMAIL, HER_PASSWORD, DEMO_NAME)

    def paul_changes_his_password(session):
        paul = accounts.by_email(session, DEMO_LOGIN)
        profile.change_password(session, paul, DEMO_PASSWORD, HER_PASSWORD + " bis", DEMO_NAME)

    _in_demo(elodie_activates)
    _in_demo(paul_changes_his_password)

    second = run(app, "demo")
    assert second.exit_code == 0, second.output
    assert f"« {DEMO_NAME} » déjà créée : ce que vous y avez fait est conservé." in second.output
    assert "code d'activation" not in second.output
    assert (f"Élodie Martin a déjà activé son compte : connectez-vous avec {HER_EMAIL} et le mot "
            "de passe choisi à l'activation") in second.output
    assert DEMO_PASSWORD not in second.output.split("Délibération")[0]
    assert f"Se connecter : {DEMO_LOGIN}, avec le mot de passe choisi depuis" in second.output
    assert "Délibération 2026 (fichier DELTA de démonstration) : déjà chargée" in second.output
    assert second.output.splitlines()[-1] == f"Ouvrez http://{DEMO_SLUG}.{TEST_DOMAIN}/"

    def logins(session):
        keys = current_keys()
        return (accounts.authenticate(session, keys, HER_EMAIL, HER_PASSWORD).host,
                accounts.authenticate(session, keys, DEMO_LOGIN, HER_PASSWORD + " bis").host)

    assert all(host is not None for host in _in_demo(logins))


def test_a_rerun_replaces_an_unused_code_and_says_so(app):
    first = run(app, "demo")
    second = run(app, "demo")
    assert second.exit_code == 0, second.output
    old, new = _activation_code(first.output), _activation_code(second.output)
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){2}", new) and new != old
    assert "Nouveau code : celui affiché auparavant ne fonctionne plus." in second.output
    assert f"{DEMO_LOGIN} / {DEMO_PASSWORD}" in second.output

    def states(session):
        keys = current_keys()
        return (activation.check_code(session, keys, old)[0].name,
                activation.check_code(session, keys, new)[0].name)

    assert _in_demo(states) == ("REVOKED", "LIVE")


def test_a_rerun_keeps_an_account_erased_in_the_console_closed(app):
    run(app, "demo")
    _in_demo(lambda session: gdpr.erase(session, accounts.by_email(session, DEMO_LOGIN)))
    second = run(app, "demo")
    assert second.exit_code == 0, second.output
    assert "L'hébergeur H002 a été désactivé dans la console" in second.output
    assert DEMO_PASSWORD not in second.output
    assert _in_demo(lambda session: session.execute(
        sa.select(Host.password_hash, Host.email).where(Host.reference == "H002")).one()) == (
        None, None)


def test_a_rerun_keeps_a_deliberation_changed_in_the_console(app):
    run(app, "demo")

    def versions(session):
        return [(row.key, row.version) for row in deliberations.history(session, 2026)]

    def edit_in_console(session):
        row = deliberations.history(session, 2026)[0]
        data = dataclasses.replace(deliberations.to_data(row), name=f"{row.name} (corrigée)")
        deliberations.store(session, data, 2026, deliberations.Source.CONSOLE, journal.SYSTEM,
                            key=row.key)

    before = _in_demo(versions)
    _in_demo(edit_in_console)
    edited = _in_demo(versions)
    assert edited != before
    assert run(app, "demo").exit_code == 0
    assert _in_demo(versions) == edited


def test_the_platforms_home_links_the_demo_collectivite_with_the_port_served(app, monkeypatch):
    apex = get(app, TEST_DOMAIN)
    assert "communautesoragout.taxesejour.fr" in apex.text  # no demo yet: the usual example
    monkeypatch.setitem(app.config, "PUBLIC_PORT", "5077")
    assert run(app, "demo").exit_code == 0
    apex = get(app, TEST_DOMAIN)
    link = f'<a href="http://{DEMO_SLUG}.{TEST_DOMAIN}:5077/">{DEMO_SLUG}.{TEST_DOMAIN}:5077</a>'
    assert link in apex.text and "taxesejour.fr</span>" not in apex.text
    assert apex.text.count('href="/accessibilite"') == 1
    run(app, "tenants", "suspend", DEMO_SLUG)
    assert link not in get(app, TEST_DOMAIN).text  # a closed space is no example
