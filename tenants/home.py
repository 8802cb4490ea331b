"""A collectivité's home page: the login page of the seed, its news and its support number."""

from flask import redirect, render_template, url_for

from plateforme.database import db
from plateforme.routing import TenantBlueprint
from tenants import news
from tenants.forms import LoginForm
from tenants.identity import current_host, public

bp = TenantBlueprint("home", __name__)


def home_page(form: LoginForm, error: str | None = None) -> str:
    return render_template("tenants/home.html", form=form, error=error,
                           news=news.published(db.session))


@bp.get("/")
@public
def index():
    if current_host() is not None:
        return redirect(url_for("dashboard.index"))
    return home_page(LoginForm())


@bp.get("/accessibilite")
@public
def accessibility():
    return render_template("accessibilite.html")
