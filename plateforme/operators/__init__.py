"""The operators' console, on the apex host only, under /operateurs/: accounts (password and
TOTP), sessions, the platform journal, the shell other platform pages fit into.

Other packages add their pages to the operators' menu with `navigation.add_menu_entry`, on
blueprints of their own (`PlatformBlueprint` named `operators_…`, url_prefix
`navigation.PREFIX`; importing nothing from this package's `__init__`), each view
declaring `access.operator_required(...)` (or `operator_step`), extending `operators/base.html`
(blocks `title` and `content`), recording their actions with `journal.record`.
"""

from __future__ import annotations

from flask import Flask, g, request

from plateforme.operators.navigation import PREFIX, add_menu_entry, menu
from plateforme.sites import SiteKind


def init_app(app: Flask) -> None:
    from plateforme.operators import commands, journal, views, views_collectivites
    from plateforme.operators.access import current_operator

    for blueprint in views.blueprints:
        app.register_blueprint(blueprint)
    app.cli.add_command(commands.operators_group)
    add_menu_entry(app, "Accueil", "operators.home", 0)
    add_menu_entry(app, "Journal", "operators.journal", 40)
    views_collectivites.init_app(app)

    @app.context_processor
    def _operators():
        if not _is_operators_page():
            return {}
        return {"current_operator": current_operator(), "operators_menu": menu,
                "journal_sentence": journal.sentence, "journal_time": journal.paris_time}

    @app.after_request
    def _no_store(response):
        """Operators' pages carry personal data and CSRF tokens: never cached."""
        if _is_operators_page():
            response.headers["Cache-Control"] = "no-store"
            response.vary.add("Cookie")
        return response


def _is_operators_page() -> bool:
    site = g.get("site")
    return (site is not None and site.kind is SiteKind.PLATFORM
            and request.path.startswith(PREFIX + "/"))
