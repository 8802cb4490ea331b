"""Activation: the postal code, the details, the credentials."""

import sqlalchemy as sa

from plateforme.database import db
from tenants.hosts import activation, codes
from tenants.hosts.models import ActivationCode, Host
from tests.tenants.conftest import (
    PASSWORD,
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
    done = client.post("/activation/identifiants",
                       {"email": "Elodie.Martin@Example.fr", "password": PASSWORD,
                        "confirm": PASSWORD}, follow_redirects=True)
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


def test_weak_password_or_taken_email_change_nothing(client, imported):
    from tests.tenants.conftest import activated

    activated(imported, "Petit", email="louis.petit@example.fr")
    code = issue(imported, "Martin")
    client.post("/activation/", {"code": code})
    weak = client.post("/activation/identifiants",
                       {"email": "e.martin@example.fr", "password": "azertyuiop12",
                        "confirm": "azertyuiop12"})
    assert any("trop courant" in m for m in messages(weak.text))
    taken = client.post("/activation/identifiants",
                        {"email": "louis.petit@example.fr", "password": PASSWORD,
                         "confirm": PASSWORD})
    assert any("déjà utilisée" in m for m in messages(taken.text))
    with db.tenant_context(imported):
        host = db.session.scalar(sa.select(Host).where(Host.last_name == "Martin"))
        assert host.password_hash is None and host.email is None
        assert codes.live_code(db.session, host) is not None
