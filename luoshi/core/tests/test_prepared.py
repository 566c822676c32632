"""The per-request statements prepared once per PostgreSQL connection (core/prepared.py, ADR 0040): the same rows as
the plain statement, one PREPARE per connection that is not counted as a page query, prepared again on a new
connection, and plain statements on SQLite or when switched off."""
from __future__ import annotations

import pytest
from django.db import ProgrammingError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from luoshi.core import prepared
from luoshi.org.scopes import SCOPE_SQL

# a page prepares the session and the person (with the scope and the header, ADR 0063)
PER_REQUEST = {"luoshi_session", "luoshi_person"}


def _prepared_names() -> set[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cur.fetchall()}


def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are used on PostgreSQL only")


def test_placeholders_are_numbered():
    assert prepared.numbered("SELECT %s, %s WHERE p LIKE x || '%%' AND q = %s") == \
        "SELECT $1, $2 WHERE p LIKE x || '%' AND q = $3"
    assert prepared.numbered("SELECT 1") == "SELECT 1"


def test_the_prepared_statement_reads_what_the_plain_one_reads(cast):
    office = cast["office"]
    with connection.cursor() as cur:
        cur.execute(SCOPE_SQL, [office.pk] * 3)
        plain = sorted(cur.fetchall())
        for _ in range(7):  # past the five custom plans, PostgreSQL's generic plan answers
            prepared.execute(cur, "luoshi_test_scope", SCOPE_SQL, [office.pk] * 3)
            assert sorted(cur.fetchall()) == plain
        prepared.execute(cur, "luoshi_test_scope", SCOPE_SQL, [cast["liaison_a"].pk] * 3)
        other = sorted(cur.fetchall())
    assert plain and other and other != plain


def test_prepared_once_per_connection_and_not_counted_as_a_query(db):
    _needs_postgresql()
    with CaptureQueriesContext(connection) as captured:
        with connection.cursor() as cur:
            for n in (1, 2, 3):
                prepared.execute(cur, "luoshi_test_once", "SELECT %s::int + 1", [n])
                assert cur.fetchone() == (n + 1,)
    assert [q["sql"] for q in captured.captured_queries] == [f"EXECUTE luoshi_test_once({n})" for n in (1, 2, 3)]
    assert "luoshi_test_once" in _prepared_names()


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again(cast, settings, monkeypatch):
    _needs_postgresql()
    # kept connections and the switch on, whatever an earlier test in this process left (live-server tests set
    # CONN_MAX_AGE to 0 while they run)
    settings.LUOSHI_PG_PREPARED_PER_REQUEST = True
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    c = Client()
    c.force_login(cast["office"])
    assert c.get("/inbox/").status_code == 200
    assert PER_REQUEST <= _prepared_names()
    connection.close()  # as CONN_MAX_AGE does between requests
    assert not PER_REQUEST & _prepared_names()
    assert c.get("/inbox/").status_code == 200
    assert PER_REQUEST <= _prepared_names()


@pytest.mark.parametrize("switch", ["off", "connection per request"])
def test_switched_off_the_statement_runs_as_it_is(db, settings, monkeypatch, switch):
    if switch == "off":
        settings.LUOSHI_PG_PREPARED_PER_REQUEST = False
    else:
        monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    with CaptureQueriesContext(connection) as captured:
        with connection.cursor() as cur:
            prepared.execute(cur, "luoshi_test_off", "SELECT %s + 1", [41])
            assert cur.fetchone()[0] == 42
    assert "EXECUTE" not in captured.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "luoshi_test_off" not in _prepared_names()



def _kept_connection(settings, monkeypatch, *, server_side_binding: bool):
    """Kept connections and the switch on, with the binding asked for (whatever the run's settings); the connection is
    closed afterwards, so the statements these tests deallocate are not missing in another test's transaction."""
    _needs_postgresql()
    settings.LUOSHI_PG_PREPARED_PER_REQUEST = True
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    monkeypatch.setitem(connection.settings_dict, "OPTIONS",
                        {**connection.settings_dict["OPTIONS"], "server_side_binding": server_side_binding})
    connection.close()
    yield
    connection.close()


@pytest.fixture
def kept_connection(settings, monkeypatch):
    yield from _kept_connection(settings, monkeypatch, server_side_binding=False)


@pytest.fixture
def server_side_binding(settings, monkeypatch):
    yield from _kept_connection(settings, monkeypatch, server_side_binding=True)


@pytest.mark.django_db(transaction=True)
def test_with_server_side_binding_the_statements_run_as_they_are(server_side_binding, cast):
    """`EXECUTE name($1)` cannot be typed when psycopg sends the parameters apart: every signed-in page used to fail
    with LUOSHI_PG_SERVER_BINDING=1."""
    c = Client()
    c.force_login(cast["office"])
    with CaptureQueriesContext(connection) as captured:
        assert c.get("/inbox/").status_code == 200
    assert not any(q["sql"].startswith("EXECUTE") for q in captured.captured_queries)
    assert not PER_REQUEST & _prepared_names()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("behind_our_back", ["DEALLOCATE ALL", "DISCARD ALL"])
def test_statements_deallocated_behind_its_back_are_prepared_again(kept_connection, cast, behind_our_back):
    """A pooler's DISCARD ALL or someone's DEALLOCATE ALL on the kept connection: the next request prepares the
    statements again and works (it used to fail with "prepared statement does not exist", and so did every request
    after it on that connection)."""
    c = Client()
    c.force_login(cast["office"])
    assert c.get("/inbox/").status_code == 200
    assert PER_REQUEST <= _prepared_names()
    connection.connection.execute(behind_our_back)
    assert not PER_REQUEST & _prepared_names()
    for _ in range(2):
        assert c.get("/inbox/").status_code == 200  # signed in: the session, person and scope were read
    assert PER_REQUEST <= _prepared_names()


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_failure_is_raised_and_the_next_use_prepares_again(kept_connection):
    with connection.cursor() as cur:
        prepared.execute(cur, "luoshi_test_gone", "SELECT %s::int * 2", [4])
        assert cur.fetchone() == (8,)
    connection.connection.execute("DEALLOCATE ALL")
    with pytest.raises(ProgrammingError, match="luoshi_test_gone"), transaction.atomic():
        with connection.cursor() as cur:
            prepared.execute(cur, "luoshi_test_gone", "SELECT %s::int * 2", [5])
    with connection.cursor() as cur:
        prepared.execute(cur, "luoshi_test_gone", "SELECT %s::int * 2", [6])
        assert cur.fetchone() == (12,)
    assert "luoshi_test_gone" in _prepared_names()
