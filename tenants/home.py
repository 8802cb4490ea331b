"""A collectivité's home page: its name, its news, its support number."""

from flask import render_template

from plateforme.database import db
from plateforme.routing import TenantBlueprint
from tenants import news, settings

bp = TenantBlueprint("home", __name__)


@bp.get("/")
def index():
    return render_template("tenants/home.html", settings=settings.get(db.session),
                           news=news.published(db.session))


@bp.get("/accessibilite")
def accessibility():
    return render_template("accessibilite.html")
