"""Declarations in the console: a period's page (every hébergement's state, the counts, the
totals by nature and category and by channel, filters, pages), its CSV export, a host's full
history, an agent entering and correcting a declaration on a host's behalf (with a reason, in
the journal), the reminders' settings (administrators only) and periods out of the calendar.

July 2026 is due on 15 August; today is 20 August: whatever is not validated is late."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
import sqlalchemy as sa

from plateforme import mail
from plateforme.database import db
from tenants.audit.journal import Actor, ActorKind
from tenants.audit.models import AuditEvent
from tenants.declarations import desk, filing
from tenants.declarations.computing import StayInput
from tenants.declarations.models import Declaration, ReminderSettings
from tenants.hosts import importing as hosts_import
from tenants.hosts.models import Hebergement
from tests.tenants.conftest import host_by_name, messages
from tests.tenants.declarations.conftest import hebergement

JULY = "2026-07"
TODAY = date(2026, 8, 20)
EXPORT_HEADER = ("hebergement_reference;periode;etat;nuitees_taxables;nuitees_exonerees;"
                 "nuitees_plateforme;montant")


# --- helpers ---------------------------------------------------------------------------------


def text(html: str) -> str:
    """Tags stripped, entities decoded, every kind of space folded to one."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ")
                    .replace("\u202f", " ").split())


def table(html: str, caption: str) -> list[list[str]]:
    """The rows (cells' text) of the table with this caption."""
    match = re.search(r"<table>\s*<caption[^>]*>" + re.escape(caption) + r"</caption>(.*?)"
                      r"</table>", html, re.S)
    assert match, f"no table « {caption} »"
    return [[text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)]


LISTING = "Les hébergements de la période, leur état et leur montant"


def listed(html: str) -> dict[str, str]:
    """The period page's hébergements: name → state."""
    return {row[0]: row[4] for row in table(html, LISTING)[1:]}


def states(html: str) -> dict[str, int]:
    block = re.search(r"<h2>Où en sont les hébergements</h2>\s*<ul>(.*?)</ul>", html, re.S)
    assert block
    return {label: int(count) for label, count in
            re.findall(r"<li>(.*?) : (\d+)</li>", unescape(block.group(1)))}


def stay(arrival, departure, persons, minors=0, channel="direct", platform=None):
    return StayInput(arrival, departure, persons, exempt_minors=minors, channel=channel,
                     platform=platform)


def host_context(tenant, item: Hebergement, by_name: str) -> desk.Context:
    return desk.Context(db.session, tenant.schema, filing.calendar_of(db.session),
                        Actor(ActorKind.HOST, item.host_id, by_name), by_name, TODAY)


def declare(tenant, name: str, key: str, stays, by_name: str) -> None:
    """A host types their stays and validates, through the product's own functions."""
    with db.tenant_context(tenant):
        item = hebergement(name)
        ctx = host_context(tenant, item, by_name)
        period = ctx.cal.period(key)
        for one in stays:
            desk.add(ctx, item, period, one)
        desk.validate(ctx, item, period)
        db.session.commit()


def rectify(tenant, name: str, key: str, more, by_name: str) -> None:
    with db.tenant_context(tenant):
        item = hebergement(name)
        ctx = host_context(tenant, item, by_name)
        period = ctx.cal.period(key)
        desk.rectify(ctx, item, period)
        for one in more:
            desk.add(ctx, item, period, one)
        desk.validate(ctx, item, period)
        db.session.commit()


@pytest.fixture
def july(app, imported):
    """July 2026: Élodie Martin declared the Gîte des Lilas (Aubenas, 3 étoiles: 1,70 € + 10 %
    = 1,87 €), 3 nights × 4 persons of whom 1 minor, and 2 nights × 2 persons via Airbnb:
    9 taxable person-nights, 16,83 €. Paul Durand declared the Chambres du Moulin (Labégude,
    the EPCI's chambre d'hôtes: 0,80 € + 10 % = 0,88 €), 4 nights × 2 persons = 7,04 €, then
    rectified it with 1 night × 3 persons more: 11 × 0,88 = 9,68 €. The Studio du Pont and the
    Camping de la Rivière declared nothing."""
    declare(imported, "Gîte des Lilas", JULY, [
        stay(date(2026, 7, 10), date(2026, 7, 13), 4, minors=1),
        stay(date(2026, 7, 20), date(2026, 7, 22), 2, channel="plateforme", platform="Airbnb"),
    ], "Élodie Martin")
    declare(imported, "Chambres du Moulin", JULY,
            [stay(date(2026, 7, 1), date(2026, 7, 5), 2)], "Paul Durand")
    rectify(imported, "Chambres du Moulin", JULY,
            [stay(date(2026, 7, 10), date(2026, 7, 11), 3)], "Paul Durand")
    return imported


def period_page(client, **args) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"periode": JULY, **args}.items())
    response = client.get(f"/admin/declarations/?{query}")
    assert response.status_code == 200, response.text
    return response.text


# --- the period's page -------------------------------------------------------------------------


def test_every_hebergement_state_and_the_counts(as_agent, july):
    page = period_page(as_agent)
    assert "Déclarations de juillet 2026" in page
    assert "Échéance : 15 août 2026" in page
    assert listed(page) == {
        "Camping de la Rivière": "En retard",
        "Chambres du Moulin": "Rectifiée",
        "Gîte des Lilas": "Déclarée",
        "Studio du Pont": "En retard",
    }
    assert states(page) == {"À déclarer": 0, "En retard": 2, "Brouillon": 0, "Déclarée": 1,
                            "Rectifiée": 1}
    rows = {row[0]: row for row in table(page, LISTING)[1:]}
    assert rows["Gîte des Lilas"][2] == "Martin Élodie"
    assert rows["Gîte des Lilas"][5:] == ["9", "16,83 €"]
    assert rows["Chambres du Moulin"][5:] == ["11", "9,68 €"]     # the rectification counts
    assert rows["Studio du Pont"][5:] == ["0", "0,00 €"]
    # Without a period: the last one ended, July.
    assert "Déclarations de juillet 2026" in as_agent.get("/admin/declarations/").text
    # August has begun and is due on 15 September: nobody is late yet.
    august = period_page(as_agent, periode="2026-08")
    assert states(august)["À déclarer"] == 4 and states(august)["En retard"] == 0


def test_totals_by_nature_and_category_and_by_channel(as_agent, july):
    page = period_page(as_agent)
    assert table(page, "Par nature et catégorie") == [
        ["Nature", "Catégorie", "Déclarations", "Nuitées taxables", "Nuitées exonérées",
         "Montant"],
        ["Chambre d'hôtes", "catégorie 6 (1 étoile, villages de vacances 1 à 3 étoiles, "
         "chambres d'hôtes, auberges collectives)", "1", "11", "0", "9,68 €"],
        ["Meublé de tourisme", "catégorie 4 (3 étoiles)", "1", "9", "3", "16,83 €"],
        ["Total", "2", "20", "3", "26,51 €"],
    ]
    assert table(page, "Par canal") == [
        ["Canal", "Nuitées", "Montant à reverser à la collectivité"],
        ["En direct (taxables et exonérées)", "23", "26,51 €"],
        ["Via une plateforme qui a collecté la taxe", "4", "0,00 € (reversée par la plateforme)"],
    ]


def test_a_host_validating_on_their_pages_changes_the_state(as_agent, imported, logged_in):
    with db.tenant_context(imported):
        studio = hebergement("Studio du Pont").id
    before = listed(period_page(as_agent))
    assert before["Studio du Pont"] == "En retard"
    page = f"/declarations/{studio}/{JULY}"
    assert logged_in.post(f"{page}/zero", {"reason": "ferme"}, page=page).status_code == 302
    assert logged_in.post(f"{page}/valider", {"confirm": "y"}).status_code == 302
    after = period_page(as_agent)
    assert listed(after)["Studio du Pont"] == "Déclarée"
    assert states(after)["Déclarée"] == 1 and states(after)["En retard"] == 3


def test_filters_by_state_amount_and_words(as_agent, july):
    late = period_page(as_agent, etat="en_retard")
    assert set(listed(late)) == {"Studio du Pont", "Camping de la Rivière"}
    assert "2 hébergement(s)." in late
    assert set(listed(period_page(as_agent, etat="non_declarees"))) == {
        "Studio du Pont", "Camping de la Rivière"}
    assert set(listed(period_page(as_agent, etat="declarees"))) == {
        "Gîte des Lilas", "Chambres du Moulin"}
    assert set(listed(period_page(as_agent, montant_min="10"))) == {"Gîte des Lilas"}
    assert set(listed(period_page(as_agent, montant_min="9,50"))) == {
        "Gîte des Lilas", "Chambres du Moulin"}
    assert len(listed(period_page(as_agent, montant_min="beaucoup"))) == 4   # ignored
    assert set(listed(period_page(as_agent, q="lilas"))) == {"Gîte des Lilas"}
    assert set(listed(period_page(as_agent, q="durand"))) == {"Chambres du Moulin"}   # the host
    assert set(listed(period_page(as_agent, q="martin"))) == {"Gîte des Lilas",
                                                               "Studio du Pont"}
    assert set(listed(period_page(as_agent, q="martin", etat="en_retard"))) == {
        "Studio du Pont"}
    # The filters do not change the counts nor the totals, which are the period's.
    assert states(late)["Déclarée"] == 1
    assert table(late, "Par nature et catégorie")[-1] == ["Total", "2", "20", "3", "26,51 €"]


def test_pages_of_fifty_keep_the_filters(as_agent, imported):
    rows = ["civilite;nom;prenom;adresse;code_postal;commune;hebergement_nom;"
            "hebergement_adresse;hebergement_code_postal;hebergement_commune;nature;"
            "classement;capacite"]
    rows += [f"M.;Nom{i:02d};P;1 rue;07200;Aubenas;Zeta {i:02d};1 rue;07200;Aubenas;meuble;2;2"
             for i in range(1, 56)]
    with db.tenant_context(imported):
        hosts_import.import_hosts(db.session, "\n".join(rows).encode())
        for item in db.session.scalars(sa.select(Hebergement)):
            item.started_on = date(2026, 1, 1)
        db.session.commit()
    first = period_page(as_agent)
    assert "59 hébergement(s)." in first and "Page 1 sur 2" in first
    names = list(listed(first))
    assert len(names) == 50 and names[-1] == "Zeta 46"
    second = period_page(as_agent, page="2")
    assert list(listed(second)) == [f"Zeta {i}" for i in range(47, 56)]
    assert "Page 2 sur 2" in second and "Page suivante" not in second
    zetas = period_page(as_agent, etat="en_retard", q="zeta")
    assert "55 hébergement(s)." in zetas and "Page 1 sur 2" in zetas
    following = re.search(r'href="([^"]*page=2[^"]*)">Page suivante', zetas)
    assert following
    link = unescape(following.group(1))
    assert "etat=en_retard" in link and "q=zeta" in link and "periode=2026-07" in link
    assert list(listed(as_agent.get(link).text)) == [f"Zeta {i}" for i in range(51, 56)]


# --- the export ------------------------------------------------------------------------------


def test_the_csv_export(as_agent, july):
    with db.tenant_context(july):
        hebergement("Gîte des Lilas").reference = "=SOMME(A1:A9)"    # a formula, defused
        hebergement("Chambres du Moulin").reference = "MOULIN-07102"
        studio = hebergement("Studio du Pont")            # a draft is not a declaration yet
        desk.add(host_context(july, studio, "Élodie Martin"), studio,
                 filing.calendar_of(db.session).period(JULY),
                 StayInput(date(2026, 7, 2), date(2026, 7, 4), 2,
                           price_per_night=Decimal("60.00")))
        db.session.commit()
    response = as_agent.get(f"/admin/declarations/export.csv?periode={JULY}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "declarations-2026-07.csv" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")            # UTF-8 with BOM
    content = response.data.decode("utf-8-sig")
    lines = content.splitlines()
    assert lines[0] == EXPORT_HEADER
    assert list(csv.reader(io.StringIO(content), delimiter=";"))[1:] == [
        ["", JULY, "en_retard", "0", "0", "0", "0.00"],                    # Camping
        ["MOULIN-07102", JULY, "rectifiee", "11", "0", "0", "9.68"],
        ["'=SOMME(A1:A9)", JULY, "declaree", "9", "3", "4", "16.83"],       # persons × nights
        ["", JULY, "en_retard", "0", "0", "0", "0.00"],                    # Studio's draft
    ]


# --- a host's history --------------------------------------------------------------------------


def test_a_hosts_full_history(as_agent, july):
    with db.tenant_context(july):
        martin, durand = host_by_name("Martin").id, host_by_name("Durand").id
    page = as_agent.get(f"/admin/declarations/hebergeurs/{martin}")
    assert page.status_code == 200
    html = page.text
    assert "Déclarations d&#39;Élodie Martin" in html and "Chambres du Moulin" not in html
    periods = {row[0]: row[1:4] for row in table(html, "Les périodes de « Gîte des Lilas »")[1:]}
    assert list(periods) == [f"{month} 2026" for month in (
        "août", "juillet", "juin", "mai", "avril", "mars", "février", "janvier")]
    assert periods["juillet 2026"] == ["Déclarée", "15/08/2026", "16,83 €"]
    assert periods["juin 2026"] == ["En retard", "15/07/2026", "—"]
    assert periods["août 2026"] == ["À déclarer", "15/09/2026", "—"]
    studio = table(html, "Les périodes de « Studio du Pont »")
    assert {row[1] for row in studio[1:]} == {"En retard", "À déclarer"}
    versions = table(html, "Chaque version de chaque déclaration, avec qui l'a validée")
    assert versions[1:] == [["Gîte des Lilas", JULY, "1", "Validée",
                             "20/08/2026 par Élodie Martin", "16,83 €", "—"]]
    theirs = table(as_agent.get(f"/admin/declarations/hebergeurs/{durand}").text,
                   "Chaque version de chaque déclaration, avec qui l'a validée")
    assert [row[2:4] + row[5:6] for row in theirs[1:]] == [
        ["2", "Validée", "9,68 €"], ["1", "Remplacée", "7,04 €"]]
    assert as_agent.get("/admin/declarations/hebergeurs/99999").status_code == 404


# --- on a host's behalf ------------------------------------------------------------------------


def journal_of(tenant, action: str) -> list[AuditEvent]:
    with db.tenant_context(tenant):
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                       .order_by(AuditEvent.id)))


def test_an_agent_enters_a_paper_register_with_a_reason(app, as_agent, imported):
    with db.tenant_context(imported):
        moulin = hebergement("Chambres du Moulin").id
    page = f"/admin/declarations/{moulin}/{JULY}"
    shown = as_agent.get(page)
    assert shown.status_code == 200 and "Ouvrir un brouillon pour l'hébergeur" in shown.text
    assert "Registre du logeur" not in shown.text     # reading creates nothing
    # No reason: refused, nothing created.
    refused = as_agent.post(f"{page}/ouvrir", {"reason": "  "}, page=page)
    assert refused.status_code == 302
    assert "Indiquez le motif : il est inscrit au journal." in messages(as_agent.get(page).text)
    with db.tenant_context(imported):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Declaration)) == 0
    assert journal_of(imported, "declaration.on_behalf") == []
    # With a reason: the draft, the reason kept on it and in the journal.
    opened = as_agent.post(f"{page}/ouvrir", {"reason": "Registre papier reçu le 18 août"},
                           page=page)
    assert opened.status_code == 302
    with db.tenant_context(imported):
        (draft,) = db.session.scalars(sa.select(Declaration)).all()
        assert (draft.status, draft.reason) == ("brouillon", "Registre papier reçu le 18 août")
    (event,) = journal_of(imported, "declaration.on_behalf")
    assert event.actor_kind == "agent" and event.actor_label == "agent@vallee-verte.fr"
    assert json.loads(event.details)["reason"] == "Registre papier reçu le 18 août"
    assert event.target == JULY
    # A stay, typed by the agent: 4 nights × 2 persons × 0,88 € = 7,04 €.
    added = as_agent.post(f"{page}/sejours", {
        "arrival": "2026-07-01", "departure": "2026-07-05", "persons": "2",
        "exempt_minors": "0", "exempt_seasonal": "0", "exempt_emergency": "0",
        "price_per_night": "", "channel": "direct", "platform": ""}, page=page)
    assert added.status_code == 302, added.text
    assert "Montant dû : 7,04 €" in text(as_agent.get(page).text)
    # Validating needs a reason too.
    without = as_agent.post(f"{page}/valider", {"reason": ""})
    assert without.status_code == 200 and "Indiquez le motif" in without.text
    with db.tenant_context(imported):
        assert db.session.scalar(sa.select(Declaration.status)) == "brouillon"
    outbox = mail.outbox(app)
    outbox.clear()
    done = as_agent.post(f"{page}/valider", {"reason": "Montants vérifiés avec l'hébergeur"})
    assert done.status_code == 302, done.text
    with db.tenant_context(imported):
        (declaration,) = db.session.scalars(sa.select(Declaration)).all()
        assert declaration.status == "validee" and str(declaration.amount) == "7.04"
        assert declaration.validated_by == "Bruno Agent"
        assert declaration.reason == ("Registre papier reçu le 18 août\n"
                                      "Montants vérifiés avec l'hébergeur")
    reasons = [json.loads(e.details)["reason"] for e in journal_of(imported,
                                                                    "declaration.on_behalf")]
    assert reasons == ["Registre papier reçu le 18 août", "Montants vérifiés avec l'hébergeur"]
    (validated,) = journal_of(imported, "declaration.validated")
    assert validated.actor_label == "agent@vallee-verte.fr"
    # The host receives the état récapitulatif all the same.
    (message,) = outbox
    assert message["To"] == "paul.durand@example.fr"
    after = text(as_agent.get(page).text)
    assert "validée le 20/08/2026 par Bruno Agent" in after


def test_an_agent_cannot_start_a_declaration_by_typing_a_stay(as_agent, imported):
    """The stay form has no motive: with no draft open, the agent is sent to open one first."""
    with db.tenant_context(imported):
        studio = hebergement("Studio du Pont").id
    page = f"/admin/declarations/{studio}/{JULY}"
    refused = as_agent.post(f"{page}/sejours", {
        "arrival": "2026-07-01", "departure": "2026-07-05", "persons": "2",
        "price_per_night": "50", "channel": "direct", "platform": ""}, page=page)
    assert refused.status_code == 400
    assert "Indiquez le motif de la saisie pour le compte de l'hébergeur" in text(refused.text)
    with db.tenant_context(imported):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Declaration)) == 0


def test_the_zero_nuitee_reason_is_not_the_agents_motive(as_agent, imported):
    """"0 nuitée" has its own `reason` (fermé, aucune location…): it is no motive for acting on
    the host's behalf. Without a draft opened with a motive, the agent is refused; with one,
    the motive on the draft and in the journal stays the agent's."""
    with db.tenant_context(imported):
        studio, gite = hebergement("Studio du Pont").id, hebergement("Gîte des Lilas").id
    page = f"/admin/declarations/{studio}/{JULY}"
    as_agent.post(f"{page}/zero", {"reason": "ferme"}, page=page)
    with db.tenant_context(imported):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Declaration)) == 0, \
            "a draft was opened on the host's behalf with « ferme » for a motive"
    assert journal_of(imported, "declaration.on_behalf") == []
    other = f"/admin/declarations/{gite}/{JULY}"
    as_agent.post(f"{other}/ouvrir", {"reason": "Appel de l'hébergeuse"}, page=other)
    assert as_agent.post(f"{other}/zero", {"reason": "aucune_location"},
                         page=other).status_code == 302
    with db.tenant_context(imported):
        (draft,) = db.session.scalars(sa.select(Declaration)).all()
        assert draft.zero_reason == "aucune_location"
        assert draft.reason == "Appel de l'hébergeuse"
    assert [json.loads(e.details)["reason"] for e in journal_of(
        imported, "declaration.on_behalf")] == ["Appel de l'hébergeuse"]


def test_an_agent_rectifies_only_with_a_reason(as_agent, july):
    with db.tenant_context(july):
        gite = hebergement("Gîte des Lilas").id
    page = f"/admin/declarations/{gite}/{JULY}"
    refused = as_agent.post(f"{page}/rectifier", {}, page=page)
    assert refused.status_code == 302
    assert "Indiquez le motif : il est inscrit au journal." in messages(as_agent.get(page).text)
    with db.tenant_context(july):
        assert [d.version for d in filing.versions(db.session, gite, JULY)] == [1]
    done = as_agent.post(f"{page}/rectifier",
                         {"reason": "Séjour oublié signalé par l'hébergeuse"}, page=page)
    assert done.status_code == 302
    with db.tenant_context(july):
        draft, first = filing.versions(db.session, gite, JULY)
        assert (draft.version, draft.status, draft.supersedes_id) == (2, "brouillon", first.id)
        assert draft.reason == "Séjour oublié signalé par l'hébergeuse"
        assert first.status == "validee" and len(draft.stays) == 2   # the stays copied
    (event,) = journal_of(july, "declaration.on_behalf")
    assert json.loads(event.details)["reason"] == "Séjour oublié signalé par l'hébergeuse"
    # The period page still counts the version in force until the rectification is validated.
    assert listed(period_page(as_agent))["Gîte des Lilas"] == "Déclarée"


# --- the reminders' settings ---------------------------------------------------------------------


def test_reminder_settings_are_for_administrators(app, tenant, as_admin, as_agent):
    page = as_admin.get("/admin/declarations/relances")
    assert page.status_code == 200 and "Relances des déclarations" in page.text
    assert "Régler les relances" in as_admin.get("/admin/declarations/").text
    saved = as_admin.post("/admin/declarations/relances", {
        "days_before": "3", "text_before": "Pensez à déclarer vos nuitées de juillet.",
        "days_after": "10", "text_after": "Votre déclaration manque toujours."})
    assert saved.status_code == 302
    assert "Les relances sont enregistrées." in messages(as_admin.get(saved.headers["Location"])
                                                         .text)
    with db.tenant_context(tenant):
        values = db.session.get(ReminderSettings, 1)
        assert (values.days_before, values.days_after) == (3, 10)
        assert values.text_before == "Pensez à déclarer vos nuitées de juillet."
        assert values.text_after == "Votre déclaration manque toujours."
    too_late = as_admin.post("/admin/declarations/relances", {
        "days_before": "90", "text_before": "", "days_after": "10", "text_after": ""})
    assert too_late.status_code == 200
    with db.tenant_context(tenant):
        assert db.session.get(ReminderSettings, 1).days_before == 3
    # A plain agent may neither see nor change them.
    assert as_agent.get("/admin/declarations/relances").status_code == 403
    assert "Régler les relances" not in as_agent.get("/admin/declarations/").text
    changed = as_agent.post("/admin/declarations/relances", {
        "days_before": "1", "text_before": "", "days_after": "1", "text_after": ""},
        page="/admin/declarations/")
    assert changed.status_code == 403
    with db.tenant_context(tenant):
        assert db.session.get(ReminderSettings, 1).days_before == 3


# --- periods out of the calendar -----------------------------------------------------------------


def test_a_period_out_of_the_calendar_is_not_found(as_agent, imported):
    with db.tenant_context(imported):
        gite = hebergement("Gîte des Lilas").id
    for path in ("/admin/declarations/?periode=2026-T3", "/admin/declarations/?periode=2026-13",
                 "/admin/declarations/?periode=juillet",
                 "/admin/declarations/export.csv?periode=2026-T3",
                 f"/admin/declarations/{gite}/2026-T3", f"/admin/declarations/{gite}/2026",
                 f"/admin/declarations/{gite}/2026-09",        # not begun
                 f"/admin/declarations/99999/{JULY}"):
        assert as_agent.get(path).status_code == 404, path
    assert as_agent.get(f"/admin/declarations/{gite}/{JULY}").status_code == 200


@pytest.mark.parametrize("today", [date(2026, 8, 10), date(2026, 8, 20)])
def test_the_period_page_and_the_export_say_the_same(july, today):
    """The console's page counts in SQL what `period_rows` (the export, the reminders, the
    host's period page) computes in Python: before the deadline and after, the same states,
    versions and amounts, hébergement by hébergement."""
    from tenants.declarations import follow

    with db.tenant_context(july):
        studio = hebergement("Studio du Pont")       # a draft
        cal = filing.calendar_of(db.session)
        desk.add(host_context(july, studio, "Élodie Martin"), studio, cal.period(JULY),
                 StayInput(date(2026, 7, 2), date(2026, 7, 4), 2,
                           price_per_night=Decimal("60.00")))
        early = hebergement("Camping de la Rivière")  # on the platform after July: not asked
        early.started_on = date(2026, 9, 1)
        db.session.flush()
        period = cal.period(JULY)
        python = follow.period_rows(db.session, period, cal, today)
        sql, count = follow.listing(db.session, period, cal, today, per_page=1000)
        assert count == len(python) == 3
        assert sql == python
        counts = follow.overview(db.session, period, cal, today).states
        assert {s: n for s, n in counts.items() if n} == {
            s: sum(1 for r in python if r.state is s) for s in {r.state for r in python}}
        db.session.rollback()
