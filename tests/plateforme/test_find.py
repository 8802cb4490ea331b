"""« Trouvez votre collectivité » on the platform's home page: a GET form, no JavaScript."""

import html
import re

from plateforme import communes, provisioning
from plateforme.database import db
from tests.conftest import TEST_DOMAIN, create_tenant, get

AUBENAS, VALS = "07019", "07331"


def search(app, query):
    return get(app, TEST_DOMAIN, "/", query_string={"commune": query})


def results(response) -> list[str]:
    """Each result as read: the commune, its postal codes, the collectivité and its address."""
    items = re.findall(r'<ul class="found">(.*?)</ul>', response.text, re.S)
    found = re.findall(r"<li>(.*?)</li>", items[0], re.S) if items else []
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", item)).split()) for item in found]


def heading(response) -> str:
    return html.unescape(re.search(r'<h3 id="resultats"[^>]*>(.*?)</h3>', response.text).group(1))


def title(response) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", response.text).group(1))


def covering(app, slug, name, *codes):
    create_tenant(app, slug, name, communes=[communes.commune(c) for c in codes])


def test_the_home_page_has_the_form_and_no_results_yet(app):
    page = get(app, TEST_DOMAIN)
    assert page.status_code == 200
    assert '<label for="commune">Commune ou code postal</label>' in page.text
    assert '<form method="get" action="/"' in page.text
    assert 'name="commune" value=""' in page.text
    assert ">Rechercher</button>" in page.text
    assert 'id="resultats"' not in page.text and title(page) == "Accueil – taxesejour.fr"


def test_a_commune_found_by_its_name_links_its_collectivites_space(app):
    covering(app, "bassin-aubenas", "Bassin d'Aubenas", AUBENAS, VALS)
    page = search(app, "Aubenas")
    assert page.status_code == 200
    assert heading(page) == "1 commune trouvée pour « Aubenas »"
    assert title(page) == "1 commune trouvée pour « Aubenas » – Accueil – taxesejour.fr"
    assert results(page) == [
        f"Aubenas (07200) : Bassin d'Aubenas, bassin-aubenas.{TEST_DOMAIN}"]
    assert f'<a href="http://bassin-aubenas.{TEST_DOMAIN}/">Bassin d&#39;Aubenas</a>' in page.text
    assert 'name="commune" value="Aubenas"' in page.text  # the query stays in the field


def test_without_accents_nor_capitals_and_by_prefix(app):
    covering(app, "saint-etienne", "Saint-Étienne Métropole", "42218")
    page = search(app, "saint-e")
    assert results(page) == [
        f"Saint-Étienne (42000, 42100, 42230) : Saint-Étienne Métropole, "
        f"saint-etienne.{TEST_DOMAIN}"]
    assert results(search(app, "SAINT ETIENNE")) == results(page)


def test_by_postal_code_with_the_port_served_in_the_link(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_PORT", "5077")
    covering(app, "bassin-aubenas", "Bassin d'Aubenas", AUBENAS, VALS)
    page = search(app, "0760")
    assert results(page) == [f"Vals-les-Bains (07600) : Bassin d'Aubenas, "
                             f"bassin-aubenas.{TEST_DOMAIN}:5077"]
    assert f'href="http://bassin-aubenas.{TEST_DOMAIN}:5077/"' in page.text
    assert heading(search(app, "07")) == "2 communes trouvées pour « 07 »"


def test_nothing_found_says_so_and_points_to_the_mairie(app):
    covering(app, "bassin-aubenas", "Bassin d'Aubenas", AUBENAS)
    page = search(app, "Privas")
    assert page.status_code == 200
    assert heading(page) == "Aucune commune trouvée pour « Privas »"
    assert results(page) == []
    assert "renseignez-vous auprès de votre mairie" in page.text


def test_a_query_too_short_is_an_error_tied_to_the_field(app):
    page = search(app, "a")
    assert page.status_code == 200
    assert title(page).startswith("Erreur : ")
    assert "Saisissez au moins deux lettres" in page.text
    assert 'aria-describedby="commune-aide erreur-formulaire" aria-invalid="true"' in page.text
    assert 'id="resultats"' not in page.text


def test_an_inactive_collectivite_is_not_listed(app):
    covering(app, "aubenas", "Aubenas", AUBENAS)
    covering(app, "bassin-aubenas", "Bassin d'Aubenas", AUBENAS)
    assert len(results(search(app, "aubenas"))) == 2
    provisioning.set_status(db.session, "aubenas", "suspended")
    assert results(search(app, "aubenas")) == [
        f"Aubenas (07200) : Bassin d'Aubenas, bassin-aubenas.{TEST_DOMAIN}"]


def test_many_results_are_cut_and_the_heading_says_so(app):
    codes = [c.insee for c in communes.epci("200073245").communes]  # 28 communes, all 07…
    covering(app, "bassin-aubenas", "Bassin d'Aubenas", *codes)
    page = search(app, "07")
    assert heading(page) == f"Plus de {communes.FIND_LIMIT} communes trouvées pour « 07 »"
    assert len(results(page)) == communes.FIND_LIMIT
    assert "précisez votre recherche" in page.text


def test_the_demo_is_found_by_its_hosts_communes(app):
    from tenants.demo.commands import DEMO_NAME, DEMO_SLUG, ensure_demo

    ensure_demo(app)
    assert results(search(app, "07200")) == [
        f"Aubenas (07200) : {DEMO_NAME}, {DEMO_SLUG}.{TEST_DOMAIN}"]
    assert len(results(search(app, "vallon"))) == 1
