"""`flask declarations remind [SLUG ...]`: reminder emails before and after a period's deadline,
with the delays and the text the collectivité set, to hosts who can log in and have something
left to declare; each host reminded at most once per period and kind, however often cron runs.

Months are due on the 15th of the next: July on 15 August. By default the reminder "avant"
goes from 5 days before the deadline, the reminder "apres" from 7 days after it."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from plateforme import mail, provisioning
from plateforme.database import db
from tenants.audit.journal import Actor, ActorKind
from tenants.audit.models import AuditEvent
from tenants.declarations import desk, filing, reminders
from tenants.declarations.computing import StayInput
from tenants.declarations.models import Reminder
from tenants.hosts.models import Hebergement, Host
from tests.conftest import create_tenant
from tests.tenants.conftest import activated
from tests.tenants.declarations.conftest import hebergement

MARTIN = "elodie.martin@example.fr"
DURAND = "paul.durand@example.fr"


def remind(app, *slugs):
    result = app.test_cli_runner().invoke(args=["declarations", "remind", *slugs])
    assert result.exit_code == 0, result.output
    return result.stdout


def body(message) -> str:
    return " ".join(message.get_body(("plain",)).get_content().split())


def html(message) -> str:
    return message.get_body(("html",)).get_content()


def sent(tenant) -> list[tuple[str, str, str]]:
    """The reminders recorded: (host's last name, period, kind)."""
    with db.tenant_context(tenant):
        return sorted(tuple(row) for row in db.session.execute(
            sa.select(Host.last_name, Reminder.period, Reminder.kind)
            .join(Host, Host.id == Reminder.host_id)).all())


def started(tenant, day: date) -> None:
    with db.tenant_context(tenant):
        for item in db.session.scalars(sa.select(Hebergement)):
            item.started_on = day
        db.session.commit()


def at(utc_clock, year, month, day) -> None:
    utc_clock[0] = datetime(year, month, day, 8, 0)     # 10 h in Paris


def declare_zero(tenant, name: str, key: str, today: date) -> None:
    """The host declares 0 nuitée for the period and validates (the product's functions)."""
    with db.tenant_context(tenant):
        item = hebergement(name)
        cal = filing.calendar_of(db.session)
        ctx = desk.Context(db.session, tenant.schema, cal,
                           Actor(ActorKind.HOST, item.host_id, "hôte"), "L'hébergeur", today)
        period = cal.period(key)
        desk.zero(ctx, item, period, "aucune_location")
        desk.validate(ctx, item, period)
        db.session.commit()


@pytest.fixture
def martin(imported):
    """Élodie Martin can log in; Paul Durand has an email but no account yet; Louis Petit has
    neither. Their hébergements are on the platform since 1 June 2026."""
    started(imported, date(2026, 6, 1))
    activated(imported)
    return imported


@pytest.fixture
def outbox(app):
    messages = mail.outbox(app)
    messages.clear()
    return messages


def test_a_late_host_is_reminded_once_per_period(app, martin, outbox, utc_clock):
    # 20 August: June (due 15 July) is a week and more late; July (due 15 August) not yet.
    assert remind(app, "vallee").strip() == "vallee : 1 relance(s) envoyée(s)."
    (message,) = outbox
    assert message["To"] == MARTIN
    assert message["Subject"] == "Vallée Verte : déclaration de taxe de séjour en retard"
    text = body(message)
    assert "Gîte des Lilas, juin 2026 : en retard (échéance le 15 juillet 2026)" in text
    assert "Studio du Pont, juin 2026 : en retard (échéance le 15 juillet 2026)" in text
    assert "juillet 2026 :" not in text
    assert reminders.DEFAULTS["apres"] in text                  # nothing set: the default text
    assert "http://vallee.taxesejour.test/declarations/" in text
    assert sent(martin) == [("Martin", "2026-06", "apres")]
    # Cron runs again the same day, and the next: nothing more for June.
    assert remind(app, "vallee").strip() == "vallee : 0 relance(s) envoyée(s)."
    at(utc_clock, 2026, 8, 21)
    remind(app, "vallee")
    assert len(outbox) == 1
    # 22 August: July is a week late too, reminded once, June is not repeated.
    at(utc_clock, 2026, 8, 22)
    remind(app, "vallee")
    remind(app, "vallee")
    assert len(outbox) == 2
    july = body(outbox[1])
    assert "juillet 2026 : en retard" in july and "juin 2026" not in july
    assert sent(martin) == [("Martin", "2026-06", "apres"), ("Martin", "2026-07", "apres")]
    with db.tenant_context(martin):
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "declaration.reminded")).all()
        assert [(e.target, e.actor_label) for e in events] == [
            (MARTIN, "flask declarations remind")] * 2


def test_nothing_to_a_host_whose_periods_are_declared(app, martin, outbox, utc_clock):
    activated(martin, "Durand", DURAND)
    at(utc_clock, 2026, 8, 22)
    for key in ("2026-06", "2026-07"):
        declare_zero(martin, "Chambres du Moulin", key, date(2026, 8, 22))
    declare_zero(martin, "Gîte des Lilas", "2026-06", date(2026, 8, 22))
    outbox.clear()                       # the états récapitulatifs sent on validation
    assert remind(app, "vallee").strip() == "vallee : 1 relance(s) envoyée(s)."
    (message,) = outbox
    assert message["To"] == MARTIN       # Durand declared everything; Petit has no account
    text = body(message)
    assert "Studio du Pont, juin 2026 : en retard" in text
    assert "Gîte des Lilas, juillet 2026 : en retard" in text
    assert "Gîte des Lilas, juin 2026" not in text               # declared
    assert {host for host, _period, _kind in sent(martin)} == {"Martin"}


def test_a_host_who_cannot_log_in_is_not_emailed(app, imported, outbox):
    """Paul Durand has an email from the import but never activated his account."""
    started(imported, date(2026, 6, 1))
    assert remind(app, "vallee").strip() == "vallee : 0 relance(s) envoyée(s)."
    assert outbox == [] and sent(imported) == []


def test_before_the_deadline_with_the_delay_and_text_set(app, martin, outbox, utc_clock):
    started(martin, date(2026, 7, 1))
    with db.tenant_context(martin):
        reminders.configure(db.session, {
            "days_before": 3, "text_before": "Le service taxe de séjour de la Vallée Verte vous "
                                             "rappelle l'échéance du 15.",
            "days_after": 7, "text_after": ""}, Actor(label="test"))
        gite = hebergement("Gîte des Lilas")
        cal = filing.calendar_of(db.session)
        ctx = desk.Context(db.session, martin.schema, cal,
                           Actor(ActorKind.HOST, gite.host_id, MARTIN), "Élodie Martin",
                           date(2026, 8, 11))
        desk.add(ctx, gite, cal.period("2026-07"),
                 StayInput(date(2026, 7, 10), date(2026, 7, 12), 2))    # a draft
        db.session.commit()
    at(utc_clock, 2026, 8, 11)           # 4 days before: not yet
    remind(app, "vallee")
    assert outbox == []
    at(utc_clock, 2026, 8, 12)           # 3 days before
    assert remind(app, "vallee").strip() == "vallee : 1 relance(s) envoyée(s)."
    (message,) = outbox
    assert message["Subject"] == ("Vallée Verte : votre déclaration de taxe de séjour arrive à "
                                  "échéance")
    text = body(message)
    assert "Le service taxe de séjour de la Vallée Verte vous rappelle l'échéance du 15." in text
    assert "Le service taxe de séjour de la Vallée Verte" in html(message)
    assert "Gîte des Lilas, juillet 2026 : brouillon (échéance le 15 août 2026)" in text
    assert "Studio du Pont, juillet 2026 : à déclarer (échéance le 15 août 2026)" in text
    assert sent(martin) == [("Martin", "2026-07", "avant")]
    for day in (13, 15, 16, 21):         # up to the deadline, and after it until the 7th day
        at(utc_clock, 2026, 8, day)
        remind(app, "vallee")
    assert len(outbox) == 1
    at(utc_clock, 2026, 8, 22)           # 7 days after: the other kind, once
    remind(app, "vallee")
    assert len(outbox) == 2
    assert outbox[1]["Subject"] == "Vallée Verte : déclaration de taxe de séjour en retard"
    assert reminders.DEFAULTS["apres"] in body(outbox[1])
    assert sent(martin) == [("Martin", "2026-07", "apres"), ("Martin", "2026-07", "avant")]


def test_declared_before_the_deadline_no_reminder(app, martin, outbox, utc_clock):
    started(martin, date(2026, 7, 1))
    at(utc_clock, 2026, 8, 5)
    for name in ("Gîte des Lilas", "Studio du Pont"):
        declare_zero(martin, name, "2026-07", date(2026, 8, 5))
    outbox.clear()
    for day in (12, 22):
        at(utc_clock, 2026, 8, day)
        remind(app, "vallee")
    assert outbox == [] and sent(martin) == []


def test_every_active_collectivite_without_a_slug(app, martin, outbox):
    from tenants.hosts import importing as hosts_import
    from tests.tenants.conftest import FIXTURES

    other = create_tenant(app, "autre", "Autre Vallée")
    with db.tenant_context(other):
        hosts_import.import_hosts(db.session, (FIXTURES / "hebergeurs.csv").read_bytes())
        db.session.commit()
    started(other, date(2026, 6, 1))
    activated(other)
    asleep = create_tenant(app, "endormie", "Vallée Endormie")
    with db.tenant_context(asleep):
        hosts_import.import_hosts(db.session, (FIXTURES / "hebergeurs.csv").read_bytes())
        db.session.commit()
    started(asleep, date(2026, 6, 1))
    activated(asleep)
    provisioning.set_status(db.session, "endormie", "suspended")
    db.session.commit()
    output = remind(app)
    assert "vallee : 1 relance(s) envoyée(s)." in output
    assert "autre : 1 relance(s) envoyée(s)." in output
    assert "endormie" not in output
    assert sorted(m["Subject"] for m in outbox) == [
        "Autre Vallée : déclaration de taxe de séjour en retard",
        "Vallée Verte : déclaration de taxe de séjour en retard"]
    assert sent(asleep) == [] and len(sent(other)) == 1
    # Naming one collectivité reminds that one only.
    assert remind(app, "endormie").strip() == "endormie : 1 relance(s) envoyée(s)."


def test_a_failed_email_is_not_recorded_and_is_retried(app, martin, outbox, monkeypatch):
    original = mail.send

    def down(message):
        raise mail.MailError("Envoi impossible : le serveur SMTP est injoignable.")

    monkeypatch.setattr(mail, "send", down)
    output = remind(app, "vallee")
    assert "0 relance(s) envoyée(s), 1 échec(s) d'envoi" in output
    assert sent(martin) == []
    monkeypatch.setattr(mail, "send", original)
    assert remind(app, "vallee").strip() == "vallee : 1 relance(s) envoyée(s)."
    assert len(outbox) == 1 and sent(martin) == [("Martin", "2026-06", "apres")]
