"""A collectivité's home page: the login page of the seed, its news and its support number."""

from flask import abort, make_response, redirect, render_template, url_for

from plateforme.database import db
from plateforme.routing import TenantBlueprint
from tenants import news, settings
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


@bp.get("/marque/couleurs.css")
@public
def brand_css():
    """The collectivité's colour, as a stylesheet (the CSP allows no inline style)."""
    colour = settings.get(db.session).brand_colour
    response = make_response(f":root {{ --brand: {colour}; }}\n")
    response.headers["Content-Type"] = "text/css; charset=utf-8"
    return response


@bp.get("/marque/logo.png")
@public
def logo():
    data = settings.get(db.session).logo_png
    if not data:
        abort(404)
    response = make_response(data)
    response.headers["Content-Type"] = "image/png"
    return response


@bp.get("/accessibilite")
@public
def accessibility():
    return render_template("accessibilite.html")
