"""A logged-in page finds its person in one query: the session row and its owner (host or agent)
joined, every check (idle and absolute limits, `auth_version`, may still log in) made on that
row in Python. Counted on the collectivité's statements only, from the request's start until
Flask-Login has the person: what the page itself reads (the collectivité's settings and news,
cached or not) is not counted."""

import re
from contextlib import contextmanager

import pytest
from flask import request_started
from flask_login import user_loaded_from_request
from sqlalchemy import event

from plateforme.database import db

READS_AND_WRITES = ("SELECT", "INSERT", "UPDATE", "DELETE")


@contextmanager
def identity_statements(app, tenant):
    """The collectivité's statements of each request until its person is loaded: one list per
    request (savepoints, BEGIN and the shared registry's reads left out)."""
    requests: list[list[str]] = []
    engine = db.state.tenant_engine(tenant)
    schema = f'"{tenant.schema}".' if db.state.is_postgresql else ""
    identifying = [False]

    def started(_app, **_extra):
        requests.append([])
        identifying[0] = True

    def loaded(_app, **_extra):
        identifying[0] = False

    def statement(_conn, _cursor, sql, _params, _context, _many):
        if (identifying[0] and sql.lstrip().upper().startswith(READS_AND_WRITES)
                and schema in sql):
            requests[-1].append(" ".join(sql.split()))

    event.listen(engine, "before_cursor_execute", statement)
    request_started.connect(started, app)
    user_loaded_from_request.connect(loaded, app)
    try:
        yield requests
    finally:
        user_loaded_from_request.disconnect(loaded, app)
        request_started.disconnect(started, app)
        event.remove(engine, "before_cursor_execute", statement)


def one_join(statements, session_table, person_table):
    """One statement: the session row with its person joined."""
    assert len(statements) == 1, statements
    assert re.match(rf"SELECT .* FROM \S*\b{session_table}\b.* JOIN \S*\b{person_table} AS ",
                    statements[0]), statements[0]


@pytest.mark.parametrize("page", ["/tableau-de-bord", "/mon-compte"])
def test_a_logged_in_hosts_page_loads_session_and_host_in_one_query(app, logged_in, imported,
                                                                      page):
    logged_in.get(page)  # the idle clock restarted just now: no write on the next ones
    with identity_statements(app, imported) as requests:
        for _ in range(2):
            assert logged_in.get(page).status_code == 200
    assert len(requests) == 2
    for statements in requests:
        one_join(statements, "host_sessions", "hosts")


def test_a_logged_in_agents_page_loads_session_and_agent_in_one_query(app, tenant, as_agent):
    as_agent.get("/admin/")
    with identity_statements(app, tenant) as requests:
        assert as_agent.get("/admin/").status_code == 200
    (statements,) = requests
    one_join(statements, "agent_sessions", "agents")
