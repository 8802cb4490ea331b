"""The platform's own pages, on the apex and www."""

from flask import render_template

from plateforme.routing import PlatformBlueprint

bp = PlatformBlueprint("site", __name__)


@bp.get("/")
def landing():
    return render_template("plateforme/landing.html")


@bp.get("/accessibilite")
def accessibility():
    return render_template("accessibilite.html")


def init_app(app) -> None:
    app.register_blueprint(bp)
