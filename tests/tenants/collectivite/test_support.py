"""The support number: set by the collectivité, validated, shown in French format on the login
page and on every error page a host can reach."""

from plateforme import provisioning
from plateforme.database import db
from tenants.collectivite import settings


def run(app, *args):
    return app.test_cli_runner().invoke(args=["tenants", "set", *args])


def test_the_number_is_validated_and_shown_in_french_format(app, client):
    assert run(app, "vallee", "--support-phone", "04 75 99 88 77").exit_code == 0
    page = client.get("/").text
    assert "04 75 99 88 77" in page and 'href="tel:+33475998877"' in page
    bad = run(app, "vallee", "--support-phone", "123")
    assert bad.exit_code == 1 and "invalide" in bad.output
    assert "04 75 99 88 77" in client.get("/").text


def test_an_empty_number_says_so_without_a_dangling_sentence(app, client):
    run(app, "vallee", "--support-phone", "")
    page = client.get("/").text
    assert "son numéro sera indiqué ici" in page


def test_every_error_page_a_host_can_reach_shows_it(app, client, tenant):
    assert "04 75 12 34 56" in client.get("/nulle-part").text  # 404
    assert "04 75 12 34 56" in client.post("/connexion", {}, csrf=False).text  # 400
    for i in range(21):
        last = client.login(f"x{i}@example.fr", "mauvais mot de passe")
    assert last.status_code == 429 and "04 75 12 34 56" in last.text
    provisioning.set_status(db.session, "vallee", "suspended")
    closed = client.get("/")
    assert closed.status_code == 503 and "04 75 12 34 56" in closed.text


def test_the_display_name_can_change(app, client, tenant):
    run(app, "vallee", "--display-name", "Communauté Vallée Verte")
    assert "<h1>Communauté Vallée Verte</h1>" in client.get("/").text
    with db.tenant_context(tenant):
        assert settings.get(db.session).display_name == "Communauté Vallée Verte"


def test_a_failure_while_identifying_the_host_still_shows_the_number(app, logged_in,
                                                                     monkeypatch):
    """The session rows cannot be read (say the database is struggling): the French 500 page
    renders, with the support number, without asking who is logged in again."""
    from tenants.access import sessions

    def broken(*_args, **_kwargs):
        raise RuntimeError("sessions illisibles")

    monkeypatch.setattr(sessions, "live_session", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production
    response = logged_in.get("/tableau-de-bord")
    assert response.status_code == 500
    assert "Erreur interne" in response.text and "04 75 12 34 56" in response.text
    assert "sessions illisibles" not in response.text
