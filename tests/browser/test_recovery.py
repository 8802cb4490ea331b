"""Issue 11's agents' view in a real browser, on the demo collectivité built by `flask demo`'s
own functions: Paul Durand has not declared; the declarations' reminder and `flask recovery
run` (acting 15 then 45 days later) take him to the mise en demeure and the avis de taxation
d'office; the agent reads the open cases and the day's documents, opens a case, records the
host's observations, imports a platform's statement and records its payment; the host reads his
letters and answers. Every page is checked by axe-core."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from plateforme.database import db
from tenants.demo import commands as demo
from tenants.hosts.models import Hebergement
from tests.browser.test_declarations import (  # noqa: F401  (fixtures)
    Visit,
    soragout,
    today,
)

pytestmark = pytest.mark.browser
STATEMENT = Path(__file__).resolve().parents[1] / "fixtures" / "platform_statements" / \
    "airbnb_2026_s1.csv"


def run(app, *args):
    result = app.test_cli_runner().invoke(args=[str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_agents_follow_a_late_host_to_the_taxation_d_office(live_server, browser,
                                                                soragout, today):  # noqa: F811
    tenant, (agent_email, agent_secret) = soragout
    app = live_server.app
    start = (today.replace(day=1) - timedelta(days=32)).replace(day=1)
    with db.tenant_context(tenant):      # on the platform two months ago: nothing declared
        for item in db.session.query(Hebergement).all():
            item.started_on = start
        db.session.commit()
    run(app, "declarations", "remind", demo.DEMO_SLUG)
    opened = run(app, "recovery", "run", demo.DEMO_SLUG, "--date", today.isoformat())
    assert "rappel SOR-" in opened
    notice_day = today + timedelta(days=15)
    assert "mise_en_demeure" in run(app, "recovery", "run", demo.DEMO_SLUG, "--date",
                                    notice_day.isoformat())

    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    v = Visit(page)
    v.agent_logs_in(live_server, agent_email, agent_secret)
    expect(page.locator("main")).to_contain_text("Mise en demeure : ")
    page.get_by_role("navigation", name="Menu de la console").get_by_role(
        "link", name="Recouvrement").click()
    v.heading("Recouvrement")
    cases = page.get_by_role("table", name="Les dossiers ouverts, leur étape et la suivante")
    expect(cases.get_by_role("row").filter(has_text="Mise en demeure").first).to_be_visible()
    page.get_by_label("Jour").fill(notice_day.isoformat())
    page.get_by_role("button", name="Afficher").click()
    v.check()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Mise en demeure MED-")).first.click()
    assert download.value.suggested_filename.startswith("MED-")

    cases.get_by_role("link", name=re.compile("Paul Durand")).first.click()
    v.heading(re.compile(r"Dossier \d{4}-\d{2} – Paul Durand").pattern)
    page.get_by_label("Observations de l'hébergeur").fill("Appel du 2 : hébergement fermé.")
    page.get_by_role("button", name="Enregistrer les observations").click()
    v.flash("Les observations de l'hébergeur sont enregistrées.")
    v.check()

    page.get_by_role("link", name="Recouvrement", exact=True).first.click()
    page.get_by_role("link", name="Relevés des plateformes").click()
    v.heading("Relevés des plateformes")
    page.get_by_label("Relevé de la plateforme (CSV)").set_input_files(str(STATEMENT))
    page.get_by_role("button", name="Rapprocher le relevé").click()
    v.heading(re.compile("Relevé Airbnb du .*").pattern)
    v.flash("Relevé Airbnb importé : 8 ligne(s).")
    page.get_by_label("Montant reçu de la plateforme (en €)").fill("284,24")
    page.get_by_label("Date de réception").fill("2026-07-10")
    page.get_by_role("button", name="Enregistrer le versement").click()
    v.flash("Le versement de la plateforme est enregistré.")
    v.check()
    context.close()

    # The host reads his letters and answers from his space.
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    v = Visit(page)
    v.host_logs_in(live_server)
    page.get_by_role("link", name="Voir les courriers et répondre").click()
    v.heading("Procédure de recouvrement")
    first = page.get_by_label(re.compile("^Vos observations pour")).first
    first.fill("Je déclare cette semaine.")
    page.get_by_role("button", name=re.compile("^Envoyer mes observations")).first.click()
    v.flash("Vos observations sont transmises à votre collectivité.")
    v.check()
    context.close()

    # 30 days after the mise en demeure: the avis.
    assessed = run(app, "recovery", "run", demo.DEMO_SLUG, "--date",
                   (notice_day + timedelta(days=30)).isoformat())
    assert "taxation_d_office SOR-" in assessed
