"""The job queue: tasks handed over only once their transaction commits, run inline in the demo
and the tests, queued on a real Redis in production with retries, kept (never lost) when Redis
is away or when the last try fails, and released again from there."""

from __future__ import annotations

import time
from datetime import date

import pytest
import sqlalchemy as sa

from plateforme import jobs, mail
from plateforme.database import db
from plateforme.mail import Email

CALLS: list[tuple] = []
FAILURES = {"left": 0}


@jobs.task("test.note", "Tâche de test")
def _note(value: str) -> None:
    if FAILURES["left"] > 0:
        FAILURES["left"] -= 1
        raise RuntimeError("le service d'en face ne répond pas")
    CALLS.append(("note", value))


@jobs.task("test.tenant_note", "Tâche de test d'une collectivité")
def _tenant_note(value: str) -> None:
    from plateforme.tenancy import current_tenant

    CALLS.append((current_tenant().slug, value))


@pytest.fixture(autouse=True)
def _fresh():
    CALLS.clear()
    FAILURES["left"] = 0
    yield
    CALLS.clear()
    FAILURES["left"] = 0


def message(to="hote@example.fr") -> Email:
    return Email(to=to, subject="Objet", text="Texte\n")


# --- inline: the demo and the tests ---------------------------------------------------------


def test_a_deferred_task_runs_once_its_transaction_commits_and_never_after_a_rollback(app):
    session = db.session
    jobs.defer(session, "test.note", value="validée")
    assert CALLS == []
    session.commit()
    assert CALLS == [("note", "validée")]

    jobs.defer(session, "test.note", value="annulée")
    session.rollback()
    session.commit()
    assert CALLS == [("note", "validée")]


def test_a_task_deferred_in_a_collectivite_runs_bound_to_it(app, make_tenant):
    tenant = make_tenant("vallee", "Vallée Verte")
    with db.tenant_context(tenant):
        jobs.defer(db.session, "test.tenant_note", value="x")
        db.session.commit()
    assert CALLS == [("vallee", "x")]


def test_a_task_of_a_collectivite_being_moved_waits_for_the_move(app, make_tenant):
    from plateforme import registry

    make_tenant("vallee", "Vallée Verte")
    registry.require(db.session, "vallee").moving_to = "second"
    db.session.commit()
    with pytest.raises(RuntimeError, match="en cours de déplacement"):
        jobs.perform("test.tenant_note", "vallee", {"value": "x"})
    assert CALLS == []
    registry.require(db.session, "vallee").moving_to = None
    db.session.commit()
    jobs.perform("test.tenant_note", "vallee", {"value": "x"})
    assert CALLS == [("vallee", "x")]


def test_an_email_after_commit_goes_through_the_queue_and_a_failure_is_kept_not_raised(
        app, monkeypatch):
    mail.send_after_commit(db.session, message())
    db.session.commit()
    assert [m["To"] for m in mail.outbox(app)] == ["hote@example.fr"]

    def down(_message):
        raise mail.MailError("Le serveur SMTP est injoignable.")

    monkeypatch.setattr(mail, "send", down)
    mail.send_after_commit(db.session, message("autre@example.fr"))
    db.session.commit()   # the action that saved is not failed by the email
    (kept,) = jobs.held()
    assert (kept.name, kept.state) == ("mail.deliver", jobs.FAILED)
    assert "injoignable" in kept.error

    monkeypatch.undo()
    assert jobs.release(kept.id)
    assert [m["To"] for m in mail.outbox(app)][-1] == "autre@example.fr"
    assert jobs.held() == []


def test_an_unknown_task_is_refused_when_asked_for_not_when_run(app):
    with pytest.raises(KeyError):
        jobs.defer(db.session, "test.nothing")


def test_tick_queues_each_daily_task_once_a_day_for_each_active_collectivite(
        app, make_tenant, monkeypatch):
    ran = []
    monkeypatch.setattr(jobs, "DAILY", dict(jobs.DAILY))   # the test's task forgotten after it
    monkeypatch.setattr(jobs, "TASKS", dict(jobs.TASKS))
    jobs.daily("test.daily", "Quotidienne de test")(lambda tenant: ran.append(tenant.slug))
    make_tenant("vallee", "Vallée Verte")
    make_tenant("pays-bleu", "Pays Bleu")
    first = jobs.tick(date(2026, 11, 27))
    assert ("test.daily", "vallee") in first and ("test.daily", "pays-bleu") in first
    assert sorted(ran) == ["pays-bleu", "vallee"]
    # Every real daily task ran too, inline, without failing.
    assert [(row.name, row.error) for row in jobs.held()] == []
    assert jobs.tick(date(2026, 11, 27)) == []          # twice the same day: nothing
    assert len(jobs.tick(date(2026, 11, 28))) == len(first)   # the next day: again


def test_the_daily_tasks_are_the_cron_commands(app):
    assert {"audit.purge", "declarations.remind", "recovery.run"} <= set(jobs.DAILY)


# --- RQ on a real Redis: production ---------------------------------------------------------


def test_jobs_on_redis_a_task_waits_for_the_worker(jobs_on_redis):
    jobs.enqueue("test.note", value="en file")
    assert CALLS == []
    assert jobs.queue(jobs_on_redis).count == 1
    jobs.work(jobs_on_redis, burst=True)
    assert CALLS == [("note", "en file")]


def test_jobs_on_redis_a_failing_task_is_retried_then_kept_as_a_dead_letter(jobs_on_redis):
    FAILURES["left"] = 1
    jobs.enqueue("test.note", value="réessayée")
    jobs.work(jobs_on_redis, burst=True)
    assert CALLS == [] and jobs.held() == []        # failed once, a retry is scheduled
    time.sleep(1.2)
    jobs.work(jobs_on_redis, burst=True)
    assert CALLS == [("note", "réessayée")]

    FAILURES["left"] = 3                             # more than the two retries
    jobs.enqueue("test.note", value="perdue ?")
    for _ in range(3):
        jobs.work(jobs_on_redis, burst=True)
        time.sleep(1.2)
    (kept,) = jobs.held()
    assert kept.state == jobs.FAILED and "ne répond pas" in kept.error
    assert jobs.release(kept.id)
    jobs.work(jobs_on_redis, burst=True)
    assert CALLS[-1] == ("note", "perdue ?")


def test_with_redis_away_a_task_is_kept_in_the_database_and_handed_over_when_it_returns(
        jobs_on_redis, monkeypatch, caplog):
    url = jobs_on_redis.config["JOBS_REDIS_URL"]
    monkeypatch.setitem(jobs_on_redis.config, "JOBS_REDIS_URL", "redis://127.0.0.1:1/0")
    jobs_on_redis.extensions[jobs.EXTENSION_KEY].clear()
    jobs.enqueue("test.note", value="gardée")
    (kept,) = jobs.held()
    assert kept.state == jobs.WAITING
    assert "held_jobs" in caplog.text                # said loudly

    monkeypatch.setitem(jobs_on_redis.config, "JOBS_REDIS_URL", url)
    jobs_on_redis.extensions[jobs.EXTENSION_KEY].clear()
    jobs.work(jobs_on_redis, burst=True)                  # the worker hands it over first
    assert CALLS == [("note", "gardée")]
    assert jobs.held() == []


def test_the_kept_tasks_live_in_the_shared_schema(app):
    assert jobs.HeldJob.__table__.schema is None
    assert "held_jobs" in sa.inspect(db.engine).get_table_names()
