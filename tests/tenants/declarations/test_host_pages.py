"""The host's declaration journey through the pages: the dashboard's panel, a month typed,
imported and validated, the état récapitulatif; and what another host can never see."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from plateforme import mail
from plateforme.database import db
from tenants.declarations import computing
from tenants.declarations.models import Declaration
from tenants.tax.models import Deliberation
from tests.plateforme.test_content import statements
from tests.tenants.conftest import messages
from tests.tenants.declarations.conftest import STAYS, hebergement
from tests.tenants.tax.test_calculator import correct_tariff

JULY = "2026-07"


@pytest.fixture
def gite(app, imported, logged_in):
    with db.tenant_context(imported):
        return hebergement("Gîte des Lilas").id


def page_of(gite_id, period=JULY):
    return f"/declarations/{gite_id}/{period}"


def stay(**values):
    data = {"arrival": "2026-07-10", "departure": "2026-07-13", "persons": "4",
            "exempt_minors": "1", "exempt_seasonal": "0", "exempt_emergency": "0",
            "price_per_night": "", "channel": "direct", "platform": ""}
    data.update(values)
    return data


def test_the_dashboard_lists_what_is_due_per_hebergement(logged_in, gite):
    page = logged_in.get("/tableau-de-bord").text
    assert 'id="mes-declarations"' in page
    assert "Gîte des Lilas" in page and "juillet 2026" in page
    assert "En retard" in page          # June: due on 15 July
    assert "À déclarer" in page         # July: due on 15 August... 20 August: late too
    listing = logged_in.get("/declarations/").text
    assert "Mes déclarations" in listing and "janvier 2026" in listing
    assert "août 2026" in listing       # the current month, to fill in as it goes
    assert "septembre 2026" not in listing


def test_a_month_typed_then_validated_is_locked_with_its_receipt(app, imported, logged_in,
                                                                gite):
    outbox = mail.outbox(app)
    outbox.clear()
    added = logged_in.post(f"{page_of(gite)}/sejours", stay(), page=page_of(gite))
    assert added.status_code == 302
    page = logged_in.get(page_of(gite)).text
    assert "10/07/2026" in page and "En retard" in page   # a draft, after the 15 August
    # 3 nights × (4 − 1) persons × (1,70 + 0,17) €
    assert "Montant dû : 16,83" in page.replace("\u00a0", " ")
    confirm = logged_in.get(f"{page_of(gite)}/valider").text
    assert "Nuitées taxables" in confirm and "16,83" in confirm.replace("\u00a0", " ")
    refused = logged_in.post(f"{page_of(gite)}/valider", {})
    assert refused.status_code == 200 and "certifier" in refused.text
    done = logged_in.post(f"{page_of(gite)}/valider", {"confirm": "y"})
    assert done.status_code == 302
    page = logged_in.get(page_of(gite)).text
    assert "Déclaration validée" in page and "D-2026-07-" in page
    with db.tenant_context(imported):
        (declaration,) = db.session.query(Declaration).all()
        assert declaration.status == "validee" and len(declaration.sha256) == 64
        assert str(declaration.amount) == "16.83"
        reference = declaration.reference
    # Locked: no line can be added any more.
    again = logged_in.post(f"{page_of(gite)}/sejours", stay(arrival="2026-07-20",
                                                            departure="2026-07-21"),
                           page=page_of(gite))
    assert again.status_code == 400
    assert "rectification" in " ".join(messages(again.text))
    # The receipt: downloadable, in "Mes documents", and emailed.
    pdf = logged_in.get(f"{page_of(gite)}/etat-recapitulatif-v1.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
                    .split())
    assert reference in text and "16,83" in text and "Gîte des Lilas" in text
    assert reference in logged_in.get("/documents").text
    (message,) = outbox
    assert message["To"] == "elodie.martin@example.fr" and reference in message["Subject"]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf.data


def test_the_page_reads_the_tariffs_from_memory_until_the_collectivite_corrects_them(
        imported, logged_in, gite):
    """Every stay added shows the page again: its amounts come from the deliberation kept in
    memory with the collectivité's content, not read again from the database (nor the
    register twice), and a corrected deliberation (a new version) shows on the next page."""
    logged_in.post(f"{page_of(gite)}/sejours", stay(), page=page_of(gite))
    logged_in.get(page_of(gite))
    with statements() as seen:
        page = logged_in.get(page_of(gite)).text
    assert "Montant dû : 16,83" in page.replace("\u00a0", " ")   # 3 nights × 3 × (1,70 + 0,17)
    assert not [s for s in seen if "tax_" in s]
    # The register, one page long, is read once for the table and the amounts (and the stays
    # carried from June once): no count, no second reading.
    assert len([s for s in seen if "declaration_stays" in s]) == 2
    assert not [s for s in seen if "count(" in s.lower()]

    with db.tenant_context(imported):
        chosen = computing.resolve(db.session, hebergement("Gîte des Lilas"), 2026)
        row = db.session.get(Deliberation, chosen.deliberation.id)
        correct_tariff(db.session, row, Decimal("1.70"), Decimal("1.50"))
    page = logged_in.get(page_of(gite)).text
    assert "Montant dû : 14,85" in page.replace("\u00a0", " ")   # 3 nights × 3 × (1,50 + 0,15)


def test_a_rectification_supersedes_and_shows_the_difference(imported, logged_in, gite):
    logged_in.post(f"{page_of(gite)}/sejours", stay(), page=page_of(gite))
    logged_in.post(f"{page_of(gite)}/valider", {"confirm": "y"})
    assert logged_in.post(f"{page_of(gite)}/rectifier", {}, page=page_of(gite)).status_code \
        == 302
    logged_in.post(f"{page_of(gite)}/sejours", stay(arrival="2026-07-20",
                                                    departure="2026-07-22", exempt_minors="0"),
                   page=page_of(gite))
    confirm = logged_in.get(f"{page_of(gite)}/valider").text.replace("\u00a0", " ")
    # 16,83 + 2 nights × 4 persons × 1,87 = 31,79: 14,96 € more.
    assert "31,79" in confirm and "14,96 € de plus à reverser" in confirm
    logged_in.post(f"{page_of(gite)}/valider", {"confirm": "y"})
    with db.tenant_context(imported):
        rows = db.session.query(Declaration).order_by(Declaration.version).all()
        assert [(r.version, r.status, str(r.amount)) for r in rows] == [
            (1, "remplacee", "16.83"), (2, "validee", "31.79")]
        assert rows[1].supersedes_id == rows[0].id
    page = logged_in.get(page_of(gite)).text
    assert "Rectifiée" in page and "Historique des versions" in page


def test_zero_nuitee_with_its_reason(imported, logged_in, gite):
    response = logged_in.post(f"{page_of(gite)}/zero", {"reason": "aucune_location"},
                              page=page_of(gite))
    assert response.status_code == 302
    logged_in.post(f"{page_of(gite)}/valider", {"confirm": "y"})
    with db.tenant_context(imported):
        (row,) = db.session.query(Declaration).all()
        assert (row.status, row.zero_reason, str(row.amount)) == ("validee", "aucune_location",
                                                                  "0.00")


def test_a_register_csv_is_previewed_then_imported(imported, logged_in, gite):
    data = (STAYS / "registre.csv").read_bytes()
    preview = logged_in.post(f"{page_of(gite)}/import",
                             {"file": (io.BytesIO(data), "registre.csv")},
                             page=page_of(gite), content_type="multipart/form-data")
    assert preview.status_code == 200, preview.text
    assert "registre du logeur" in preview.text and "Importer ces séjours" in preview.text
    with db.tenant_context(imported):
        assert db.session.query(Declaration).count() == 0   # nothing saved before confirming
    confirmed = logged_in.post(f"{page_of(gite)}/import/confirmer", dict(_hidden(preview.text)),
                               csrf=False)
    assert confirmed.status_code == 302
    with db.tenant_context(imported):
        (draft,) = db.session.query(Declaration).all()
        assert draft.status == "brouillon" and draft.stays


def test_an_altered_file_is_refused_at_confirmation(imported, logged_in, gite):
    data = (STAYS / "registre.csv").read_bytes()
    preview = logged_in.post(f"{page_of(gite)}/import",
                             {"file": (io.BytesIO(data), "registre.csv")},
                             page=page_of(gite), content_type="multipart/form-data")
    form = dict(_hidden(preview.text))
    form["content"] = form["content"][:-4] + "AAA="
    assert logged_in.post(f"{page_of(gite)}/import/confirmer", form, csrf=False).status_code \
        == 400


def test_a_file_with_errors_imports_nothing_and_names_the_lines(imported, logged_in, gite):
    bad = (b"arrivee;depart;personnes;exoneres_mineurs;exoneres_saisonniers;exoneres_urgence;"
           b"prix_nuit_ht;canal;plateforme\n10/07/2026;08/07/2026;2;0;0;0;;direct;\n"
           b"12/07/2026;14/07/2026;deux;0;0;0;;direct;\n")
    response = logged_in.post(f"{page_of(gite)}/import",
                              {"file": (io.BytesIO(bad), "registre.csv")},
                              page=page_of(gite), content_type="multipart/form-data")
    assert response.status_code == 302
    shown = " ".join(messages(logged_in.get(page_of(gite)).text))
    assert "ligne 2" in shown and "ligne 3" in shown
    with db.tenant_context(imported):
        assert db.session.query(Declaration).count() == 0


def test_another_hosts_declaration_is_not_found(app, imported, logged_in):
    with db.tenant_context(imported):
        theirs = hebergement("Chambres du Moulin").id
    for path in (page_of(theirs), f"{page_of(theirs)}/valider",
                 f"{page_of(theirs)}/etat-recapitulatif-v1.pdf"):
        assert logged_in.get(path).status_code == 404, path
    response = logged_in.post(f"{page_of(theirs)}/sejours", stay(), page="/declarations/")
    assert response.status_code == 404


def test_future_periods_and_periods_before_the_start_are_not_asked(imported, logged_in, gite):
    assert logged_in.get(page_of(gite, "2026-09")).status_code == 404
    assert logged_in.get(page_of(gite, "2025-12")).status_code == 404
    assert logged_in.get(page_of(gite, "2026-T3")).status_code == 404  # not the calendar's
    assert logged_in.get(page_of(gite, "2026-08")).status_code == 200


def test_the_current_period_cannot_be_validated_yet(imported, logged_in, gite):
    august = page_of(gite, "2026-08")
    logged_in.post(f"{august}/sejours", stay(arrival="2026-08-01", departure="2026-08-03"),
                   page=august)
    response = logged_in.post(f"{august}/valider", {"confirm": "y"})
    assert "1er septembre 2026" in response.text


def test_all_hebergements_of_a_period_at_once(imported, logged_in, gite):
    with db.tenant_context(imported):
        studio = hebergement("Studio du Pont").id
    response = logged_in.post("/declarations/periode/2026-06", {
        "hebergement": [str(gite), str(studio)], "action": "zero", "reason": "ferme",
        "confirm": "y"})
    assert response.status_code == 302, messages(response.text)
    with db.tenant_context(imported):
        rows = db.session.query(Declaration).all()
        assert {(r.hebergement_id, r.status, r.zero_reason) for r in rows} == {
            (gite, "validee", "ferme"), (studio, "validee", "ferme")}


def _hidden(html):
    import re
    from html import unescape

    for tag in re.findall(r'<input[^>]*type="hidden"[^>]*>', html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name:
            yield name.group(1), unescape(value.group(1) if value else "")


def _import(client, gite, name, collected=None):
    data = (STAYS / name).read_bytes()
    preview = client.post(f"{page_of(gite)}/import", {"file": (io.BytesIO(data), name)},
                          page=page_of(gite), content_type="multipart/form-data")
    assert preview.status_code == 200, messages(client.get(page_of(gite)).text)
    form = dict(_hidden(preview.text))
    if collected is not None:
        form["collecte-Airbnb"] = collected
    return preview, client.post(f"{page_of(gite)}/import/confirmer", form, csrf=False)


def test_an_airbnb_export_keeps_the_platforms_collection_once_confirmed(imported, logged_in,
                                                                         gite):
    preview, confirmed = _import(logged_in, gite, "airbnb_reservations_fr.csv", "oui")
    assert "Airbnb a-t-elle collecté la taxe de séjour" in preview.text
    assert "annulée" in preview.text                     # the cancelled one, skipped
    assert confirmed.status_code == 302
    shown = " ".join(messages(logged_in.get(page_of(gite)).text))
    assert "1 séjour(s) importé(s)" in shown and "hors de la période" in shown
    with db.tenant_context(imported):
        (draft,) = db.session.query(Declaration).all()
        (stay,) = draft.stays
        assert (stay.arrival.isoformat(), stay.persons, stay.exempt_minors, stay.channel,
                stay.platform, stay.external_id) == ("2026-07-18", 5, 3, "plateforme",
                                                     "Airbnb", "HMFR000003")
        assert (draft.platform_nights, str(draft.amount)) == (35, "0.00")


def test_an_airbnb_stay_the_host_says_was_not_collected_is_taxed_here(imported, logged_in,
                                                                       gite):
    _preview, confirmed = _import(logged_in, gite, "airbnb_reservations_fr.csv", "non")
    assert confirmed.status_code == 302
    with db.tenant_context(imported):
        (draft,) = db.session.query(Declaration).all()
        assert draft.stays[0].channel == "direct"
        # 7 nights × (5 persons − 3 minors) × 1,87 €
        assert (draft.taxable_nights, str(draft.amount)) == (14, "26.18")


def test_several_at_once_is_all_or_nothing_and_emails_nothing_refused(app, imported,
                                                                      logged_in, gite):
    with db.tenant_context(imported):
        studio = hebergement("Studio du Pont").id
    june = page_of(studio, "2026-06")
    # An unclassified stay without its price: the engine cannot compute it.
    logged_in.post(f"{june}/sejours", stay(arrival="2026-06-10", departure="2026-06-12"),
                   page=june)
    outbox = mail.outbox(app)
    outbox.clear()
    response = logged_in.post("/declarations/periode/2026-06", {
        "hebergement": [str(gite), str(studio)], "action": "valider", "reason": "ferme",
        "confirm": "y"})
    assert response.status_code == 200
    text = " ".join(messages(response.text))
    assert "Rien n'a été validé" in text and "Studio du Pont" in text and "prix" in text
    with db.tenant_context(imported):
        assert {r.status for r in db.session.query(Declaration).all()} == {"brouillon"}
    assert outbox == []


def test_a_long_register_is_shown_a_hundred_lines_at_a_time(imported, logged_in, gite):
    header = ("arrivee;depart;personnes;exoneres_mineurs;exoneres_saisonniers;"
              "exoneres_urgence;prix_nuit_ht;canal;plateforme\n")
    lines = "".join(f"{day:02d}/07/2026;{day + 1:02d}/07/2026;2;0;0;0;;direct;\n"
                    for day in range(1, 31) for _ in range(5))     # 150 one-night stays
    data = (header + lines).encode()
    preview = logged_in.post(f"{page_of(gite)}/import",
                             {"file": (io.BytesIO(data), "registre.csv")},
                             page=page_of(gite), content_type="multipart/form-data")
    logged_in.post(f"{page_of(gite)}/import/confirmer", dict(_hidden(preview.text)), csrf=False)
    first = logged_in.get(page_of(gite)).text
    assert "Séjours arrivés pendant la période (150), page 1 sur 2" in first
    assert first.count("Modifier<span") == 100 and "Séjours suivants" in first
    second = logged_in.get(f"{page_of(gite)}?page=2").text
    assert second.count("Modifier<span") == 50 and "Séjours précédents" in second
    assert "Nuitées taxables : 300" in second   # the totals count every line


def test_the_same_export_imported_twice_is_not_counted_twice(imported, logged_in, gite):
    _import(logged_in, gite, "airbnb_reservations_fr.csv", "non")
    _preview, again = _import(logged_in, gite, "airbnb_reservations_fr.csv", "non")
    assert again.status_code == 302
    assert any("1 déjà importé(s) : remplacé(s)" in m
               for m in messages(logged_in.get(page_of(gite)).text))
    with db.tenant_context(imported):
        (draft,) = db.session.query(Declaration).all()
        assert len(draft.stays) == 1 and str(draft.amount) == "26.18"
