"""Activation: the postal code, the details, the credentials."""

import re
from html import unescape

import sqlalchemy as sa

from plateforme import mail
from plateforme.database import db
from tenants.hosts import activation, codes
from tenants.hosts.models import ActivationCode, Host
from tests.tenants.conftest import (
    PASSWORD,
    Client,
    host_by_name,
    issue,
    keys_for,
    messages,
)


def test_the_whole_activation_then_login(client, imported):
    code = issue(imported, "Martin")
    page = client.get("/activation/")
    assert "Code d&#39;activation" in page.text or "Code d'activation" in page.text
    step2 = client.post("/activation/", {"code": code.lower().replace("-", " ")},
                        follow_redirects=True)
    assert "Veuillez vérifier vos informations de compte et vos informations d&#39;hébergement" \
        in step2.text or "Veuillez vérifier vos informations de compte" in step2.text
    assert "Gîte des Lilas" in step2.text and "Studio du Pont" in step2.text
    with db.tenant_context(imported):
        ids = [h.id for h in host_by_name("Martin").hebergements]
    details = {
        "civility": "Mme", "last_name": "Martin", "first_name": "Élodie",
        "address": "14 rue des Lilas", "postal_code": "07200", "city": "Aubenas",
        "phone": "06 12 34 56 78",
        "hebergements-0-id": ids[0], "hebergements-0-name": "Gîte des Lilas",
        "hebergements-0-address": "12 rue des Lilas", "hebergements-0-postal_code": "07200",
        "hebergements-0-city": "Aubenas", "hebergements-0-nature": "meuble",
        "hebergements-0-classement": "4", "hebergements-0-capacity": "6",
        "hebergements-1-id": ids[1], "hebergements-1-name": "Studio du Pont",
        "hebergements-1-address": "4 place du Pont", "hebergements-1-postal_code": "07200",
        "hebergements-1-city": "Aubenas", "hebergements-1-nature": "meuble",
        "hebergements-1-classement": "non_classe", "hebergements-1-capacity": "2",
    }
    step3 = client.post("/activation/informations", details, follow_redirects=True)
    assert "Identifiant (Courriel)" in step3.text
    sent = client.post("/activation/identifiants",
                       {"email": "Elodie.Martin@Example.fr", "password": PASSWORD,
                        "confirm": PASSWORD}, follow_redirects=True)
    assert "Plus qu'une étape" in unescape(sent.text) and "elodie.martin@example.fr" in sent.text
    with db.tenant_context(imported):
        assert host_by_name("Martin").activated_at is None   # not before the link is opened
    done = confirm(client, last_link(client.app, "elodie.martin@example.fr"))
    assert "Votre compte est activé" in done.text
    with db.tenant_context(imported):
        host = host_by_name("Martin")
        assert host.email == "elodie.martin@example.fr"
        assert host.address == "14 rue des Lilas" and host.phone == "+33612345678"
        assert host.hebergements[0].classement == "4"
        assert host.activated_at is not None
    assert client.login("elodie.martin@example.fr").headers["Location"].endswith("/tableau-de-bord")


def test_codes_are_stored_hashed_and_are_single_use(client, imported):
    code = issue(imported, "Martin")
    with db.tenant_context(imported):
        stored = db.session.scalars(sa.select(ActivationCode.code_digest)).all()
    normalised = codes.normalise_code(code)
    assert all(normalised not in s and code not in s for s in stored)
    with db.tenant_context(imported):
        _state, found = activation.check_code(
            db.session, keys_for(imported), code)
        activation.activate(
            db.session, found, "e@example.fr", PASSWORD, "Vallée Verte")
        db.session.commit()
    again = client.post("/activation/", {"code": code})
    assert any("déjà été utilisé" in m for m in messages(again.text))
    assert "04 75 12 34 56" in again.text  # the support number with the message


def test_unknown_expired_and_replaced_codes_get_clear_messages(client, imported):
    unknown = client.post("/activation/", {"code": "AAAA-BBBB-CCCC"})
    assert any("pas reconnu" in m for m in messages(unknown.text))
    assert "04 75 12 34 56" in unknown.text
    old = issue(imported, "Martin")
    issue(imported, "Martin")
    replaced = client.post("/activation/", {"code": old})
    assert any("remplacé par un code plus récent" in m for m in messages(replaced.text))
    expired = issue(imported, "Petit", days=0)
    gone = client.post("/activation/", {"code": expired})
    assert any("a expiré" in m for m in messages(gone.text))


def test_code_attempts_are_rate_limited(client, imported):
    statuses = [client.post("/activation/", {"code": f"AAAA-BBBB-{i:04d}"}).status_code
                for i in range(12)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    assert "Trop de tentatives" in client.post("/activation/", {"code": "X"}).text


def test_later_steps_need_a_code_first(client, imported):
    assert client.get("/activation/informations").headers["Location"].endswith("/activation/")
    assert client.get("/activation/identifiants").headers["Location"].endswith("/activation/")


def test_a_weak_password_is_refused_and_nothing_changes(client, imported):
    code = issue(imported, "Martin")
    client.post("/activation/", {"code": code})
    weak = client.post("/activation/identifiants",
                       {"email": "e.martin@example.fr", "password": "azertyuiop12",
                        "confirm": "azertyuiop12"})
    assert weak.status_code == 200 and "trop courant" in unescape(weak.text)
    assert mail.outbox(client.app) == []


def test_a_taken_address_is_not_revealed_its_owner_is_told_by_email(client, imported):
    """Issue 12, finding 6: with any valid letter code, step 3 said "déjà utilisée par un autre
    compte", so one could test addresses. Now the page is the same for a taken address as for
    a free one; the owner of the taken one gets an email, and nothing changes."""
    from tests.tenants.conftest import activated

    activated(imported, "Petit", email="louis.petit@example.fr")
    mail.outbox(client.app).clear()
    code = issue(imported, "Martin")
    client.post("/activation/", {"code": code})
    pages = {}
    for address in ("louis.petit@example.fr", "personne.ici@example.fr"):
        response = client.post("/activation/identifiants",
                               {"email": address, "password": PASSWORD, "confirm": PASSWORD},
                               follow_redirects=True)
        assert response.status_code == 200
        pages[address] = re.sub(r'value="[^"]+"', "", response.text.replace(address, "…"))
    assert pages["louis.petit@example.fr"] == pages["personne.ici@example.fr"]
    assert "déjà utilisée" not in unescape(pages["louis.petit@example.fr"])

    told, invited = mail.outbox(client.app)
    assert told["To"] == "louis.petit@example.fr"
    assert "déjà l'identifiant d'un compte" in told.get_body(("plain",)).get_content()
    assert "/activation/confirmer/" not in told.get_body(("plain",)).get_content()
    assert invited["To"] == "personne.ici@example.fr"
    with db.tenant_context(imported):
        host = db.session.scalar(sa.select(Host).where(Host.last_name == "Martin"))
        assert host.password_hash is None and host.email is None
        assert codes.live_code(db.session, host) is not None


def test_the_link_activates_once_and_only_the_latest_one_works(client, imported):
    code = issue(imported, "Martin")
    client.post("/activation/", {"code": code})
    for address in ("premiere@example.fr", "seconde@example.fr"):
        client.post("/activation/identifiants",
                    {"email": address, "password": PASSWORD, "confirm": PASSWORD})
    older, latest = last_link(client.app, "premiere@example.fr"), \
        last_link(client.app, "seconde@example.fr")
    stranger = Client(client.app, client.host)     # the link works in any browser
    assert stranger.get(older).status_code == 302
    assert stranger.get("/activation/confirmation").status_code == 400
    assert confirm(stranger, latest).status_code == 200
    with db.tenant_context(imported):
        assert host_by_name("Martin").email == "seconde@example.fr"
    stranger.get(latest)
    assert stranger.get("/activation/confirmation").status_code == 400     # once
    assert stranger.login("seconde@example.fr").status_code == 302


def test_the_link_expires_after_a_day_and_is_refused_by_another_collectivite(
        app, client, imported, make_tenant, monkeypatch):
    import time as clock

    code = issue(imported, "Martin")
    client.post("/activation/", {"code": code})
    client.post("/activation/identifiants",
                {"email": "elodie@example.fr", "password": PASSWORD, "confirm": PASSWORD})
    link = last_link(app, "elodie@example.fr")
    make_tenant("pays-bleu", "Pays Bleu")
    elsewhere = Client(app, "pays-bleu.taxesejour.test")
    elsewhere.get(link)
    assert elsewhere.get("/activation/confirmation").status_code == 400
    later = clock.time() + activation.CONFIRM_HOURS * 3600 + 60
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    client.get(link)
    assert client.get("/activation/confirmation").status_code == 400


def test_an_address_taken_between_the_email_and_the_click_is_refused(client, imported):
    from tests.tenants.conftest import activated

    code = issue(imported, "Martin")
    client.post("/activation/", {"code": code})
    client.post("/activation/identifiants",
                {"email": "louis.petit@example.fr", "password": PASSWORD, "confirm": PASSWORD})
    link = last_link(client.app, "louis.petit@example.fr")
    activated(imported, "Petit", email="louis.petit@example.fr")
    refused = confirm(client, link)
    assert any("ne peut plus servir" in m for m in messages(refused.text))
    with db.tenant_context(imported):
        assert host_by_name("Martin").activated_at is None


def last_link(app, to: str) -> str:
    """The path of the latest confirmation link emailed to `to`."""
    message = [m for m in mail.outbox(app) if m["To"] == to][-1]
    url = re.search(r"https?://\S+/activation/confirmer/\S+", message.get_body(
        ("plain",)).get_content()).group(0)
    return url[url.index("/activation/"):]


def confirm(client, link):
    client.get(link)
    return client.post("/activation/confirmation", page="/activation/confirmation",
                       follow_redirects=True)


def test_every_password_error_shows_at_once(client, imported):
    code = issue(imported, "Martin")
    client.post("/activation/", {"code": code})
    page = client.post("/activation/identifiants",
                       {"email": "e.martin@example.fr", "password": "motdepasse",
                        "confirm": "motdepasse2"})
    text = unescape(page.text)
    assert "Le mot de passe doit contenir au moins 12 caractères." in text
    assert "Les deux mots de passe diffèrent." in text
    assert "Le formulaire contient 2 erreur(s)" in text
    common = unescape(client.post("/activation/identifiants",
                                  {"email": "pas une adresse", "password": "azertyuiop12",
                                   "confirm": "azertyuiop13"}).text)
    for reason in ("trop courant", "Les deux mots de passe diffèrent",
                   "Saisissez une adresse électronique valide"):
        assert reason in common, reason
    assert mail.outbox(client.app) == []


def test_step_2_goes_back_to_step_1_and_forgets_the_code(client, imported):
    code = issue(imported, "Martin")
    client.post("/activation/", {"code": code})
    details = unescape(client.get("/activation/informations").text)
    assert 'action="/activation/retour"' in details
    assert "Revenir à l'étape précédente" in details
    back = client.post("/activation/retour", page="/activation/informations")
    assert back.status_code == 302 and back.headers["Location"].endswith("/activation/")
    # The browser no longer holds the code: steps 2 and 3 need it typed again.
    assert client.get("/activation/informations").headers["Location"].endswith("/activation/")
    assert client.get("/activation/identifiants").headers["Location"].endswith("/activation/")
    assert client.post("/activation/retour", csrf=False).status_code == 400
    client.post("/activation/", {"code": code})
    assert client.get("/activation/informations").status_code == 200
    step3 = unescape(client.get("/activation/identifiants").text)
    assert '<a href="/activation/informations">Revenir à l\'étape précédente</a>' in step3


def test_after_activation_the_login_page_offers_the_address_from_the_session(client,
                                                                             imported):
    code = issue(imported, "Martin")
    client.post("/activation/", {"code": code})
    client.post("/activation/identifiants",
                {"email": "Elodie@Example.fr", "password": PASSWORD, "confirm": PASSWORD})
    client.get(last_link(client.app, "elodie@example.fr"))
    done = client.post("/activation/confirmation", page="/activation/confirmation")
    assert done.headers["Location"] == "/"  # nothing of the address in the URL
    login = client.get("/").text
    assert re.search(r'<input[^>]*name="email"[^>]*value="elodie@example.fr"', login) or \
        re.search(r'<input[^>]*value="elodie@example.fr"[^>]*name="email"', login)
    assert 'value="elodie@example.fr"' not in client.get("/").text  # offered once


def _sent_page(client, imported):
    code = issue(imported, "Martin")
    client.post("/activation/", {"code": code})
    return client.post("/activation/identifiants",
                       {"email": "elodie@example.fr", "password": PASSWORD,
                        "confirm": PASSWORD}, follow_redirects=True)


def test_the_development_outbox_link_is_absent_outside_development(client, imported, app,
                                                                   monkeypatch, tmp_path):
    page = _sent_page(client, imported)
    assert "Plus qu'une étape" in unescape(page.text)
    assert "Développement uniquement" not in unescape(page.text)
    assert "/activation/confirmer/" not in page.text
    # Even with emails written as files, production (or tests) never show it.
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "file")
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path))
    for env in ("production", "test"):
        monkeypatch.setitem(app.config, "ENV_NAME", env)
        assert "Développement uniquement" not in unescape(client.get(
            "/activation/courriel-envoye").text)


def test_in_development_the_page_links_the_emailed_confirmation(client, imported, app,
                                                                 monkeypatch, tmp_path):
    state = app.extensions[mail.EXTENSION_KEY]
    monkeypatch.setattr(state, "backend", "file")
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "file")
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "ENV_NAME", "development")
    page = unescape(_sent_page(client, imported).text)
    assert "Développement uniquement" in page and str(tmp_path) in page
    link = re.search(r'href="(https?://[^"]+/activation/confirmer/[^"]+)"', page).group(1)
    written = list(tmp_path.glob("*.eml"))
    assert len(written) == 1 and link in written[0].read_text(encoding="utf-8")
    assert "Votre compte est activé" in confirm(client, link[link.index("/activation/"):]).text
