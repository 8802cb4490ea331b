"""The dashboard and what it leads to."""

import html
import io
import re

from pypdf import PdfReader

from plateforme.database import db
from tenants.collectivite.models import NewsItem, Tutorial
from tenants.core.dates import utcnow
from tenants.core.navigation import tour_steps
from tests.tenants.conftest import PASSWORD, Client, activated, host_by_name, messages

NEW = "encore une autre longue phrase secrete"


def test_the_dashboard_shows_the_seeds_sections(logged_in):
    page = html.unescape(logged_in.get("/tableau-de-bord").text)
    for words in ("Bienvenue sur votre tableau de bord", "Mes informations personnelles",
                  "Mes hébergements", "Gîte des Lilas", "Meublé de tourisme", "3 étoiles",
                  "Mes documents", "guide de la télédéclaration", "Actualités",
                  "Besoin d'aide", "Visite guidée", "04 75 12 34 56"):
        assert words in page, words


def test_news_newest_first_with_the_support_number(logged_in, imported):
    with db.tenant_context(imported):
        db.session.add(NewsItem(title="Campagne 2027 ouverte", body="…",
                                     published_at=utcnow()))
        db.session.commit()
    page = html.unescape(logged_in.get("/tableau-de-bord").text)
    assert page.index("Bienvenue sur l'espace") < page.index("Campagne 2027")  # pinned
    assert "Campagne 2027 ouverte" in page


def test_personal_information_is_updated(logged_in, imported):
    response = logged_in.post("/mon-compte", {
        "civility": "Mme", "last_name": "Martin-Roux", "first_name": "Élodie",
        "address": "1 place de l'Église", "postal_code": "07200", "city": "Aubenas",
        "phone": "+33 6 11 22 33 44"})
    assert response.status_code == 302
    with db.tenant_context(imported):
        host = host_by_name("Martin-Roux")
        assert host.address == "1 place de l'Église" and host.phone == "+33611223344"


def test_bad_personal_information_changes_nothing(logged_in, imported):
    response = logged_in.post("/mon-compte", {
        "civility": "Mme", "last_name": "Martin", "first_name": "Élodie",
        "address": "x", "postal_code": "07200", "city": "Aubenas", "phone": "12"})
    assert any("téléphone" in m for m in messages(response.text))
    with db.tenant_context(imported):
        assert host_by_name("Martin").address == "12 rue des Lilas"


def test_email_change_needs_the_current_password(logged_in, imported):
    wrong = logged_in.post("/mon-compte/identifiant",
                           {"email": "nouveau@example.fr", "current_password": "pas le bon"},
                           page="/mon-compte")
    assert wrong.status_code == 400 and any("incorrect" in m for m in messages(wrong.text))
    right = logged_in.post("/mon-compte/identifiant",
                           {"email": "Nouveau@Example.fr", "current_password": PASSWORD},
                           page="/mon-compte")
    assert right.status_code == 302
    with db.tenant_context(imported):
        assert host_by_name("Martin").email == "nouveau@example.fr"


def test_password_change_needs_the_current_one_and_ends_other_sessions(app, logged_in,
                                                                       host_email):
    other = Client(app, logged_in.host)
    other.login(host_email)
    wrong = logged_in.post("/mon-compte/mot-de-passe",
                           {"current_password": "faux", "password": NEW, "confirm": NEW},
                           page="/mon-compte")
    assert wrong.status_code == 400
    right = logged_in.post("/mon-compte/mot-de-passe",
                           {"current_password": PASSWORD, "password": NEW, "confirm": NEW},
                           page="/mon-compte")
    assert right.status_code == 302
    assert logged_in.get("/tableau-de-bord").status_code == 200  # this browser stays in
    assert other.get("/tableau-de-bord").status_code == 302  # the other is out


def test_every_error_of_a_password_change_shows_at_once(logged_in):
    page = logged_in.post("/mon-compte/mot-de-passe",
                          {"current_password": PASSWORD, "password": "motdepasse",
                           "confirm": "motdepasse2"}, page="/mon-compte")
    text = html.unescape(page.text)
    assert page.status_code == 400 and "Le formulaire contient 2 erreur(s)" in text
    assert "au moins 12 caractères" in text and "Les deux mots de passe diffèrent." in text


def test_an_hebergement_and_its_classement_are_updated(logged_in, imported):
    with db.tenant_context(imported):
        hebergement_id = host_by_name("Martin").hebergements[0].id
    response = logged_in.post(f"/hebergements/{hebergement_id}", {
        "name": "Gîte des Lilas", "address": "12 rue des Lilas", "postal_code": "07200",
        "city": "Aubenas", "nature": "meuble", "classement": "5", "capacity": "8"})
    assert response.status_code == 302
    with db.tenant_context(imported):
        item = host_by_name("Martin").hebergements[0]
        assert (item.classement, item.capacity) == ("5", 8)


def test_an_impossible_classement_is_refused(logged_in, imported):
    with db.tenant_context(imported):
        hebergement_id = host_by_name("Martin").hebergements[0].id
    response = logged_in.post(f"/hebergements/{hebergement_id}", {
        "name": "Gîte", "address": "12 rue des Lilas", "postal_code": "07200",
        "city": "Aubenas", "nature": "chambre_hotes", "classement": "5", "capacity": "8"})
    assert any("impossible" in m for m in messages(response.text))


def test_another_hosts_hebergement_is_not_found(app, logged_in, imported):
    with db.tenant_context(imported):
        others = host_by_name("Petit").hebergements[0].id
    assert logged_in.get(f"/hebergements/{others}").status_code == 404
    assert logged_in.post(f"/hebergements/{others}", {"name": "volé"},
                          page="/tableau-de-bord").status_code == 404
    assert logged_in.get("/hebergements/999999").status_code == 404


def test_the_guide_is_a_real_pdf_for_this_collectivite(logged_in):
    response = logged_in.get("/documents/guide-de-la-teledeclaration.pdf")
    assert response.headers["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Vallée Verte" in text and "04 75 12 34 56" in text
    assert "GUIDE DE LA TÉLÉDÉCLARATION" in " ".join(text.split())


def test_help_tour_and_tutorials(app, logged_in, imported):
    with db.tenant_context(imported):
        db.session.add(Tutorial(title="Déclarer en 3 minutes", kind="video",
                                     url="https://videos.example.fr/declarer"))
        db.session.commit()
    page = logged_in.get("/aide").text
    assert "Déclarer en 3 minutes" in page and "(vidéo)" in page
    tour = logged_in.get("/aide/visite-guidee").text
    assert tour.count("<h2>Étape") == len(tour_steps(app))
    assert "/tableau-de-bord#mes-hebergements" in tour


def test_the_tour_script_is_served_by_the_app(logged_in):
    page = logged_in.get("/tableau-de-bord").text
    assert '<script src="/static/js/tour.js"' in page
    script = logged_in.get("/static/js/tour.js")
    assert script.status_code == 200 and b"showModal" in script.data
    script.close()
    assert "http" not in "".join(line for line in page.splitlines() if "<script" in line)


def test_a_second_host_is_a_separate_account(app, imported):
    email = activated(imported, "Petit", email="louis.petit@example.fr")
    other = Client(app, "vallee.taxesejour.test")
    other.login(email)
    other.accept_cgu()
    page = other.get("/tableau-de-bord").text
    assert "Camping de la Rivière" in page and "Gîte des Lilas" not in page


def test_the_host_keeps_the_hebergements_closures(logged_in, imported):
    with db.tenant_context(imported):
        hebergement_id = host_by_name("Martin").hebergements[0].id
    page = f"/hebergements/{hebergement_id}"
    added = logged_in.post(f"{page}/fermetures", {"starts_on": "2026-11-01",
                                                  "ends_on": "2027-03-31"}, page=page)
    assert added.status_code == 302
    assert "Du 01/11/2026 au 31/03/2027" in logged_in.get(page).text
    overlap = logged_in.post(f"{page}/fermetures", {"starts_on": "2027-03-01",
                                                    "ends_on": "2027-04-30"}, page=page)
    assert overlap.status_code == 302
    assert any("chevauche" in m for m in messages(logged_in.get(page).text))
    backwards = logged_in.post(f"{page}/fermetures", {"starts_on": "2027-05-10",
                                                      "ends_on": "2027-05-01"}, page=page)
    assert backwards.status_code == 302
    assert any("précède" in m for m in messages(logged_in.get(page).text))
    with db.tenant_context(imported):
        (closure,) = host_by_name("Martin").hebergements[0].closures
        closure_id = closure.id
    removed = logged_in.post(f"{page}/fermetures/{closure_id}/supprimer", {}, page=page)
    assert removed.status_code == 302
    with db.tenant_context(imported):
        assert host_by_name("Martin").hebergements[0].closures == []


def _set_contact(tenant, **values):
    from tenants.collectivite import settings

    with db.tenant_context(tenant):
        row = settings.get(db.session)
        for key, value in values.items():
            setattr(row, key, value)
        db.session.commit()


def test_a_logged_in_host_reads_besoin_d_aide_once_per_page(logged_in, imported):
    _set_contact(imported, opening_hours="du lundi au vendredi, 9 h – 12 h",
                 contact_email="taxe@vallee-verte.fr")
    for path in ("/tableau-de-bord", "/aide", "/mon-compte", "/documents"):
        page = html.unescape(logged_in.get(path).text)
        assert "n'arrivez pas" not in page, path
        assert page.count("Besoin d'aide ?") == 1, path
        assert page.count('href="tel:+33475123456"') == 1, path
        assert ("Besoin d'aide ? Appelez le service technique de votre collectivité au "
                "04 75 12 34 56 (du lundi au vendredi, 9 h – 12 h) ou écrivez à "
                "taxe@vallee-verte.fr.") in " ".join(re.sub(r"<[^>]+>", "", page).split()), path
        assert 'href="mailto:taxe@vallee-verte.fr"' in page


def test_without_an_email_or_hours_only_the_number_is_given(logged_in):
    text = " ".join(re.sub(r"<[^>]+>", "", logged_in.get("/tableau-de-bord").text).split())
    assert ("Besoin d'aide ? Appelez le service technique de votre collectivité au "
            "04 75 12 34 56.") in html.unescape(text)
    assert "mailto:" not in logged_in.get("/tableau-de-bord").text


def test_logged_out_pages_keep_the_seeds_sentence(client, imported):
    for path in ("/", "/activation/"):
        page = html.unescape(client.get(path).text)
        assert "Si vous n'arrivez pas à vous connecter, appelez le service technique" in page
        assert "Besoin d'aide ?" not in page


def test_the_dashboard_promises_a_tutorial_only_once_one_is_published(logged_in, imported):
    page = html.unescape(logged_in.get("/tableau-de-bord").text)
    assert "tutoriel vidéo" not in page and "Des tutoriels" not in page
    assert "Une visite guidée est à votre disposition" in page
    assert "<h3>Tutoriels</h3>" not in page and "Visionnez" not in page
    assert "<h2>Tutoriels</h2>" not in logged_in.get("/aide").text
    with db.tenant_context(imported):
        db.session.add(Tutorial(title="Déclarer en 3 minutes", url="https://example.fr/v",
                                kind="video", position=1))
        db.session.commit()
    page = html.unescape(logged_in.get("/tableau-de-bord").text)
    assert "Un tutoriel vidéo et une visite guidée sont à votre disposition" in page
    assert "<h3>Tutoriels</h3>" in page and "Déclarer en 3 minutes" in page
    assert "<h2>Tutoriels</h2>" in logged_in.get("/aide").text
