"""The session store and user lookup every signed-in request pays for, each read with one statement, prepared on
PostgreSQL (core.prepared).

Django's database session store and ModelBackend build an ORM query each (~0.25 ms of Python apiece on this
project's 2-core machines, before the page does anything); these read the same rows with a plain statement and
build the same objects (~0.03 ms). Behaviour is Django's: an expired or unknown session key gives an empty
session (and a new key on save), an inactive person is not signed in.
"""
from __future__ import annotations

import functools

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


@functools.cache
def _person_statement(alias: str):
    """The statement, field names and value converters (the database's and the fields' own, as the ORM applies
    them) of reading one person; they depend only on the code, so they are built once per process."""
    model = get_user_model()
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    sql = (f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {quote(model._meta.db_table)} "
           f"WHERE {quote(model._meta.pk.column)} = %s")
    converters = []  # (position, converter, column) of the fields that have any
    for i, f in enumerate(fields):
        col = f.get_col(model._meta.db_table)
        converters += [(i, fn, col) for fn in connection.ops.get_db_converters(col) + col.get_db_converters(connection)]
    return sql, [f.attname for f in fields], converters


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
        sql, names, converters = _person_statement(alias)
        with connection.cursor() as cur:
            prepared.execute(cur, "luoshi_person", sql, [pk])
            row = cur.fetchone()
        if row is None:
            return None
        values = list(row)
        for i, fn, col in converters:
            values[i] = fn(values[i], col, connection)
        user = model.from_db(alias, names, values)
        return user if self.user_can_authenticate(user) else None
