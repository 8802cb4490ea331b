"""The accessibility statement: what RGAA's model statement requires on the public page, the
status an audit allows, and who may complete it in the console."""

import re
from datetime import date
from decimal import Decimal

import pytest

from plateforme.database import db
from tenants.collectivite import accessibility
from tenants.collectivite.models import AccessibilityStatement
from tests.conftest import create_tenant, get, host_of
from tests.tenants.conftest import messages

PAGE = "/admin/parametres/accessibilite"
AUDITED = {"status": "partiellement_conforme", "audit_date": "2026-09-15",
           "auditor": "Access42", "compliance_rate": "72,5",
           "non_compliances": "- Le **graphique** du tableau de bord n'a pas d'alternative.",
           "contact_email": "accessibilite@vallee-verte.fr",
           "contact_url": "https://www.vallee-verte.fr/contact",
           "schema_url": "https://www.vallee-verte.fr/schema-accessibilite.pdf",
           "action_plan": "Corriger le graphique avant fin 2026. <script>alert(1)</script>"}
SECTIONS = ("<h1>Déclaration d'accessibilité</h1>", "<h2>État de conformité</h2>",
            "<h2>Résultats des tests</h2>", "<h2>Contenus non accessibles</h2>",
            "<h2>Établissement de cette déclaration d'accessibilité</h2>",
            "<h3>Technologies utilisées pour la réalisation du site</h3>",
            "<h3>Environnement de test</h3>", "<h3>Outils pour évaluer l'accessibilité</h3>",
            "<h3>Pages du site ayant fait l'objet de la vérification de conformité</h3>",
            "<h2>Retour d'information et contact</h2>", "<h2>Voies de recours</h2>",
            "<h2>Schéma pluriannuel et plan d'actions</h2>")
DEFENSEUR = ("https://formulaire.defenseurdesdroits.fr/",
             "le délégué du Défenseur des droits dans votre région",
             "envoyer un courrier par la poste (gratuit, ne pas mettre de timbre) : Défenseur des "
             "droits, Libre réponse 71120, 75342 Paris CEDEX 07")


def _statement(tenant) -> AccessibilityStatement | None:
    with db.tenant_context(tenant):
        return accessibility.recorded(db.session)


def test_without_an_audit_the_page_says_non_conforme_with_every_required_part(app, tenant):
    page = get(app, host_of("vallee"), "/accessibilite").text
    for section in SECTIONS:
        assert section in page, section
    for part in DEFENSEUR:
        assert part in page
    assert "<strong>non conforme</strong>" in page
    assert "absence de résultats d'audit" in page
    assert "partiellement" not in page
    assert "Accessibilité : non conforme" in page  # the footer says the same
    for default in ("HTML5", "axe-core", "Chromium", "Tableau de bord (/tableau-de-bord)"):
        assert default in page, default


def test_an_administrator_completes_it_and_hosts_read_it(app, as_admin, tenant):
    form = as_admin.get(PAGE).text
    assert 'name="status"' in form and "HTML5" in form  # defaults offered for editing
    ids = re.findall(r'\sid="([^"]+)"', form)
    assert len(ids) == len(set(ids))
    for name in ("status", "audit_date", "compliance_rate", "contact_email", "action_plan"):
        assert f'<label for="{name}"' in form, name
    response = as_admin.post(PAGE, AUDITED)
    assert response.status_code == 302, messages(response.text)

    page = get(app, host_of("vallee"), "/accessibilite").text
    assert "<strong>partiellement conforme</strong>" in page
    assert "réalisé par Access42 le 15 septembre 2026" in page
    assert "72,5\u00a0%" in page
    assert "<strong>graphique</strong>" in page  # Markdown rendered
    assert "<script>" not in page                 # and sanitised
    assert 'href="mailto:accessibilite@vallee-verte.fr"' in page
    assert 'href="https://www.vallee-verte.fr/contact"' in page
    assert 'href="https://www.vallee-verte.fr/schema-accessibilite.pdf"' in page
    assert "Cette déclaration a été établie le" in page
    assert "Accessibilité : partiellement conforme" in get(app, host_of("vallee"), "/").text
    row = _statement(tenant)
    assert row.compliance_rate == Decimal("72.50") and row.audit_date == date(2026, 9, 15)
    assert row.technologies == ""  # the defaults stay defaults: later wording reaches them


@pytest.mark.parametrize(("change", "reason"), [
    ({"audit_date": "", "compliance_rate": ""}, "ne peut être que « non conforme »"),
    ({"compliance_rate": ""}, "ne peut être que « non conforme »"),
    ({"audit_date": ""}, "ne peut être que « non conforme »"),
    ({"compliance_rate": "42"}, "« non conforme »"),
    ({"status": "totalement_conforme"}, "« partiellement conforme »"),
    ({"status": "non_conforme"}, "« partiellement conforme »"),
    ({"compliance_rate": "120"}, "de 0 à 100"),
    ({"contact_url": "http://www.vallee-verte.fr/contact"}, "https://"),
    ({"contact_email": "pas-une-adresse"}, "adresse"),
])
def test_a_status_the_audit_does_not_allow_is_refused_and_nothing_saved(as_admin, tenant,
                                                                      change, reason):
    response = as_admin.post(PAGE, dict(AUDITED, **change))
    assert response.status_code == 200
    assert any(reason in message for message in messages(response.text)), \
        messages(response.text)
    assert _statement(tenant) is None


def test_non_conforme_is_always_allowed_without_an_audit(as_admin, tenant):
    response = as_admin.post(PAGE, {"status": "non_conforme", "contact_email": ""})
    assert response.status_code == 302
    assert _statement(tenant).status == "non_conforme"


def test_the_contact_falls_back_to_the_collectivites_email(app, as_admin, tenant):
    as_admin.post("/admin/parametres", {
        "display_name": "Vallée Verte", "brand_colour": "#123b66",
        "contact_email": "taxe@vallee-verte.fr", "declaration_frequency": "mensuelle",
        "declaration_deadline_day": "15"})
    page = get(app, host_of("vallee"), "/accessibilite").text
    assert 'href="mailto:taxe@vallee-verte.fr"' in page


def test_the_statement_belongs_to_its_collectivite(app, as_admin, tenant):
    create_tenant(app, "autre", "Autre")
    assert as_admin.post(PAGE, AUDITED).status_code == 302
    other = get(app, host_of("autre"), "/accessibilite").text
    assert "<strong>non conforme</strong>" in other and "Access42" not in other


def test_an_agent_who_is_not_an_administrator_is_refused(as_agent, tenant):
    assert as_agent.get(PAGE).status_code == 403
    response = as_agent.post(PAGE, AUDITED, page="/admin/")
    assert response.status_code == 403
    assert _statement(tenant) is None


def test_a_post_without_its_csrf_token_is_refused(as_admin, tenant):
    response = as_admin.post(PAGE, AUDITED, csrf=False)
    assert response.status_code == 400
    assert _statement(tenant) is None


def test_the_settings_page_links_to_it(as_admin):
    assert f'href="{PAGE}"' in as_admin.get("/admin/parametres").text
