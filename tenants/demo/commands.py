"""`flask demo`: the demo collectivité, created or brought up to date, and the URL to open.

A second run keeps what the user did in the first (an activation, a password, an agent's
changes): it only adds what is missing, and says what it had to replace."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from plateforme import communes, migrate, provisioning, registry
from plateforme.cli import reports_errors
from plateforme.database import db
from plateforme.deployment import Platform
from plateforme.errors import UserError
from tenants.access import passwords
from tenants.access.rules import Role
from tenants.agents import accounts as agents
from tenants.audit import journal
from tenants.collectivite import settings
from tenants.core.dates import paris_today, utcnow
from tenants.core.keys import current_keys
from tenants.core.validation import parse_phone
from tenants.hosts import codes, importing
from tenants.hosts.models import Hebergement, Host
from tenants.payments import paying
from tenants.payments.models import PaymentSettings
from tenants.tax import deliberations
from tenants.tax import importing as delta_import

DEMO_SLUG = "communautesoragout"
DEMO_NAME = "Communauté Soragout"
DEMO_PHONE = "04 75 12 34 56"
DEMO_HOSTS = Path(__file__).with_name("hebergeurs.csv")
# A host already active, to try the dashboard at once (demo only: this password is public), and
# one to try « Activer mon compte » with, by their references in hebergeurs.csv.
DEMO_ACTIVE = "H002"  # Paul Durand
DEMO_LOGIN = "paul.durand@example.fr"  # his address in hebergeurs.csv
DEMO_PASSWORD = "démonstration de la taxe de séjour"  # noqa: S105 - public on purpose
DEMO_TO_ACTIVATE = "H001"  # Élodie Martin
DEMO_ADMIN = "admin@communautesoragout.example.fr"
# The demo's deliberation for 2026, in a small file of the DGFiP's DELTA format: the calculator
# works at once, through the same import as the national file.
DEMO_SIREN = "200070019"
DEMO_DELTA = Path(__file__).with_name("delta_2026.xml")
DEMO_DELTA_YEAR = 2026
DEMO_INSEE = "07901"  # SORAGOUT, in that file
# Real communes where the demo's hosts live (Aubenas, Villeneuve-de-Berg, Vallon-Pont-d'Arc):
# « Trouvez votre collectivité », on the platform's home page, finds the demo by them.
DEMO_COMMUNES = ("07019", "07341", "07330")


def ensure_demo(app) -> tuple[str, bool, bool]:
    """Create (or refresh) the demo collectivité; returns its URL, whether it was created now,
    and whether it had to be reopened (someone suspended it)."""
    config = app.config
    platform = Platform.from_config(config)
    migrate.upgrade_shared(db.state, config["SHARED_MIGRATIONS_DIR"])
    covered = [communes.commune(insee) for insee in DEMO_COMMUNES]
    collectivite, created = provisioning.create(
        db.state, db.session, platform, slug=DEMO_SLUG, name=DEMO_NAME,
        kind="communaute_de_communes", siren=DEMO_SIREN, communes=covered)
    reopened = collectivite.status == "suspended"
    if reopened:
        provisioning.set_status(db.session, DEMO_SLUG, "active")
    if collectivite.siren != DEMO_SIREN:  # a demo made before it had one
        collectivite.siren = DEMO_SIREN
        db.session.commit()
    if not communes.covered(db.session, collectivite):  # made before it covered any
        communes.set_covered(db.session, collectivite, covered)
        db.session.commit()
    report = migrate.migrate(db.state, db.session, shared_dir=config["SHARED_MIGRATIONS_DIR"],
                             tenant_dir=config["TENANT_MIGRATIONS_DIR"], slugs=[DEMO_SLUG],
                             workers=1)
    failed = [o for o in report.outcomes if o.status == "failed"]
    if failed:
        raise RuntimeError(failed[0].error)
    return platform.url(collectivite.primary_domain.host), created, reopened


def seed_hosts(app, tenant) -> list[str]:
    """Demo hosts (imported once), Paul Durand's account, and an activation code for Élodie
    Martin until she activates hers; returns the lines saying how to log in or activate."""
    with db.tenant_context(tenant):
        if db.session.scalar(sa.select(sa.func.count()).select_from(Host)) == 0:
            importing.import_hosts(db.session, DEMO_HOSTS.read_bytes())
            settings.get(db.session).support_phone = parse_phone(DEMO_PHONE)
            # On the platform since the January before last month, in the deliberation's first
            # commune: every month of that year is there to declare, one at least ended.
            last_month = paris_today().replace(day=1) - timedelta(days=1)
            for hebergement in db.session.scalars(sa.select(Hebergement)):
                hebergement.insee = DEMO_INSEE
                hebergement.started_on = date(last_month.year, 1, 1)
        lines = [*_activation(app, _host(DEMO_TO_ACTIVATE)), _login(_host(DEMO_ACTIVE))]
        db.session.commit()
    return lines


def _host(reference: str) -> Host:
    return db.session.scalars(sa.select(Host).where(Host.reference == reference)).one()


def _closed(host: Host) -> str | None:
    """A demo account an agent closed (or erased) in the console stays so."""
    if host.disabled_at is None:
        return None
    return (f"  L'hébergeur {host.reference} a été désactivé dans la console : il ne peut plus "
            "ni activer son compte ni se connecter")


def _activation(app, martin: Host) -> list[str]:
    """Her account as the user left it: once activated, it stays so. Otherwise a new code (the
    one printed before cannot be read back: only its digest is kept), and if it replaces a
    live one, the lines say so."""
    if closed := _closed(martin):
        return [closed]
    if martin.password_hash is not None:
        return [f"  Élodie Martin a déjà activé son compte : connectez-vous avec {martin.email} "
                "et le mot de passe choisi à l'activation"]
    previous = codes.live_code(db.session, martin)
    code = codes.issue_code(db.session, current_keys(), martin,
                            app.config["ACTIVATION_CODE_DAYS"])
    lines = [f"  Activer un compte (Élodie Martin) : « Activer mon compte », code d'activation "
             f"{code}",
             "    (la dernière étape envoie un courriel : son lien active le compte)"]
    if previous is not None:
        cancelled = (" et le lien de confirmation déjà envoyé ne fonctionnent"
                     if previous.pending_email else " ne fonctionne")
        lines.append(f"    Nouveau code : celui affiché auparavant{cancelled} plus.")
    return lines


def _login(durand: Host) -> str:
    """Paul Durand's login, made on the first run; a password chosen since is kept."""
    if closed := _closed(durand):
        return closed
    if durand.password_hash is None:
        durand.password_hash = passwords.hash_password(DEMO_PASSWORD)
        durand.legacy = False
        durand.activated_at = utcnow()
    if passwords.verify(durand.password_hash, DEMO_PASSWORD):
        return f"  Se connecter : {durand.email} / {DEMO_PASSWORD}"
    return (f"  Se connecter : {durand.email}, avec le mot de passe choisi depuis la première "
            "exécution (ou « Mot de passe oublié ? »)")


def load_deliberation(tenant) -> str:
    """The demo's 2026 deliberation, imported from its DELTA file once: a rerun would replace
    a version an agent made in the console."""
    with db.tenant_context(tenant):
        loaded = DEMO_DELTA_YEAR in deliberations.years(db.session)
        db.session.commit()
    if loaded:
        return "déjà chargée, conservée telle quelle"
    report = delta_import.import_file(DEMO_DELTA, [tenant], journal.Actor(label="flask demo"))
    return report.tenants[0].summary()


# The demo's régie: PayFiP in test mode, answered by the local simulator that ./scripts/demo
# starts (`flask payfip simulator`); an account for transfers (the Banque de France's example).
DEMO_PAYMENTS = {"payfip_numcli": "123456", "payfip_mode": "T",
                 "iban": "FR76 3000 1007 9412 3456 7890 185", "bic": "BDFEFRPPCCT",
                 "account_holder": "Régie de la taxe de séjour – Communauté Soragout",
                 "cheque_payee": "Régie de la taxe de séjour de la Communauté Soragout",
                 "cheque_address": "Communauté Soragout\nService taxe de séjour\n"
                                   "1 place de la Mairie\n07200 Soragout"}


def payment_settings(tenant) -> None:
    """The demo régie, set once (what an administrator changed afterwards is kept)."""
    with db.tenant_context(tenant):
        if db.session.get(PaymentSettings, 1) is None:
            paying.configure(db.session, DEMO_PAYMENTS, journal.Actor(label="flask demo"))
            db.session.commit()


def console_access(tenant) -> str:
    """The demo's console administrator: an invitation link while it has no password."""
    with db.tenant_context(tenant):
        admin = agents.by_email(db.session, DEMO_ADMIN)
        if admin is None:
            admin = agents.create(db.session, DEMO_ADMIN, "Administrateur de démonstration",
                                  Role.ADMINISTRATEUR)
            db.session.commit()
        if admin.password_hash is not None:
            return f"Console : {DEMO_ADMIN} (mot de passe et code choisis à l'invitation)"
        link = agents.invitation_link(current_keys(), admin)
        return f"Console : invitation de {DEMO_ADMIN} → {link}"


@click.command("demo")
@with_appcontext
@reports_errors
def demo_command():
    """Create or refresh the demo collectivité and print the URL to open."""
    if current_app.config["ENV_NAME"] == "production":
        raise UserError("La démonstration n'est pas disponible en production : son mot de "
                        "passe est public.")
    url, created, reopened = ensure_demo(current_app)
    tenant = registry.tenant_info(registry.require(db.session, DEMO_SLUG))
    db.session.commit()
    logins = seed_hosts(current_app, tenant)
    deliberation = load_deliberation(tenant)
    payment_settings(tenant)
    console = console_access(tenant)
    if created:
        click.echo(f"Collectivité de démonstration « {DEMO_NAME} » créée.")
    else:
        click.echo(f"Collectivité de démonstration « {DEMO_NAME} » déjà créée : ce que vous y "
                   "avez fait est conservé.")
    if reopened:
        click.echo("  Elle était suspendue : elle est rouverte.")
    for line in logins:
        click.echo(line)
    click.echo(f"  {console}")
    click.echo(f"  Délibération 2026 (fichier DELTA de démonstration) : {deliberation} ; "
               f"calculette : {url}calculette")
    click.echo("  Paiement en ligne : simulateur PayFiP local "
               f"({current_app.config['PAYFIP_PAYMENT_URL']}), lancé par ./scripts/demo ou "
               "par « flask payfip simulator »")
    if current_app.config["MAIL_BACKEND"] == "file":
        outbox = current_app.config["MAIL_OUTBOX_DIR"]
        click.echo(f"  Courriels envoyés (confirmation d'adresse, mot de passe oublié, états "
                   f"récapitulatifs, relances) : "
                   f"{outbox}")
    click.echo(f"Ouvrez {url}")
