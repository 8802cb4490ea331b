"""Work done out of the request: emails, the daily runs, anything slow or that may fail outside.

Why: an email sent inside a request turns an unreachable SMTP server into a lost action and a
500, and a page that does more work for a known address than for an unknown one tells which
addresses exist. A request only records what is to be done; a worker does it, and retries.

- A task is a function registered by name (`@task("mail.deliver")`), called with keyword
  arguments that pickle (an `Email`, ids, strings). With `tenant=` it runs with that collectivité
  bound and its session committed when it returns.
- `defer(session, name, **kwargs)` hands the task over once `session` commits, never if it rolls
  back: nothing is sent for what was not saved. `enqueue(name, ...)` hands it over at once.
- `JOBS_BACKEND = "rq"` (production): RQ on Redis, `flask jobs worker` to run them, retried after
  `JOBS_RETRY_DELAYS`. `"inline"` (the demo and the tests): run at once in the process, so the
  README's two commands need no Redis.
- Nothing is lost: a task Redis cannot take (down, read-only) is kept in the shared table
  `held_jobs` as *en attente* and handed over again by the worker and by `flask jobs tick`; a task
  that failed its last try is kept there as *en échec* (the dead letters), shown in the
  collectivité's console with « Relancer ».
- `@daily("name")` registers a collectivité's daily run (journal retention, reminders,
  recovery); `flask jobs tick`, the one entry point cron calls, queues each one once a day per
  active collectivité.
"""

from __future__ import annotations

import functools
import logging
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from config import ConfigurationError
from plateforme.database import SharedModel, db
from plateforme.tenancy import current_binding

log = logging.getLogger(__name__)

BACKENDS = ("inline", "rq")
WAITING, FAILED = "en_attente", "en_echec"

TASKS: dict[str, Callable] = {}
DAILY: dict[str, Callable] = {}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class HeldJob(SharedModel):
    """A task the queue could not take yet (Redis unreachable) or that failed its last try."""

    __tablename__ = "held_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    tenant: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    payload: Mapped[bytes] = mapped_column(sa.LargeBinary)
    state: Mapped[str] = mapped_column(sa.String(20), index=True)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DailyRun(SharedModel):
    """The day a daily task was last queued for a collectivité: `tick` queues it once a day."""

    __tablename__ = "daily_runs"

    task: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    tenant: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date)


@dataclass(frozen=True)
class Job:
    name: str
    tenant: str | None
    kwargs: dict = field(default_factory=dict)

    def label(self) -> str:
        return TITLES.get(self.name, self.name)


#: What the console calls each task.
TITLES: dict[str, str] = {}


def task(name: str, title: str | None = None):
    """Register `function` as the task `name`; `title` is what the console shows."""
    def register(function):
        TASKS[name] = function
        TITLES[name] = title or name
        return function
    return register


def daily(name: str, title: str):
    """Register `function(tenant)` as a collectivité's daily run, and as the task `daily:name`."""
    def register(function):
        DAILY[name] = function
        task(f"daily:{name}", title)(functools.partial(_daily_body, name))
        return function
    return register


def _daily_body(name: str) -> None:
    DAILY[name](current_binding().tenant)


# --- handing tasks over -----------------------------------------------------------------------

_PENDING = "taxesejour.jobs_pending"
_AFTER_END = "taxesejour.jobs_after_end"


def _current_slug() -> str | None:
    binding = current_binding()
    return binding.tenant.slug if binding is not None else None


def defer(session: Session, name: str, **kwargs) -> None:
    """Hand the task over once `session` commits (with the bound collectivité, if any)."""
    _known(name)
    if not session.in_transaction():
        session.begin()   # so that a rollback before any query still drops it
    session.info.setdefault(_PENDING, []).append(Job(name, _current_slug(), kwargs))


def enqueue(name: str, tenant: str | None | type = ..., **kwargs) -> None:
    """Hand the task over now (default tenant: the bound collectivité), whatever becomes of
    the current transaction. Inline, it runs once that transaction has ended, either way, as a
    worker would run it after the request: not inside a transaction still open."""
    _known(name)
    job = Job(name, _current_slug() if tenant is ... else tenant, kwargs)
    binding = current_binding()
    session = binding.open_session if binding is not None else None
    if current_app.config["JOBS_BACKEND"] == "inline" and session is not None \
            and session.in_transaction():
        session.info.setdefault(_AFTER_END, []).append(job)
        return
    dispatch(job)


def _known(name: str) -> None:
    if name not in TASKS:
        raise KeyError(f"Tâche inconnue : {name!r}.")


@event.listens_for(Session, "after_commit")
def _dispatch_pending(session: Session) -> None:
    for job in session.info.pop(_PENDING, ()):
        dispatch(job)


@event.listens_for(Session, "after_transaction_end")
def _dispatch_after_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        for job in session.info.pop(_AFTER_END, ()):
            dispatch(job)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:   # the session's own transaction, not a savepoint
        session.info.pop(_PENDING, None)


def dispatch(job: Job) -> None:
    """Run the task (inline) or queue it (RQ); if Redis cannot take it, keep it, loudly."""
    app = current_app._get_current_object()
    if app.config["JOBS_BACKEND"] == "inline":
        run_inline(job)
        return
    import redis

    try:
        _push(app, job)
    except redis.RedisError as exc:
        log.error("Redis refused task %s (%s): kept in held_jobs until it returns.",
                  job.name, exc)
        hold(job, WAITING, f"File indisponible : {_one_line(exc)}")


def _push(app: Flask, job: Job) -> None:
    from rq import Retry

    delays = [int(d) for d in str(app.config["JOBS_RETRY_DELAYS"]).split(",") if d.strip()]
    queue(app).enqueue(perform, job.name, job.tenant, job.kwargs,
                       retry=Retry(max=len(delays), interval=delays) if delays else None,
                       job_timeout=app.config["JOBS_TIMEOUT_SECONDS"],
                       description=job.name, failure_ttl=30 * 86400)


def run_inline(job: Job) -> bool:
    """Run now; a failure is logged and kept as a dead letter (the action that asked stays)."""
    try:
        _run(job)
    except Exception as exc:
        log.exception("Task %s failed (run inline).", job.name)
        hold(job, FAILED, _one_line(exc))
        return False
    return True


def perform(name: str, tenant: str | None, kwargs: dict) -> None:
    """What the worker runs. The last try's failure is kept as a dead letter, then re-raised
    so that RQ records it too."""
    job = Job(name, tenant, kwargs)
    try:
        _run(job)
    except Exception as exc:
        from rq import get_current_job

        current = get_current_job()
        if current is None or not current.retries_left:
            hold(job, FAILED, _one_line(exc))
        raise


def _run(job: Job) -> None:
    function = TASKS[job.name]
    if job.tenant is None:
        function(**job.kwargs)
        return
    from plateforme import registry

    # A session of its own: the one that deferred this task may be finishing its commit.
    session = db.state.make_session(None)
    try:
        tenant = registry.tenant_info(registry.require(session, job.tenant))
    finally:
        session.close()
    if tenant.moving_to is not None:
        # Its schema is being copied then dropped: fail this try, the retry finds it moved.
        raise RuntimeError(f"« {tenant.slug} » est en cours de déplacement vers le serveur "
                           f"« {tenant.moving_to} » : la tâche sera réessayée.")
    with db.tenant_context(tenant):
        try:
            function(**job.kwargs)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise


def _one_line(exc: BaseException) -> str:
    return (" ".join(str(exc).split()) or type(exc).__name__)[:500]


# --- what is held: Redis was away, or the last try failed --------------------------------------


def hold(job: Job, state: str, error: str) -> None:
    try:
        with db.state.shared_connection() as conn:
            conn.execute(sa.insert(HeldJob).values(
                name=job.name, tenant=job.tenant, state=state, error=error,
                payload=pickle.dumps(job.kwargs), created_at=utcnow()))
    except Exception:
        # Neither Redis nor the database: all that is left is the log.
        log.critical("Task %s for %s LOST: neither the queue nor the database took it.",
                     job.name, job.tenant, exc_info=True)


def held(tenant: str | None = ..., state: str | None = None) -> list:
    """Held tasks, newest first (every collectivité's when `tenant` is not given)."""
    query = sa.select(*HeldJob.__table__.columns).order_by(HeldJob.id.desc())
    if tenant is not ...:
        query = query.where(HeldJob.tenant == tenant)
    if state is not None:
        query = query.where(HeldJob.state == state)
    with db.state.shared_connection() as conn:
        return conn.execute(query).all()


def describe(row) -> str:
    """What a held task is, for the people who may release it (never its secrets: an email's
    recipient and subject, not its text, which may carry a link that logs in)."""
    title = TITLES.get(row.name, row.name)
    try:
        kwargs = pickle.loads(row.payload)  # noqa: S301 - our own rows
    except Exception:  # noqa: BLE001 - a payload from an older version: the title is enough
        return title
    message = kwargs.get("message") if isinstance(kwargs, dict) else None
    if message is not None and hasattr(message, "to"):
        return f"{title} à {message.to} : « {message.subject} »"
    return title


def release(job_id: int, tenant: str | None = ...) -> bool:
    """Hand a held task over again (« Relancer »); False if there is none (of `tenant`)."""
    condition = HeldJob.id == job_id
    if tenant is not ...:
        condition = condition & (HeldJob.tenant == tenant)
    with db.state.shared_connection() as conn:
        row = conn.execute(sa.delete(HeldJob).where(condition).returning(
            HeldJob.name, HeldJob.tenant, HeldJob.payload)).first()
    if row is None:
        return False
    dispatch(Job(row.name, row.tenant, pickle.loads(row.payload)))  # noqa: S301 - our own rows
    return True


def flush_waiting() -> int:
    """Hand over every task kept while Redis was away; how many were."""
    ids = [row.id for row in held(state=WAITING)]
    for job_id in reversed(ids):   # oldest first
        release(job_id)
    return len(ids)


# --- the daily runs ---------------------------------------------------------------------------


def tick(today: date) -> list[tuple[str, str]]:
    """Queue each daily task not yet queued today for each active collectivité, and what Redis
    could not take before; returns the (task, collectivité) queued. Cron calls it often (every
    15 minutes): a missed night is caught up, a second call the same day queues nothing."""
    from plateforme import registry

    flush_waiting()
    queued = []
    with db.state.shared_connection() as conn:
        slugs = conn.execute(sa.select(registry.Collectivite.slug).where(
            registry.Collectivite.status == "active").order_by(
            registry.Collectivite.slug)).scalars().all()
        done = {(r.task, r.tenant) for r in conn.execute(
            sa.select(DailyRun.task, DailyRun.tenant).where(DailyRun.day >= today))}
    for slug in slugs:
        for name in sorted(DAILY):
            if (name, slug) in done:
                continue
            with db.state.shared_connection() as conn:
                conn.execute(sa.delete(DailyRun).where(
                    (DailyRun.task == name) & (DailyRun.tenant == slug)))
                conn.execute(sa.insert(DailyRun).values(task=name, tenant=slug, day=today))
            enqueue(f"daily:{name}", tenant=slug)
            queued.append((name, slug))
    return queued


# --- Redis and the worker ---------------------------------------------------------------------


def queue(app: Flask):
    from rq import Queue

    state = app.extensions[EXTENSION_KEY]
    if state.get("queue") is None:
        import redis

        connection = redis.Redis.from_url(app.config["JOBS_REDIS_URL"], socket_connect_timeout=1,
                                          socket_timeout=3)
        state["queue"] = Queue(app.config["JOBS_QUEUE"], connection=connection)
    return state["queue"]


def work(app: Flask, burst: bool = False, pause: float = 1.0) -> None:
    """Run tasks until stopped (or until none is left, `burst`). One process, no fork: the
    application's connection pools are not shared with a child. Held tasks are handed over
    whenever Redis answers again."""
    import redis
    from rq import SimpleWorker

    while True:
        try:
            flush_waiting()
            worker = SimpleWorker([queue(app)], connection=queue(app).connection)
            worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
        except redis.RedisError as exc:
            log.error("The worker cannot reach Redis (%s); trying again.", exc)
        if burst:
            return
        time.sleep(pause)


EXTENSION_KEY = "taxesejour.jobs"


def init_app(app: Flask) -> None:
    backend = app.config["JOBS_BACKEND"]
    if backend not in BACKENDS:
        raise ConfigurationError(
            f"JOBS_BACKEND inconnu : {backend!r} (attendu : " + ", ".join(BACKENDS) + ").")
    app.extensions[EXTENSION_KEY] = {}


# --- commands ---------------------------------------------------------------------------------


def _commands() -> None:
    import click

    from plateforme.cli import jobs_group
    from plateforme.errors import UserError

    @jobs_group.command("worker")
    @click.option("--burst", is_flag=True, help="S'arrêter quand la file est vide.")
    def worker_command(burst):
        """Run the queued tasks (production: one or more, kept alive by systemd)."""
        app = current_app._get_current_object()
        if app.config["JOBS_BACKEND"] != "rq":
            raise UserError("JOBS_BACKEND vaut inline : les tâches s'exécutent déjà dans "
                            "le processus qui les demande, il n'y a pas de file à traiter.")
        work(app, burst=burst)

    @jobs_group.command("tick")
    def tick_command():
        """The one entry point for cron (every 15 minutes): each collectivité's daily tasks
        (journal retention, reminders, recovery) once a day, and what Redis could not take."""
        from zoneinfo import ZoneInfo

        queued = tick(datetime.now(ZoneInfo("Europe/Paris")).date())
        for name, slug in queued:
            click.echo(f"{slug} : {TITLES.get(f'daily:{name}', name)} mise en file.")
        click.echo(f"{len(queued)} tâche(s) quotidienne(s) mise(s) en file.")

    @jobs_group.command("failed")
    @click.argument("slug", required=False)
    def failed_command(slug):
        """List the tasks kept: failed at their last try, or waiting for Redis."""
        rows = held(slug if slug else ...)
        for row in rows:
            state = "en échec" if row.state == FAILED else "en attente"
            click.echo(f"{row.id}\t{row.created_at:%d/%m/%Y %H:%M}\t{row.tenant or '-'}\t"
                       f"{TITLES.get(row.name, row.name)}\t{state}\t{row.error}")
        click.echo(f"{len(rows)} tâche(s).")

    @jobs_group.command("retry")
    @click.argument("job_id", type=int)
    def retry_command(job_id):
        """Hand a kept task over again."""
        if not release(job_id):
            raise UserError(f"Aucune tâche n° {job_id}.")
        click.echo(f"Tâche n° {job_id} relancée.")


_commands()
