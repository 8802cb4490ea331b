"""The command groups; each command is registered by the module that owns it.

Errors reach the operator as one sentence and a non-zero exit status, never a traceback:
a refused action (`UserError`) exits with 1, anything unexpected with 2 (set TAXESEJOUR_DEBUG=1
to see the traceback).
"""

from __future__ import annotations

import functools
import os
import sys

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


def init_app(app) -> None:
    # Importing the owners registers their commands on the groups above.
    from plateforme import demo, migrate, provisioning  # noqa: F401

    app.cli.add_command(tenants_group)
    app.cli.add_command(demo.demo_command)
