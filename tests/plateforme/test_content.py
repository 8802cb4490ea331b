"""A collectivité's content (settings, news, legal texts, tariffs) is served from memory, and a
change made anywhere — this process, another one — reaches every page within the bound."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import event

from plateforme.database import db
from tenants.audit.journal import SYSTEM
from tenants.collectivite import news, settings
from tenants.core.dates import utcnow
from tests.conftest import ROOT, TEST_DOMAIN, create_tenant, get, host_of


@contextmanager
def statements():
    """Every query any engine of the process sends meanwhile (SQLite's explicit BEGIN, which
    psycopg sends by itself on PostgreSQL, aside)."""
    seen = []

    def record(_conn, _cursor, statement, _parameters, _context, _many):
        if statement != "BEGIN":
            seen.append(statement)

    event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(sa.engine.Engine, "before_cursor_execute", record)


def change(app, slug, action):
    """`action(session)` committed in `slug`'s schema, as a command would."""
    tenant = app.extensions["taxesejour.resolver"].resolve(host_of(slug)).tenant
    with app.app_context(), db.tenant_context(tenant):
        action(db.session)
        db.session.commit()


def test_an_anonymous_page_reads_nothing_once_its_content_is_cached(real_app):
    create_tenant(real_app, "alpha", "Alpha")
    resolver = real_app.extensions["taxesejour.resolver"]
    resolver.check_seconds = 3600  # the periodic check is the only query left: out of the way
    paths = ("/", "/conditions-generales", "/accessibilite", "/marque/couleurs.css",
             "/calculette")
    for path in paths:
        assert get(real_app, host_of("alpha"), path).status_code == 200
    loads = resolver.content.loads
    with statements() as seen:
        for path in paths:
            assert get(real_app, host_of("alpha"), path).status_code == 200
    assert seen == []
    assert resolver.content.loads == loads


def test_the_periodic_check_is_one_query_when_nothing_changed(real_app):
    create_tenant(real_app, "alpha", "Alpha")
    resolver = real_app.extensions["taxesejour.resolver"]
    assert get(real_app, host_of("alpha")).status_code == 200
    resolver.force_check()
    with statements() as seen:
        assert get(real_app, host_of("alpha")).status_code == 200
    assert len(seen) == 1 and "registry_state" in seen[0]


def test_a_change_in_this_process_shows_on_the_next_page(app, make_tenant):
    make_tenant("alpha", "Alpha")
    app.extensions["taxesejour.resolver"].check_seconds = 3600
    assert "05 59 00 00 01" not in get(app, host_of("alpha")).text
    change(app, "alpha", lambda s: settings.set_support(s, support_phone="0559000001"))
    assert "05 59 00 00 01" in get(app, host_of("alpha")).text


def test_a_change_of_one_collectivite_leaves_the_others_cached(real_app):
    create_tenant(real_app, "alpha", "Alpha")
    create_tenant(real_app, "beta", "Beta")
    resolver = real_app.extensions["taxesejour.resolver"]
    for slug in ("alpha", "beta"):
        get(real_app, host_of(slug))
    change(real_app, "alpha", lambda s: settings.set_support(s, display_name="Alpha Vallée"))
    loads = resolver.content.loads
    assert "Alpha Vallée" in get(real_app, host_of("alpha")).text
    assert resolver.content.loads > loads
    loads = resolver.content.loads
    assert "Beta" in get(real_app, host_of("beta")).text
    assert resolver.content.loads == loads


def test_a_change_made_by_another_process_is_seen_within_the_bound(real_app):
    create_tenant(real_app, "alpha", "Alpha")
    bound = real_app.config["TENANT_CACHE_CHECK_SECONDS"]
    assert "05 59 12 34 56" not in get(real_app, host_of("alpha")).text
    env = {**os.environ, "TAXESEJOUR_ENV": "test",
           "DATABASE_URL": real_app.config["DATABASE_URL"], "PLATFORM_DOMAIN": TEST_DOMAIN}
    result = subprocess.run([sys.executable, "-m", "flask", "tenants", "set", "alpha",
                             "--support-phone", "05 59 12 34 56"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    committed = time.monotonic()
    while "05 59 12 34 56" not in get(real_app, host_of("alpha")).text:
        assert time.monotonic() - committed < bound + 0.5, "change not seen in time"
        time.sleep(0.05)


def test_a_rolled_back_change_is_not_announced(app, make_tenant):
    make_tenant("alpha", "Alpha")
    resolver = app.extensions["taxesejour.resolver"]
    get(app, host_of("alpha"))
    tenant = resolver.resolve(host_of("alpha")).tenant
    before = resolver.content_version(tenant)
    with db.tenant_context(tenant):
        settings.set_support(db.session, display_name="Jamais")
        db.session.flush()
        db.session.rollback()
    resolver.force_check()
    assert resolver.content_version(tenant) == before
    assert "Jamais" not in get(app, host_of("alpha")).text


def test_scheduled_news_appears_at_its_time_without_a_change(app, make_tenant):
    make_tenant("alpha", "Alpha")
    app.extensions["taxesejour.resolver"].check_seconds = 3600
    soon = utcnow() + timedelta(seconds=1)

    def schedule(session):
        item = news.save(session, None, {"title": "Fermeture estivale", "body": "**Du 1er août**",
                                         "published_at": None, "pinned": False}, SYSTEM)
        item.published_at = soon

    change(app, "alpha", schedule)
    assert "Fermeture estivale" not in get(app, host_of("alpha")).text
    time.sleep(max(0.0, (soon - utcnow()).total_seconds()) + 0.05)
    page = get(app, host_of("alpha")).text
    assert "Fermeture estivale" in page
    assert "<strong>Du 1er août</strong>" in page


def test_markdown_is_rendered_when_saved_and_sanitised(app, make_tenant):
    make_tenant("alpha", "Alpha")

    def write(session):
        news.save(session, None, {"title": "Piège", "body": "# Titre\n\n<script>x</script> "
                                  "[lien](javascript:alert(1))", "published_at": utcnow(),
                                  "pinned": True}, SYSTEM)

    change(app, "alpha", write)
    tenant = app.extensions["taxesejour.resolver"].resolve(host_of("alpha")).tenant
    with db.tenant_context(tenant):
        stored = db.session.scalars(sa.select(news.NewsItem)
                                    .where(news.NewsItem.title == "Piège")).one()
        assert stored.body_html.startswith("<h2>Titre</h2>")
        assert "&lt;script&gt;" in stored.body_html and "<script" not in stored.body_html
        assert "href" not in stored.body_html
