"""The session store and user lookup every signed-in request pays for, each read with one statement, prepared on
PostgreSQL (core.prepared).

Django's database session store and ModelBackend build an ORM query each (~0.25 ms of Python apiece on this
project's 2-core machines, before the page does anything); these read the same rows with a plain statement and
build the same objects (~0.03 ms). Behaviour is Django's: an expired or unknown session key gives an empty
session (and a new key on save), an inactive person is not signed in.

What every signed-in page reads about the person next (org: their scope and the header's figures) is registered
with `person_read_register` and read in the person's statement (ADR 0063): on PostgreSQL each statement of its own
costs a round trip, ~0.1 ms of the server's CPU and ~0.08 ms of the worker's.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils import timezone

from . import prepared


class _SessionRow:
    __slots__ = ("session_data",)

    def __init__(self, session_data: str):
        self.session_data = session_data


class SessionStore(db.SessionStore):
    """django.contrib.sessions.backends.db, reading the session with one statement (SESSION_ENGINE)."""

    def _get_session_from_db(self):
        if not self.session_key:  # Django's store validates keys on assignment; None/"" never match a row
            self._session_key = None
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cur:  # the time as the ORM writes it (naive UTC text on SQLite)
            prepared.execute(cur, "luoshi_session",
                             f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",
                             [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())])
            row = cur.fetchone()
        if row is None:
            self._session_key = None
            return None
        return _SessionRow(row[0])


@dataclass(frozen=True)
class PersonRead:
    """A read that every signed-in request makes about the person right after reading them, registered by an app
    above core (core cannot know its tables) to come in the person's statement instead of one of its own.

    `columns` are select-list expressions and `join` a join clause ("" for none); in both `%s` stands for the
    person's id (nothing else is a parameter; write `%%` for a literal %) and the person's table is `p`. A join
    repeats the person's columns on each of its rows, so it must keep the person's row when it has none (`LEFT
    JOIN … ON 1 = 1`). `keep(user, rows)` stores what was read on the person object; `rows` holds, for each row of
    the statement, the values of `columns` and then the join's (the join's selected columns, `join_columns` of them),
    in statement order."""
    columns: tuple[str, ...]
    join: str
    join_columns: tuple[str, ...]
    keep: Callable[[Any, list[tuple]], None]


_person_reads: list[PersonRead] = []


def person_read_register(read: PersonRead) -> None:
    """Read `read` in the person's statement from now on (an app's `AppConfig.ready()`)."""
    _person_reads.append(read)
    _person_statement.cache_clear()


@functools.cache
def _person_statement(alias: str):
    """The statement, field names and value converters (the database's and the fields' own, as the ORM applies
    them) of reading one person, with the registered reads; they depend only on the code, so they are built once
    per process. Also the number of times the statement takes the person's id."""
    model = get_user_model()
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    columns = [f"p.{quote(f.column)}" for f in fields]
    joins = []
    for read in _person_reads:
        columns += read.columns
        columns += read.join_columns
        if read.join:
            joins.append(read.join)
    # the placeholders in statement order: the select list's, the joins', the WHERE's
    sql = (f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} p {' '.join(joins)} "
           f"WHERE p.{quote(model._meta.pk.column)} = %s")
    uses = len(prepared.numbered_placeholders(sql))
    converters = []  # (position, converter, column) of the fields that have any
    for i, f in enumerate(fields):
        col = f.get_col(model._meta.db_table)
        converters += [(i, fn, col) for fn in connection.ops.get_db_converters(col) + col.get_db_converters(connection)]
    return sql, [f.attname for f in fields], converters, uses


class PersonBackend(ModelBackend):
    """ModelBackend whose per-request `get_user` reads the person with one statement (AUTHENTICATION_BACKENDS)."""

    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:  # a tampered session: no such person
            return None
        if not isinstance(pk, int) or not -2**63 <= pk < 2**63:  # as the ORM: no row, not a driver overflow
            return None
        alias = router.db_for_read(model)
        connection = connections[alias]
        sql, names, converters, uses = _person_statement(alias)
        with connection.cursor() as cur:
            prepared.execute(cur, "luoshi_person", sql, [pk] * uses)
            rows = cur.fetchall()
        if not rows:
            return None
        n = len(names)
        values = list(rows[0][:n])
        for i, fn, col in converters:
            values[i] = fn(values[i], col, connection)
        user = model.from_db(alias, names, values)
        if not self.user_can_authenticate(user):
            return None
        start = n
        for read in _person_reads:
            width = len(read.columns) + len(read.join_columns)
            read.keep(user, [row[start:start + width] for row in rows])
            start += width
        return user
