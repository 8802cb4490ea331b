"""The login page without a message is rendered once per change of the collectivité's content
and kept in memory: what a visitor gets must be what rendering it would give them."""

from plateforme.database import db
from tenants.audit.journal import SYSTEM
from tenants.collectivite import news, settings
from tenants.core.dates import utcnow
from tenants.hosts import views_public
from tests.tenants.conftest import CSRF_RE, Client


def token_of(html: str) -> str:
    """The session's CSRF token a page carries (its signed form adds a timestamp)."""
    return CSRF_RE.search(html).group(1).split(".")[0]


def without_token(html: str) -> str:
    return CSRF_RE.sub("", html)


def rendered_afresh(app, client) -> str:
    """The page as the view renders it without the memory (a `next` sends it that way)."""
    html = client.get("/?next=/").text
    return html.replace('action="/connexion?next=/"', 'action="/connexion"')


def test_the_kept_page_is_the_rendered_page_with_the_visitors_own_token(app, client):
    first, again = client.get("/").text, client.get("/").text
    assert token_of(first) == token_of(again)  # the session's token, as rendering gives it
    assert token_of(rendered_afresh(app, client)) == token_of(first)
    assert without_token(first) == without_token(rendered_afresh(app, client))
    other = Client(app, client.host)
    theirs = other.get("/").text
    assert token_of(theirs) != token_of(first)
    assert without_token(theirs) == without_token(first)


def test_the_token_in_the_kept_page_logs_in(app, client, host_email):
    assert client.get("/").status_code == 200
    response = client.login(host_email)
    assert response.status_code == 302


def test_a_change_of_content_or_of_the_news_shown_renders_it_again(app, client, tenant):
    client.get("/")
    with db.tenant_context(tenant):
        settings.set_support(db.session, display_name="Vallée Bleue")
        db.session.commit()
    assert "Vallée Bleue" in client.get("/").text
    with db.tenant_context(tenant):
        news.save(db.session, None, {"title": "Nouvelle grille", "body": "Les *tarifs*",
                                     "published_at": utcnow(), "pinned": False}, SYSTEM)
        db.session.commit()
    page = client.get("/").text
    assert "Nouvelle grille" in page and "<em>tarifs</em>" in page
    assert without_token(page) == without_token(rendered_afresh(app, client))


def test_a_message_or_a_prefilled_email_is_never_served_from_memory(app, client, tenant,
                                                                      monkeypatch):
    client.get("/")
    with client.http.session_transaction(base_url=client.base) as browser:
        browser["_flashes"] = [("success", "Vous êtes déconnecté(e).")]
    assert "Vous êtes déconnecté(e)." in client.get("/").text
    with client.http.session_transaction(base_url=client.base) as browser:
        browser["login_email"] = "elodie.martin@example.fr"
    assert 'value="elodie.martin@example.fr"' in client.get("/").text
    assert 'value="elodie.martin@example.fr"' not in client.get("/").text

    kept = []
    monkeypatch.setattr(views_public, "remembered", lambda key, build: kept.append(key))
    client.get("/?next=/declarations/")
    assert kept == []
