"""The operators' commands: exact names, one-line errors, non-zero exit statuses."""

import click
import pytest

from plateforme import registry
from plateforme.cli import domains_group, tenants_group
from plateforme.database import db
from tests.conftest import TEST_DOMAIN, get, host_of, replace_seed


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def assert_one_line_error(result, code=1, contains=""):
    assert result.exit_code == code, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith(("Erreur", "Error")), lines[0]
    assert contains in lines[0]
    assert "Traceback" not in result.output


def test_create_list_suspend_resume(app):
    created = run(app, "tenants", "create", "vallee-verte", "--name", "Vallée Verte",
                  "--kind", "communaute_de_communes", "--siren", "200068609")
    assert created.exit_code == 0, created.output
    assert f"http://vallee-verte.{TEST_DOMAIN}/" in created.output

    listed = run(app, "tenants", "list")
    assert listed.exit_code == 0
    line = next(ln for ln in listed.output.splitlines() if ln.startswith("vallee-verte"))
    assert "active" in line and "tenant_vallee_verte" in line and "Vallée Verte" in line

    assert run(app, "tenants", "suspend", "vallee-verte").exit_code == 0
    assert get(app, host_of("vallee-verte")).status_code == 503
    assert run(app, "tenants", "resume", "vallee-verte").exit_code == 0
    assert get(app, host_of("vallee-verte")).status_code == 200


def test_create_twice_is_idempotent(app):
    run(app, "tenants", "create", "vallee-verte", "--name", "Vallée Verte")
    again = run(app, "tenants", "create", "vallee-verte", "--name", "Vallée Verte")
    assert again.exit_code == 0
    assert "déjà provisionnée" in again.output


@pytest.mark.parametrize("args, contains", [
    (("tenants", "create", "Mauvais_Slug", "--name", "X"), "invalide"),
    (("tenants", "create", "admin", "--name", "X"), "réservé"),
    (("tenants", "create", "ok", "--name", "X", "--siren", "123"), "SIREN"),
    (("tenants", "suspend", "inconnue"), "Aucune collectivité « inconnue »"),
    (("tenants", "resume", "inconnue"), "Aucune collectivité"),
    (("tenants", "domains", "add", "inconnue", "taxe.example.org"), "Aucune collectivité"),
])
def test_errors_are_one_sentence_and_exit_1(app, args, contains):
    assert_one_line_error(run(app, *args), 1, contains)


def test_a_failed_create_exits_non_zero_and_a_rerun_finishes(app, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("disque plein")

    replace_seed(app, monkeypatch, broken)
    result = run(app, "tenants", "create", "vallee-verte", "--name", "Vallée Verte")
    assert_one_line_error(result, 2, "disque plein")
    assert registry.require(db.session, "vallee-verte").status == "provisioning"
    monkeypatch.undo()
    result = run(app, "tenants", "create", "vallee-verte", "--name", "Vallée Verte")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert registry.require(db.session, "vallee-verte").status == "active"


def test_domains_add_and_list(app):
    run(app, "tenants", "create", "vallee-verte", "--name", "Vallée Verte")
    added = run(app, "tenants", "domains", "add", "vallee-verte", "Taxe.Vallee-Verte.FR",
                "--primary")
    assert added.exit_code == 0, added.output
    assert "taxe.vallee-verte.fr" in added.output and "principal" in added.output
    listed = run(app, "tenants", "domains", "list", "vallee-verte")
    assert "taxe.vallee-verte.fr  (principal)" in listed.output
    assert get(app, "taxe.vallee-verte.fr").status_code == 200
    assert_one_line_error(run(app, "tenants", "domains", "add", "vallee-verte", "pas un domaine"),
                          1, "invalide")


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def test_every_operator_command_reports_errors_in_one_line(app):
    commands = dict(_commands(tenants_group))
    assert {("create",), ("list",), ("suspend",), ("resume",), ("migrate",),
            ("domains", "add")} <= set(commands)
    assert domains_group.name == "domains"
    assert [name for name, cmd in commands.items() if not _wrapped(cmd.callback)] == []
    assert _wrapped(app.cli.commands["demo"].callback)


def _wrapped(callback) -> bool:
    while callback is not None:
        if getattr(callback, "reports_errors", False):
            return True
        callback = getattr(callback, "__wrapped__", None)
    return False


def test_create_on_a_database_never_migrated_brings_the_shared_schema_to_head(tmp_path):
    """Issue 13, item 1: an operator's first command on a new database failed with a raw SQL
    error ("no such table: collectivites")."""
    from plateforme import create_app

    app = create_app({"ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}",
                      "TENANT_SQLITE_DIR": str(tmp_path / "t"), "PLATFORM_DOMAIN": TEST_DOMAIN,
                      "PUBLIC_PORT": None})
    created = run(app, "tenants", "create", "vallee-verte", "--name", "Vallée Verte")
    assert created.exit_code == 0, created.output
    assert created.output.splitlines()[0].startswith("Schéma partagé (registre")
    assert f"http://vallee-verte.{TEST_DOMAIN}/" in created.output
    again = run(app, "tenants", "create", "pays-bleu", "--name", "Pays Bleu")
    assert "Schéma partagé" not in again.output          # at head: nothing to say
    with app.app_context():
        assert get(app, host_of("vallee-verte")).status_code == 200
    app.extensions["taxesejour.db"].dispose()
