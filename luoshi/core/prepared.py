"""The statements every signed-in request runs — its session, and the person with their scope and the header's
figures (ADR 0021, 0034, 0063; the scope and the header also have statements of their own, for a person read some
other way) — prepared once per PostgreSQL connection (ADR 0040).

PostgreSQL parses and plans each statement it receives. For these fixed statements that is most of their cost: the
scope's statement spends ~0.4 of its ~0.5 ms of server CPU on parsing and planning six table references with their
indexes, for a plan that is always the same few index lookups by a person's id. A prepared statement is parsed
once per connection, and after five runs PostgreSQL keeps its generic plan (plans checked in ADR 0040). The
PREPARE goes to the driver's connection directly, so it is not counted as one of the page's queries.

SQLite runs the statement as it is, and so does PostgreSQL with `LUOSHI_PG_PREPARED_PER_REQUEST=0` (a pooler in
transaction mode, pgbouncer, hands each transaction a different server connection, where the statement would not
be prepared) or with connections closed after every request (`LUOSHI_CONN_MAX_AGE=0`: a PREPARE per request).
With server-side binding (`LUOSHI_PG_SERVER_BINDING=1`) the statement also runs as it is: psycopg sends its
parameters apart, which `EXECUTE name($1)` cannot type, and prepares it itself when `LUOSHI_PG_PREPARE_THRESHOLD` is
set (psycopg keeps track of its own statements, also of the `DEALLOCATE ALL` it sends after a rollback).

A statement deallocated behind this module's back (`DEALLOCATE ALL`, a pooler's `DISCARD ALL`) is prepared again
and run once more; inside a transaction the failed `EXECUTE` has aborted it, so the error is raised, and the
connection's next request prepares the statement again.
"""
from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import ProgrammingError
from psycopg.errors import InvalidSqlStatementName

PLACEHOLDER = re.compile(r"%s|%%")   # a %s placeholder or a %% escape in a statement Django runs
# the names prepared on each driver connection; a new connection (CONN_MAX_AGE, a reconnect) starts empty
_prepared: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def numbered_placeholders(sql: str) -> list[str]:
    """The %s placeholders of `sql` (not the %% escapes), in order."""
    return [m for m in PLACEHOLDER.findall(sql) if m == "%s"]


def numbered(sql: str) -> str:
    """`sql` with its %s placeholders as PostgreSQL's $1, $2, … and %% as %."""
    count = 0

    def replace(m: re.Match) -> str:
        nonlocal count
        if m.group() == "%%":
            return "%"
        count += 1
        return f"${count}"

    return PLACEHOLDER.sub(replace, sql)


def execute(cursor, name: str, sql: str, params: Sequence) -> None:
    """Run `sql` (%s placeholders) with `params` on a Django cursor, on PostgreSQL as the prepared statement `name`
    (a fixed identifier), preparing it on the connection's first use. Fetch the rows from `cursor` as usual."""
    connection = cursor.db
    # a connection closed after each request (CONN_MAX_AGE 0) would pay a PREPARE for every statement it runs
    if (connection.vendor != "postgresql" or not settings.LUOSHI_PG_PREPARED_PER_REQUEST
            or connection.settings_dict.get("CONN_MAX_AGE") == 0
            or connection.settings_dict["OPTIONS"].get("server_side_binding")):
        cursor.execute(sql, params)
        return
    raw = connection.connection
    names = _prepared.setdefault(raw, set())
    statement = f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"

    def prepare() -> None:
        raw.execute(f"PREPARE {name} AS {numbered(sql)}", prepare=False)
        names.add(name)

    if name not in names:
        prepare()
    try:
        cursor.execute(statement, params)
    except ProgrammingError as e:
        if not isinstance(e.__cause__, InvalidSqlStatementName):
            raise
        names.discard(name)  # deallocated behind our back: the next use prepares it again
        if connection.in_atomic_block:  # the failed EXECUTE aborted the transaction: nothing more runs in it
            raise
        prepare()
        cursor.execute(statement, params)
