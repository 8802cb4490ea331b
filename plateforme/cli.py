"""The command groups; each command is registered by the module that owns it.

Errors reach the operator as one sentence and a non-zero exit status, never a traceback:
a refused action (`UserError`) exits with 1, anything unexpected with 2 (set TAXESEJOUR_DEBUG=1
to see the traceback).
"""

from __future__ import annotations

import functools
import os
import sys
from contextlib import contextmanager

import click
from flask.cli import AppGroup

from plateforme.errors import UserError


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def reports_errors(callback):
    """Turn exceptions into one line on stderr and an exit status."""

    @functools.wraps(callback)
    def wrapper(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except UserError as exc:
            click.echo(f"Erreur : {_one_line(exc)}", err=True)
            sys.exit(1)
        except (click.exceptions.Exit, click.Abort, click.ClickException, SystemExit):
            raise
        except Exception as exc:
            if os.environ.get("TAXESEJOUR_DEBUG"):
                raise
            click.echo(f"Erreur inattendue ({type(exc).__name__}) : {_one_line(exc)}", err=True)
            sys.exit(2)

    wrapper.reports_errors = True
    return wrapper


class CommandGroup(AppGroup):
    """An AppGroup whose commands and subgroups all report errors in one line."""

    def command(self, *args, **kwargs):
        decorator = super().command(*args, **kwargs)

        def wrap(f):
            return decorator(reports_errors(f))

        return wrap

    def group(self, *args, **kwargs):
        kwargs.setdefault("cls", CommandGroup)
        return super().group(*args, **kwargs)


tenants_group = CommandGroup("tenants", help="Collectivités: create, list, suspend, migrate…")
domains_group = tenants_group.group("domains", help="A collectivité's domains.")(lambda: None)
payfip_group = CommandGroup("payfip", help="PayFiP : le simulateur local (tests, démonstration).")
jobs_group = CommandGroup("jobs", help="Tâches hors requête : worker, passage quotidien, échecs.")


@contextmanager
def bound(slug: str):
    """Run the block with the collectivité `slug` bound (commands working inside one
    collectivité's schema); it must be provisioned and not archived."""
    from plateforme import registry
    from plateforme.database import db

    collectivite = registry.require(db.session, slug)
    if collectivite.status in ("provisioning", "archived", "deleted"):
        raise UserError(f"« {slug} » est {collectivite.status_label} : action impossible.")
    tenant = registry.tenant_info(collectivite)
    db.session.commit()  # hand the registry's connection back before the schema's work
    with db.tenant_context(tenant):
        yield tenant


@payfip_group.command("simulator", with_appcontext=False)
@click.option("--port", type=click.IntRange(0, 65535), default=5099, show_default=True,
              help="Port d'écoute (0 : un port libre).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute.")
def payfip_simulator_command(port: int, host: str) -> None:
    """Serve the PayFiP simulator until Ctrl+C. Threaded: while it notifies the product, the
    product calls it back."""
    from werkzeug.serving import make_server

    from plateforme.payfip.simulator import SERVICE_PATH, create_simulator

    server = make_server(host, port, create_simulator(), threaded=True)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Simulateur PayFiP : http://{shown}:{server.server_port}{SERVICE_PATH}?wsdl")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def init_app(app) -> None:
    """The groups' commands are registered by the modules that own them, when imported."""
    app.cli.add_command(tenants_group)
    app.cli.add_command(payfip_group)
    app.cli.add_command(jobs_group)
