"""Writing many rows of one table as one statement, for services that store thousands of computed rows
(an assessment round's results, an imported score sheet).

`bulk_create` prepares every value through its field, and on SQLite splits the rows into statements of
999 parameters: 3,000 results of 21 columns are 64 INSERTs and most of the time goes to building them.
`insert_rows` takes plain tuples whose values the driver adapts as they are — ints, strings, booleans,
None, Decimal (SQLite: Django registers `str` for it; psycopg: numeric); a datetime column wants
`connection.ops.adapt_datetimefield_value(value)` — and JSON columns as Python values (dumped here as the
ORM dumps them; None is SQL NULL). It sends them
with COPY on PostgreSQL and with one prepared INSERT run by executemany on SQLite; other databases get
`bulk_create`. Like `bulk_create` and `QuerySet.update`, it sends no model signals.
"""
from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from functools import partial
from typing import Any, Callable, Iterable, Sequence

from django.conf import settings
from django.db import connection, models
from django.utils.translation import gettext as _

from .excel import CellError, ImportFailed


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert `rows` (tuples in the order of `columns`, attribute names such as "unit_id") into the table
    of `model`. Returns how many rows were written."""
    fields = [_concrete_field(model, c) for c in columns]
    if connection.vendor not in ("postgresql", "sqlite"):
        objs = [model(**dict(zip(columns, row))) for row in rows]
        model._default_manager.bulk_create(objs, batch_size=1000)
        return len(objs)
    dumps: list[tuple[int, Callable[[Any], str]]] = [
        (i, json_text if f.encoder is None else partial(json.dumps, cls=f.encoder))
        for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    if dumps:
        # Only the JSON columns are touched (perf: a result row has 22 values and 3 JSON columns).
        def encoded(row: Sequence) -> list:
            row = list(row)
            for i, dump in dumps:
                if row[i] is not None:
                    row[i] = dump(row[i])
            return row

        rows = map(encoded, rows)
    qn = connection.ops.quote_name
    table, names = qn(model._meta.db_table), ", ".join(qn(_column(f)) for f in fields)
    if connection.vendor == "postgresql":
        # COPY in text format: the server parses each value as its column's type (JSON text into jsonb too).
        # The raw psycopg cursor's errors are wrapped as Django's (IntegrityError, DataError …), as every other
        # statement's are, so callers catch one kind whichever database runs.
        n = 0
        with connection.wrap_database_errors, connection.cursor() as cur, \
                cur.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        return n
    rows = rows if isinstance(rows, list) else list(rows)
    with connection.cursor() as cur:
        cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(fields))})", rows)
    return len(rows)


def json_text(value: Any) -> str:
    """`json.dumps(value)`, the same text, for a JSON column: a list of strings or a dict of strings to strings
    (a result's subtotals and peer points) is joined from its encoded strings without building an encoder
    for each value (perf: 9,000 values per computed round); anything else goes to json.dumps."""
    kind = type(value)
    try:
        if kind is list:
            return "[" + ", ".join(map(encode_basestring_ascii, value)) + "]"
        if kind is dict:
            return "{" + ", ".join([encode_basestring_ascii(k) + ": " + encode_basestring_ascii(v)
                                    for k, v in value.items()]) + "}"
    except TypeError:   # not a string: json.dumps knows what to do with it
        pass
    return json.dumps(value)


def object_rows(model: type[models.Model], objs: Sequence[models.Model]) -> tuple[list[str], list[list]]:
    """(columns, rows) for insert_rows of unsaved `objs`: every concrete column but the automatic key, each value
    as the field stores it. Building them costs more than sending them, so a service can build them before its
    transaction, fill in the keys it learns inside it, and hold the write lock only for the INSERTs."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    ops = connection.ops
    adapters = [ops.adapt_datetimefield_value if isinstance(f, models.DateTimeField)
                else ops.adapt_datefield_value if isinstance(f, models.DateField) else None for f in fields]
    rows = [[a(v) if a is not None and v is not None else v
             for a, v in zip(adapters, (getattr(o, f.attname) for f in fields))] for o in objs]
    return [f.attname for f in fields], rows


def insert_objects(model: type[models.Model], objs: Sequence[models.Model]) -> int:
    """Insert unsaved `objs` of `model` through insert_rows. Several times cheaper than bulk_create for thousands
    of wide rows (an import of requests: 45 columns), but sets no primary keys: read them back by a unique
    column (`pks_by`)."""
    return insert_rows(model, *object_rows(model, objs))


def pks_by(model: type[models.Model], column: str, values: Sequence) -> dict:
    """{value: primary key} of the rows of `model` whose unique `column` is one of `values`, 500 at a time."""
    found: dict = {}
    for i in range(0, len(values), 500):
        found.update(model._default_manager.filter(**{f"{column}__in": values[i:i + 500]}).values_list(column, "pk"))
    return found


def delete_where(model: type[models.Model], **equals) -> int:
    """DELETE FROM the table of `model` WHERE each column = value: one statement, no rows read first.
    For rows that nothing references and that services replace wholesale (a round's results). `equals`
    uses attribute names ("round_id")."""
    qn = connection.ops.quote_name
    where = " AND ".join(f"{qn(_column(_concrete_field(model, k)))} = %s" for k in equals)
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {qn(model._meta.db_table)} WHERE {where}", list(equals.values()))
        return cur.rowcount


def _concrete_field(model: type[models.Model], name: str) -> models.Field:
    """The field of `model` called `name`, which must be a column of its table (not a reverse relation)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise ValueError(f"{model.__name__}.{name} is not a column of {model._meta.db_table}")
    return field


def _column(field: models.Field) -> str:
    if field.column is None:
        raise ValueError(f"{field} has no column")
    return field.column


def import_size_check(rows: int, *, sheet: str) -> None:
    """Refuse an import of more than LUOSHI_IMPORT_MAX_ROWS rows (ImportFailed naming the sheet).

    Imports check every row outside any transaction, then write all of them set-based in one transaction
    (ADR 0028): the database's own transaction keeps them all-or-nothing, even when the process is killed,
    and the cap bounds how long that transaction holds SQLite's write lock while web requests queue on the
    busy timeout."""
    limit = settings.LUOSHI_IMPORT_MAX_ROWS
    if rows > limit:
        raise ImportFailed([CellError(sheet, None, None, _("一次最多导入 %(limit)s 行，这张表有 %(rows)s 行：请拆成几个文件分别导入。")
                                      % {"limit": limit, "rows": rows})])
