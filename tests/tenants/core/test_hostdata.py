"""A host's figures are kept in memory between their pages and are never out of date: whoever
changes their data (an agent recording a transfer, the host declaring, a command, another
process), the next page shows it; time alone (a card payment's hold running out, a new day)
changes what is shown too. Vallée Verte on 20 August 2026 (the payments' fixtures): Élodie
Martin owes 27,39 € for June and July."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from plateforme import content
from plateforme.database import db
from tenants.audit.journal import Actor
from tenants.collectivite import legal
from tenants.core import hostdata
from tenants.declarations.models import Declaration, Stay
from tenants.hosts.models import Hebergement, Host
from tenants.payments import paying
from tests.conftest import host_of
from tests.tenants.conftest import Client, host_by_name
from tests.tenants.declarations.conftest import hebergement
from tests.tenants.declarations.conftest import imported as imported  # noqa: F401
from tests.tenants.declarations.conftest import tenant as tenant  # noqa: F401
from tests.tenants.declarations.conftest import today as today  # noqa: F401
from tests.tenants.declarations.test_console import declare
from tests.tenants.payments.conftest import declared as declared  # noqa: F401
from tests.tenants.payments.conftest import payfip_clock as payfip_clock  # noqa: F401
from tests.tenants.payments.conftest import payfip_on as payfip_on  # noqa: F401
from tests.tenants.payments.conftest import simulator as simulator  # noqa: F401
from tests.tenants.payments.conftest import stay
from tests.tenants.payments.test_payfip import pay, start

BY = Actor(label="Bruno Agent")


SIGNED = re.compile(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}")    # a CSRF token, timestamped


def dashboard(client) -> str:
    """The page as read, the CSRF tokens (whose signature moves each second) left out."""
    response = client.get("/tableau-de-bord")
    assert response.status_code == 200, response.status_code
    return SIGNED.sub("…", response.text.replace("\u00a0", " ").replace("\u202f", " "))


def owed(page: str) -> str | None:
    found = re.search(r"À payer : <strong>([\d,  ]+) €</strong>", page)
    return found[1] if found else None


def committed(tenant, action) -> None:
    """`action(session)` committed in the collectivité's schema, as a command or another
    process would: nothing of the host's request is involved."""
    with db.tenant_context(tenant):
        action(db.session)
        db.session.commit()


def version_of(tenant, last_name: str) -> int:
    with db.tenant_context(tenant):
        return db.session.scalar(sa.select(Host.data_version)
                                 .where(Host.last_name == last_name))


@contextmanager
def tenant_statements(tenant, when=lambda: True):
    """The collectivité's reads and writes meanwhile (BEGIN and savepoints left out), those
    sent while `when()` only."""
    seen: list[str] = []
    engine = db.state.tenant_engine(tenant)
    schema = f'"{tenant.schema}".' if db.state.is_postgresql else ""

    def record(_conn, _cursor, sql, _params, _context, _many):
        if sql.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE")) \
                and schema in sql and when():
            seen.append(" ".join(sql.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_second_visit_reads_only_the_session_and_the_host(app, declared, logged_in):
    app.extensions["taxesejour.resolver"].check_seconds = 3600
    store = hostdata.cache(app)
    first = dashboard(logged_in)
    assert owed(first) == "27,39"
    loads = store.loads
    with tenant_statements(declared) as seen:
        assert dashboard(logged_in) == first
    assert len(seen) == 1 and "host_sessions" in seen[0], seen
    assert store.loads == loads
    # The page's panels are kept within it, not a second time beside it.
    assert {key[3] for key in store._entries} == {"hosts.dashboard", "legal.pending"}


def test_a_transfer_recorded_by_an_agent_shows_on_the_next_page(app, declared, logged_in):
    assert owed(dashboard(logged_in)) == "27,39"
    before = version_of(declared, "Martin")
    committed(declared, lambda s: paying.record(
        s, host_by_name("Martin"), Decimal("10.56"), "virement", date(2026, 8, 19), "VIR 1", BY))
    assert version_of(declared, "Martin") > before
    page = dashboard(logged_in)
    assert owed(page) == "16,83" and "Payé : 10,56 €" in page


def test_a_declaration_validated_shows_on_the_next_page(app, declared, logged_in):
    assert owed(dashboard(logged_in)) == "27,39"
    declare(declared, "Gîte des Lilas", "2026-05", [stay(date(2026, 5, 1), date(2026, 5, 3), 2)],
            "Élodie Martin")
    assert owed(dashboard(logged_in)) == "34,43"    # + 2 nights × 2 persons × 1,60 € + 10 %


def test_a_hebergement_renamed_by_an_agent_shows_on_the_next_page(app, declared, logged_in):
    assert "Gîte des Lilas" in dashboard(logged_in)

    def rename(_session):
        hebergement("Gîte des Lilas").name = "Gîte des Tilleuls"
    committed(declared, rename)
    page = dashboard(logged_in)
    assert "Gîte des Tilleuls" in page and "Gîte des Lilas" not in page


def test_a_new_cgu_sends_the_host_to_accept_it_then_back(app, declared, logged_in):
    dashboard(logged_in)
    committed(declared, lambda s: legal.publish_new_version(s, "cgu", "Nouvelles conditions."))
    response = logged_in.get("/tableau-de-bord")
    assert response.status_code == 302 and response.headers["Location"].endswith("/cgu")
    logged_in.accept_cgu()
    assert owed(dashboard(logged_in)) == "27,39"


def test_figures_a_card_payment_holds_are_kept_no_longer_than_the_hold(
        app, payfip_on, logged_in, simulator, utc_clock):
    start(logged_in)                                  # the host is on PayFiP's page
    dashboard(logged_in)
    store = hostdata.cache(app)
    loads = store.loads
    dashboard(logged_in)
    assert store.loads == loads
    # No one writes anything: the hold lapses with time, and the payments are read again (the
    # page kept holds no longer than the panel it was made of).
    utc_clock[0] += timedelta(minutes=16)
    assert owed(dashboard(logged_in)) == "27,39"
    assert store.loads > loads


def test_a_new_day_is_seen_without_any_change(app, declared, client, host_email, utc_clock):
    utc_clock[0] = datetime(2026, 8, 31, 21, 50)          # 23 h 50 in Paris
    client.login(host_email)
    client.accept_cgu()
    assert "septembre 2026" not in dashboard(client)
    utc_clock[0] += timedelta(minutes=20)                 # 1 September
    assert "septembre 2026" in dashboard(client)


def test_a_rolled_back_change_leaves_the_version_and_the_page(app, declared, logged_in):
    page = dashboard(logged_in)
    before = version_of(declared, "Martin")
    with db.tenant_context(declared):
        paying.record(db.session, host_by_name("Martin"), Decimal("10.56"), "virement",
                      date(2026, 8, 19), "VIR 1", BY)
        db.session.flush()
        db.session.rollback()
    assert version_of(declared, "Martin") == before
    assert dashboard(logged_in) == page


def test_a_row_moved_to_another_host_changes_both(app, declared):
    durand, martin = version_of(declared, "Durand"), version_of(declared, "Martin")

    def move(session):
        hebergement("Chambres du Moulin").host_id = host_by_name("Martin").id
    committed(declared, move)
    assert version_of(declared, "Durand") > durand
    assert version_of(declared, "Martin") > martin


def versions(tenant) -> dict[str, int]:
    with db.tenant_context(tenant):
        return dict(db.session.execute(sa.select(Host.last_name, Host.data_version)).all())


def moved(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {name for name in before if after[name] != before[name]}


def test_a_bulk_statement_changes_the_hosts_of_the_rows_it_touches(app, declared):
    before = versions(declared)
    committed(declared, lambda s: s.execute(   # only Élodie Martin declared June
        sa.update(Declaration).where(Declaration.period == "2026-06")
        .values(deadline=date(2026, 7, 31))))
    assert moved(before, after := versions(declared)) == {"Martin"}
    committed(declared, lambda s: s.execute(   # July: both
        sa.delete(Stay).where(Stay.declaration_id.in_(
            sa.select(Declaration.id).where(Declaration.period == "2026-07")))))
    assert moved(after, versions(declared)) == {"Martin", "Durand"}


def test_a_statement_whose_hosts_cannot_be_told_changes_every_host(app, declared):
    before = versions(declared)
    committed(declared, lambda s: s.execute(sa.update(Hebergement).values(
        host_id=sa.select(sa.func.min(Host.id)).scalar_subquery())))
    assert moved(before, versions(declared)) == set(before)


def test_a_card_payment_settled_changes_its_host_only(app, payfip_on, logged_in, simulator):
    idop, _ = start(logged_in)
    before = versions(payfip_on)
    back = logged_in.get(pay(simulator, idop, "P"))  # settled by a conditional bulk UPDATE
    assert back.status_code == 302
    assert moved(before, versions(payfip_on)) == {"Martin"}
    assert "Rien à payer" in dashboard(logged_in)


def test_a_change_elsewhere_in_the_collectivite_leaves_the_host_alone(app, declared):
    martin = version_of(declared, "Martin")
    declare(declared, "Chambres du Moulin", "2026-05",
            [stay(date(2026, 5, 1), date(2026, 5, 3), 2)], "Paul Durand")
    assert version_of(declared, "Martin") == martin


@pytest.mark.parametrize("path", ["/tableau-de-bord", "/documents"])
def test_every_table_a_kept_value_reads_is_watched(app, payfip_on, logged_in, monkeypatch,
                                                   path):
    """The rule that keeps the kept figures right: what a kept value is built from is read
    only from tables whose changes move the host's version or the collectivité's content."""
    building, names = [False], []
    kept = hostdata.kept

    def watched_kept(session, host, name, build, until=None):
        def watched_build():
            building[0] = True
            names.append(name)
            try:
                return build()
            finally:
                building[0] = False
        return kept(session, host, name, watched_build, until)

    monkeypatch.setattr(hostdata, "kept", watched_kept)
    hostdata.cache(app).clear()
    with tenant_statements(payfip_on, when=lambda: building[0]) as seen:
        assert logged_in.get(path).status_code == 200
    read = {name for sql in seen
            for name in re.findall(r'(?:FROM|JOIN) (?:"?\w+"?\.)?"?(\w+)"?', sql)}
    watched = set(hostdata._tracked) | content._tracked_tables
    assert names and read, (names, read)
    assert read <= watched, read - watched


def test_the_least_recently_used_values_go_first():
    store = hostdata.HostDataCache(max_bytes=2 * (50 + 1000))     # two pages of 1,000 bytes
    now = datetime(2026, 8, 20)
    later = now + timedelta(minutes=1)
    page = "x" * 999
    store.put(("a",), (1,), None, "A" + page)
    store.put(("b",), (1,), None, "B" + page)
    assert store.get(("a",), (1,), now) == (True, "A" + page, None)
    store.put(("c",), (1,), None, "C" + page)
    assert store.get(("b",), (1,), now) == (False, None, None)
    assert store.get(("a",), (1,), now) == (True, "A" + page, None)
    assert store.get(("a",), (2,), now) == (False, None, None)          # another version
    assert store.bytes <= store.max_bytes
    store.put(("d",), (1,), later, "D")
    assert store.get(("d",), (1,), now) == (True, "D", later)
    assert store.get(("d",), (1,), later) == (False, None, None)
    store.put(("d",), (1,), None, "E")                                  # replaced, counted once
    assert store.bytes == sum(hostdata._size(v[2]) for v in store._entries.values())


def test_the_hosts_version_does_not_touch_their_profile_date(app, declared):
    with db.tenant_context(declared):
        updated = db.session.scalar(sa.select(Host.updated_at).where(Host.last_name == "Martin"))
    committed(declared, lambda s: paying.record(
        s, host_by_name("Martin"), Decimal("10.56"), "virement", date(2026, 8, 19), "VIR 1", BY))
    with db.tenant_context(declared):
        assert db.session.scalar(sa.select(Host.updated_at)
                                 .where(Host.last_name == "Martin")) == updated


def token_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def test_the_kept_dashboard_is_the_page_as_rendered_with_the_sessions_own_token(
        app, declared, logged_in):
    first = logged_in.get("/tableau-de-bord").text
    store = hostdata.cache(app)
    loads = store.loads
    kept = logged_in.get("/tableau-de-bord").text
    assert store.loads == loads                                   # from memory
    assert SIGNED.sub("…", kept) == SIGNED.sub("…", first)
    assert "\x00" not in kept and "jeton-csrf" not in kept
    # The same host in another browser: the page from memory carries that session's token.
    other = Client(app, host_of(declared.slug))
    other.login("elodie.martin@example.fr")
    page = other.get("/tableau-de-bord").text
    assert store.loads == loads
    assert token_of(page) != token_of(kept)
    response = other.post("/deconnexion", {"csrf_token": token_of(page)}, csrf=False)
    assert response.status_code == 302
    assert logged_in.get("/tableau-de-bord").status_code == 200    # still logged in here


def test_a_message_is_never_served_from_memory(app, declared, logged_in):
    dashboard(logged_in)
    with logged_in.http.session_transaction(base_url=logged_in.base) as session:
        session["_flashes"] = [("success", "Votre déclaration est enregistrée.")]
    assert "Votre déclaration est enregistrée." in dashboard(logged_in)
    assert "Votre déclaration est enregistrée." not in dashboard(logged_in)


def test_thousands_of_hosts_created_and_changed_in_one_flush(app, tenant):
    """An import: the versions move in batches, under the databases' limits on parameters."""
    def place(host_id=None, n=0):
        return Hebergement(host_id=host_id, name=f"Gîte {n}", address="1 rue Haute",
                           postal_code="07200", city="Aubenas", nature="meuble",
                           classement="3", capacity=2)

    def create(session):
        for n in range(1200):
            host = Host(civility="M.", last_name=f"Hôte {n}", first_name="Jean",
                        address="1 rue Haute", postal_code="07200", city="Aubenas")
            host.hebergements.append(place(n=n))
            session.add(host)
    committed(tenant, create)
    created = versions(tenant)
    assert set(created.values()) == {0}

    def more(session):
        session.add_all(place(host_id, n) for n, host_id in enumerate(
            session.scalars(sa.select(Host.id))))
    committed(tenant, more)
    assert moved(created, versions(tenant)) == set(created)
