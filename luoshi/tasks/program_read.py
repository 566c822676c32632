"""The statement behind `selectors.program_get` (ADR 0059): a program by its code, with its owner unit and the
one-to-one relations the page reads with it, and — for a reader who does not read the program whole (a liaison; a
district's office in a city program) — the reader's reach there (`ProgramReach`) in the same statement.

Every program page starts here. Built by the ORM, `Program.objects.filter(…).select_related(…).first()` cost ~0.7 ms
of Python per request on PostgreSQL, and the liaison's reach (a union of three querysets) as much again plus a
statement of its own; the SQL never changes but for its parameters. So the text is written here once per process
from the models' `_meta` (per database vendor, set of relations, and whether the reach is read), run as a prepared
statement on PostgreSQL (`core.prepared`: parsed once per connection, and its generic plan kept), and the row made
into model instances as Django's `select_related` makes them: the fields' database converters applied, the
relations' caches set. Nothing but the text (and each connection's converters) is kept between requests; whether the
reader may see the program is decided per request, in `selectors.program_get`, from the row and the reader's scope.
Tests compare every instance and every reach with the ORM's on random trees and grants (`tests/test_program_read.py`).
"""
from __future__ import annotations

import json
import weakref
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Model
from django.db.models.fields.reverse_related import OneToOneRel

from luoshi.core import prepared
from luoshi.org.lookups import path_unit_id, within_parameter, within_sql
from luoshi.org.models import Role, Unit
from luoshi.org.scopes import Scope
from luoshi.programs.models import Program

from . import tallies
from .models import PROGRAM_READ_ROLES, Task, TaskPairing, TaskTally, assignment_grant_paths


@dataclass(frozen=True)
class ProgramReach:
    """How a reader who does not read a program whole reaches its tasks: task_visibility's grants in that program,
    as the maintained tallies (which count the tasks not archived) and their 任务包联 there tell."""
    unit_paths: list[str]  # the outermost subtrees whose assignments grant tasks (read roles and 包联 units)
    assigned: dict[str, dict[str, int]]  # {unit id: {status: n}}: the `any` rows of those subtrees' top units (n > 0)
    leads: bool  # a 责任领导 of a task of the program
    paired: bool  # a 任务包联 (of the person or their units) on a task of the program

    @property
    def reads_tasks(self) -> bool:
        return bool(self.assigned) or self.leads or self.paired

    @property
    def by_assignment_only(self) -> bool:
        """Every task they read there is assigned in one of `unit_paths` (no grant one by one adds others)."""
        return bool(self.unit_paths) and not (self.leads or self.paired)


NO_REACH = ProgramReach(unit_paths=[], assigned={}, leads=False, paired=False)


@dataclass(frozen=True)
class _Statement:
    name: str  # of the prepared statement (PostgreSQL)
    sql: str
    models: tuple[tuple[type[Model], str | None, int, int], ...]  # (model, relation name, first column, end)
    columns: tuple[Any, ...]  # the Col expression of each model column (its converters are asked of it)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _reach_columns(vendor: str, program_id: str, one_key: bool, *, unless_whole: bool = False) -> str:
    """The three reach columns for the program whose id is the SQL `program_id`: the `any` tally rows of the reader's
    subtrees ("key status n" joined by spaces), whether they are 责任领导 of a task there, whether a 任务包联 grants
    them one (pairings_granting). Parameters: the `any` keys, the leader key (NULL: not a leader), the person, the
    paths of their roles (within_parameter). `one_key`: at most one subtree (most readers: a liaison of one unit), the
    key as one value (NULL: none) — PostgreSQL's generic plan of `key = ANY($1)` guesses several rows, costs it above
    the custom plans and so plans the statement again on every run; `key = $1` it keeps. `unless_whole`: each column
    NULL, and its subquery not run, when the owner unit's path (`r0.path`) lies in the paths of a first parameter
    (the reader's PROGRAM_READ_ROLES: they read the program whole)."""
    tally, pairing, task = TaskTally._meta.db_table, TaskPairing._meta.db_table, Task._meta.db_table
    unit = Unit._meta.db_table
    agg = "string_agg({}, ' ')" if vendor == "postgresql" else "group_concat({}, ' ')"
    keys = ("t.key = %s" if one_key else "t.key = ANY(%s)" if vendor == "postgresql"
            else "t.key IN (SELECT value FROM json_each(%s))")
    columns = {
        "reach_any": f"""(SELECT {agg.format("t.key || ' ' || t.status || ' ' || t.n")} FROM {_quote(tally)} t
    WHERE t.program_id = {program_id} AND t.dimension = '{tallies.ANY}' AND {keys} AND t.n > 0)""",
        "reach_leads": f"""EXISTS (SELECT 1 FROM {_quote(tally)} t
    WHERE t.program_id = {program_id} AND t.dimension = '{tallies.LEADER}' AND t.key = %s AND t.n > 0)""",
        "reach_paired": f"""EXISTS (SELECT 1 FROM {_quote(pairing)} tp JOIN {_quote(task)} tk ON tk.id = tp.task_id
    LEFT JOIN {_quote(unit)} hu ON hu.id = tp.helper_unit_id
    WHERE tk.program_id = {program_id} AND (tp.helper_person_id = %s OR {within_sql("hu.path", vendor)}))""",
    }
    whole = within_sql("r0.path", vendor)
    return ",\n".join(f"CASE WHEN {whole} THEN NULL ELSE {sql} END AS {name}" if unless_whole else f"{sql} AS {name}"
                       for name, sql in columns.items())


@cache
def _statement(vendor: str, related: tuple[str, ...], reach: str) -> _Statement:
    """The program (by code, not archived), its owner unit, the reverse one-to-one relations `related` (LEFT JOIN:
    a program without one reads NULLs there), and with `reach` ("one" or "many" keys; "": none) the reach columns."""
    owner = Program._meta.get_field("owner_unit")
    joins = [f"FROM {_quote(Program._meta.db_table)} p",
             f"JOIN {_quote(Unit._meta.db_table)} r0 ON r0.id = p.{_quote(owner.column)}"]
    parts: list[tuple[type[Model], str | None, str]] = [(Program, None, "p"), (Unit, "owner_unit", "r0")]
    for i, name in enumerate(related, start=1):
        rel = Program._meta.get_field(name)
        if not isinstance(rel, OneToOneRel):
            raise ValueError(f"program_get reads one-to-one relations with the program, not {name!r}")
        model: type[Model] = rel.related_model  # type: ignore[assignment]  # a model class, never "self" here
        joins.append(f"LEFT JOIN {_quote(model._meta.db_table)} r{i}"
                     f" ON r{i}.{_quote(rel.field.column)} = p.{_quote(rel.field.target_field.column)}")
        parts.append((model, name, f"r{i}"))
    select: list[str] = []
    columns: list[Any] = []
    models: list[tuple[type[Model], str | None, int, int]] = []
    for model, relation, alias in parts:
        first = len(select)
        for field in model._meta.concrete_fields:
            select.append(f"{alias}.{_quote(field.column)}")
            columns.append(field.get_col(alias))
        models.append((model, relation, first, len(select)))
    reach_columns = _reach_columns(vendor, "p.id", reach == "one", unless_whole=True) if reach else ""
    sql = (f"SELECT {', '.join(select)}{',' + reach_columns if reach else ''}\n"
           f"{' '.join(joins)}\nWHERE p.{_quote('code')} = %s AND NOT p.{_quote('is_archived')}")
    name = "_".join(["luoshi_program", *related, *([f"reach_{reach}"] if reach else [])])
    return _Statement(name=name, sql=sql, models=tuple(models), columns=tuple(columns))


@cache
def _reach_statement(vendor: str, one_key: bool) -> str:
    """The reach columns alone, for a program already read (by id)."""
    return f"SELECT {_reach_columns(vendor, '%s', one_key)}"


# the database converters of each statement's columns, per connection (Django asks its connection for them)
_converters: weakref.WeakKeyDictionary[Any, dict[_Statement, list]] = weakref.WeakKeyDictionary()


def _converters_for(statement: _Statement, db) -> list[tuple[int, list, Any]]:
    """`db`: the connection itself (DatabaseWrapper), not the `connection` proxy."""
    known = _converters.setdefault(db, {})
    if statement not in known:
        known[statement] = [(i, found, col) for i, col in enumerate(statement.columns)
                            if (found := db.ops.get_db_converters(col) + col.get_db_converters(db))]
    return known[statement]


def _reach_parameters(scope: Scope, unit_paths: list[str]) -> list:
    vendor = connection.vendor
    keys = [path_unit_id(p) for p in unit_paths]
    leader = str(scope.person_id) if scope.paths_for(Role.LEADER) else None
    return [(keys[0] if keys else None) if len(keys) <= 1 else keys if vendor == "postgresql" else json.dumps(keys),
            leader, scope.person_id, within_parameter(scope.all_paths, vendor)]


def _read_paths(scope: Scope):
    return within_parameter(scope.paths_for(*PROGRAM_READ_ROLES), connection.vendor)


def _reach(unit_paths: list[str], assigned: str | None, leads, paired) -> ProgramReach:
    rows: dict[str, dict[str, int]] = {}
    words = (assigned or "").split()
    for i in range(0, len(words), 3):
        rows.setdefault(words[i], {})[words[i + 1]] = int(words[i + 2])
    return ProgramReach(unit_paths=unit_paths, assigned=rows, leads=bool(leads), paired=bool(paired))


def program_read(scope: Scope, code: str, related: tuple[str, ...] = (), *,
                 reach: bool = False) -> tuple[Program | None, ProgramReach | None]:
    """The program `code` (not archived) with its owner unit and `related` read as `select_related` reads them, or
    None; with `reach` (a signed-in reader), also the scope's ProgramReach there unless they read the program whole
    (then None). No scope check: the caller decides."""
    reach = reach and scope.person_id is not None
    unit_paths = assignment_grant_paths(scope) if reach else []
    statement = _statement(connection.vendor, related, ("one" if len(unit_paths) <= 1 else "many") if reach else "")
    params: list = [code]
    if reach:  # each reach column's "read whole?" test, then its own parameters
        read_paths = _read_paths(scope)
        keys, leader, person, paths = _reach_parameters(scope, unit_paths)
        params = [read_paths, keys, read_paths, leader, read_paths, person, paths, code]
    with connection.cursor() as cursor:
        prepared.execute(cursor, statement.name, statement.sql, params)
        row = cursor.fetchone()
        db = cursor.db
    if row is None:
        return None, None
    values = list(row)
    for i, converters, col in _converters_for(statement, db):
        for converter in converters:
            values[i] = converter(values[i], col, db)
    instances: list[Model | None] = []
    for model, _name, first, end in statement.models:
        # (from_db takes the values of every concrete field in order; the names are then not looked at)
        instances.append(None if values[first] is None else model.from_db(db.alias, (), values[first:end]))
    program = instances[0]
    assert isinstance(program, Program)
    for (_model, name, _first, _end), obj in zip(statement.models[1:], instances[1:]):
        field = Program._meta.get_field(name)  # type: ignore[arg-type]  # every part after the program has a name
        if isinstance(field, OneToOneRel):  # as select_related: the program's cache, and the program on the row
            field.set_cached_value(program, obj)
            if obj is not None:
                field.field.set_cached_value(obj, program)
        else:
            field.set_cached_value(program, obj)  # type: ignore[union-attr]  # a ForeignKey (owner_unit)
    if not reach or values[len(statement.columns) + 1] is None:  # (its "leads" column is a boolean or NULL)
        return program, None
    return program, _reach(unit_paths, *values[len(statement.columns):])


def program_reach_read(scope: Scope, program: Program) -> ProgramReach:
    """The scope's ProgramReach in `program` (already read), in one statement."""
    if scope.person_id is None:
        return NO_REACH
    unit_paths = assignment_grant_paths(scope)
    keys, leader, person, paths = _reach_parameters(scope, unit_paths)
    with connection.cursor() as cursor:  # each subquery's program id, then its own parameters
        one_key = len(unit_paths) <= 1
        prepared.execute(cursor, f"luoshi_reach_{'one' if one_key else 'many'}",
                         _reach_statement(connection.vendor, one_key),
                         [program.pk, keys, program.pk, leader, program.pk, person, paths])
        row = cursor.fetchone()
    return _reach(unit_paths, *row)
