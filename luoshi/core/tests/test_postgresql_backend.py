"""luoshi's PostgreSQL backend (core/postgresql): timestamptz values read by `datetime.fromisoformat` are exactly
what Django's own loader gives — the same instant, zone and type, or the same error — for the text PostgreSQL
writes, and the connection really uses the fast loader."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from hypothesis import given
from hypothesis import strategies as st

from luoshi.core.postgresql.base import IsoTzLoader

pytestmark = pytest.mark.django_db


def _loaders():
    """Django's loader and the fast one, made for the test database's connection."""
    if connection.vendor != "postgresql":
        pytest.skip("the backend is PostgreSQL's")
    connection.ensure_connection()
    oid = connection.connection.adapters.types["timestamptz"].oid
    django_loader = type("DjangoTz", (BaseTzLoader,), {"timezone": connection.timezone})(oid, connection.connection)
    fast = type("FastTz", (IsoTzLoader,), {"timezone": connection.timezone})(oid, connection.connection)
    return django_loader, fast


def _outcome(loader, text: str):
    try:
        value = loader.load(text.encode())
    except Exception as e:  # noqa: BLE001 — the error's type is what is compared
        return ("error", type(e))
    return ("value", value, value.tzinfo, value.utcoffset())


EDGES = [
    "2026-12-05 09:27:46.689696+00", "2026-12-05 09:27:46+00", "2026-12-05 09:27:46.5+00",
    "2026-12-05 09:27:46.12345+00", "2026-03-01 00:00:00+05:30", "1901-06-01 12:00:00-03:30:15",
    "0099-01-01 00:00:00+00", "0001-01-01 00:00:00+00", "0001-01-01 00:30:00+01",
    "9999-12-31 23:59:59.999999+00", "9999-12-31 23:00:00-05", "2000-01-01 00:00:00+00 BC",
    "infinity", "-infinity", "2026-12-05T09:27:46+00", "20261205 092746+00", "2026-12-05 09:27:46", "garbage",
]


@pytest.mark.parametrize("text", EDGES)
def test_edge_values_load_as_django_loads_them(text):
    django_loader, fast = _loaders()
    assert _outcome(fast, text) == _outcome(django_loader, text)


@given(value=st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
       offset_minutes=st.integers(min_value=-15 * 60, max_value=15 * 60), digits=st.integers(0, 6))
def test_written_values_load_as_django_loads_them(value, offset_minutes, digits):
    django_loader, fast = _loaders()
    hours, minutes = divmod(abs(offset_minutes), 60)
    sign = "-" if offset_minutes < 0 else "+"
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    if digits:
        text += "." + f"{value.microsecond:06d}"[:digits]
    text = f"{text}{sign}{hours:02d}" + (f":{minutes:02d}" if minutes else "")
    assert _outcome(fast, text) == _outcome(django_loader, text)


def test_the_connection_reads_timestamps_with_the_fast_loader():
    _loaders()
    with connection.cursor() as cur:
        loader = cur.cursor.adapters.get_loader(cur.cursor.adapters.types["timestamptz"].oid, 0)
        assert issubclass(loader, IsoTzLoader) and loader.timezone == connection.timezone
        cur.execute("SELECT TIMESTAMPTZ '2026-12-05 09:27:46.689696+08', now()")
        value, now = cur.fetchone()
    assert value == dt.datetime(2026, 12, 5, 1, 27, 46, 689696, tzinfo=dt.timezone.utc)
    assert value.tzinfo is connection.timezone and now.tzinfo is connection.timezone
