"""Maintained finding counts (ADR 0008, as tasks.tallies does for tasks): what the findings list's count and the
figures page (统计) show, kept as rows instead of counted over the program's findings per request.

A finding contributes to its program's rows (`contribution`); every service that writes findings applies the
difference in its transaction (`tracking`: the findings' contribution before the write, then after it), and the
bulk writers and the daily job rebuild a whole program (`program_rebuild`). `luoshi ledger recount --check`
compares every row with a count from the finding rows.

Rows, per program (dimension · key · figure):
- total · "" · status — the program's findings;
- unit · unit id · status — findings of units in the unit's subtree (the list filtered by unit, with a status);
- by_unit · the finding's own unit id · figure, by_category · category id ("" none) · figure,
  by_source · source · figure, by_severity · severity · figure — the figures page: `found`, `rectified` (reported
  at least once), `closed` (销号), `overdue` (整改中/待签收 past the deadline), `repeats` (sum of repeat counts),
  `close_n` and `close_us` (closed findings with a close time, and the sum of their recording → 销号 time in
  microseconds: the average days). `overdue` depends on the day: it is counted as of the program's
  FindingTallyDay, which the daily job moves to its day (the figures page reads the rows only on that day);
- month · "<unit id>/<YYYY-MM>" · found / closed — findings of units in the unit's subtree found (found_on) in the
  month, and of those the ones closed (销号): the cockpit's 发现/销号 for a month, a quarter or a year (ADR 0026);
- subtree · unit id · overdue — findings of units in the subtree owing past their deadline (as of the tally day):
  the cockpit's 逾期;
- list · "<unit id>/<source>/<0|1>" · status — findings of units in the unit's subtree (no unit id: the whole
  program) from the source, owing past their deadline (1, as of the tally day) or not (0), with the status: the
  findings list's count when it is filtered by source and/or 只看逾期 besides status and unit (ADR 0056);
- gram · one or two characters · found — findings whose number, description or address contains that text: the
  count of a keyword search of one or two characters without a case (a Chinese word, digits), for someone who
  reads the whole program and sets no other filter (`search_gram`, ADR 0062). A keyword of one or two characters is
  contained in a text exactly when it is one of the text's characters or pairs of neighbouring characters.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from contextlib import contextmanager
from operator import add

from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from luoshi.core import clock
from luoshi.core.filters import is_caseless
from luoshi.core.tallies import counter_rows_apply, counter_rows_replace
from luoshi.org.lookups import path_unit_id
from luoshi.programs.models import Program

from .models import OWING_STATUSES, Finding, FindingStatus, FindingTally, FindingTallyDay, LedgerConfig, Source

ROW_KEYS = ("dimension", "key", "figure")  # the fields that name a tally row (core.tallies)

TOTAL, UNIT, MONTH, SUBTREE, LIST, GRAM = "total", "unit", "month", "subtree", "list", "gram"
FIGURE_DIMENSIONS = {"unit": "by_unit", "category": "by_category", "source": "by_source", "severity": "by_severity"}
FIGURES = ("found", "rectified", "closed", "overdue", "repeats", "close_n", "close_us")

Key = tuple[str, str, str]  # (dimension, key, status or figure)

_FIELDS = ("id", "unit_id", "unit_path", "category_id", "source", "severity", "status", "deadline",
           "first_submitted_at", "closed_at", "created_at", "repeat_count", "found_on", "code", "description",
           "address")
SEARCHED = ("code", "description", "address")  # the fields a keyword search looks in (ledger.filters)
_US = dt.timedelta(microseconds=1)


def grams(*texts: str) -> set[str]:
    """The characters and the pairs of neighbouring characters of each text (not across two texts)."""
    out: set[str] = set()
    for text in texts:
        out.update(text)
        out.update(map(add, text, text[1:]))
    return out


def search_gram(q: str) -> str | None:
    """The `gram` row that holds how many findings a keyword search for `q` finds, when there is one: `q` (stripped
    as the search strips it) of one or two characters without a case — the search then looks for exactly that text
    (`contains`, core.filters.contains_any), and on SQLite too, whose LIKE folds only ASCII letters."""
    q = q.strip()
    return q if 1 <= len(q) <= 2 and is_caseless(q) else None


def contribution(f: dict, *, day: dt.date, out: Counter | None = None) -> Counter:
    """The rows one finding (a dict of _FIELDS) adds to (a Counter of Key; added to `out` when given)."""
    out = Counter() if out is None else out
    status = f["status"]
    out[(TOTAL, "", status)] += 1
    closed = status == FindingStatus.CLOSED
    overdue = int(status in OWING_STATUSES and f["deadline"] is not None and f["deadline"] < day)
    month = f"{f['found_on']:%Y-%m}"
    cut = f"/{f['source']}/{overdue}"  # the list row's key after the unit id
    out[(LIST, cut, status)] += 1
    for unit_id in f["unit_path"].split("/"):
        if unit_id:
            out[(UNIT, unit_id, status)] += 1
            out[(LIST, unit_id + cut, status)] += 1
            out[(MONTH, f"{unit_id}/{month}", "found")] += 1
            if closed:
                out[(MONTH, f"{unit_id}/{month}", "closed")] += 1
            if overdue:
                out[(SUBTREE, unit_id, "overdue")] += 1
    figures = {"found": 1, "rectified": int(f["first_submitted_at"] is not None), "closed": int(closed),
               "overdue": overdue, "repeats": f["repeat_count"] or 0}
    if closed and f["closed_at"] is not None:
        figures["close_n"] = 1
        figures["close_us"] = (f["closed_at"] - f["created_at"]) // _US
    keys = {"by_unit": str(f["unit_id"]), "by_category": str(f["category_id"] or ""), "by_source": f["source"],
            "by_severity": f["severity"]}
    for dimension, key in keys.items():
        for figure, n in figures.items():
            if n:
                out[(dimension, key, figure)] += n
    for gram in grams(*(f[field] for field in SEARCHED)):
        out[(GRAM, gram, "found")] += 1
    return out


def counts_of(findings: QuerySet[Finding], *, day: dt.date) -> Counter:
    """The rows of a set of findings of one program, counted from the finding rows."""
    out: Counter = Counter()
    for f in findings.order_by().values(*_FIELDS).iterator(chunk_size=5000):
        contribution(f, day=day, out=out)
    return out


def tally_day(program_id: int) -> dt.date:
    """The day the program's `overdue` figures are counted as of (set by the daily job); today if never set."""
    day = FindingTallyDay.objects.filter(program_id=program_id).values_list("day", flat=True).first()
    return day or clock.today()


# ---- deltas ----------------------------------------------------------------------------------------------

class _Tracked:
    def __init__(self, ids):
        self.ids = list(ids)

    def add(self, pk: int) -> None:
        self.ids.append(pk)


@contextmanager
def tracking(program_id: int, ids=()):
    """Around a write to findings of one program, in its transaction: their rows before, their rows after, the
    difference applied. A finding created inside the block is added with `.add(pk)`."""
    day = tally_day(program_id)
    tracked = _Tracked(ids)
    before = counts_of(Finding.objects.filter(pk__in=tracked.ids), day=day) if tracked.ids else Counter()
    yield tracked
    after = counts_of(Finding.objects.filter(pk__in=tracked.ids), day=day) if tracked.ids else Counter()
    after.subtract(before)
    apply_delta(program_id, after)


def apply_delta(program_id: int, delta: Counter) -> None:
    counter_rows_apply(model=FindingTally, day_model=FindingTallyDay, keys=ROW_KEYS, program_id=program_id, delta=delta)


# ---- rebuild and check -----------------------------------------------------------------------------------

def _stored(program_id: int) -> dict[Key, int]:
    return {(d, k, s): n for d, k, s, n in FindingTally.objects.filter(program_id=program_id)
            .values_list("dimension", "key", "figure", "n")}


def program_counts(program: Program, *, day: dt.date) -> Counter:
    return counts_of(Finding.objects.filter(program=program), day=day)


def program_differences(program: Program) -> dict[Key, tuple[int, int]]:
    """{row: (stored, counted)} for every row that differs from a count of the finding rows."""
    stored = _stored(program.pk)
    counted = program_counts(program, day=tally_day(program.pk))
    return {k: (stored.get(k, 0), counted.get(k, 0)) for k in set(stored) | set(counted)
            if stored.get(k, 0) != counted.get(k, 0)}


def program_rebuild(program: Program, *, day: dt.date | None = None) -> int:
    """Count the program's rows again from its findings and store them; returns how many rows changed. For the
    daily job (which passes its day), bulk loaders and `luoshi ledger recount`."""
    day = day or tally_day(program.pk)
    FindingTallyDay.objects.update_or_create(program_id=program.pk, defaults={"day": day})
    counted = program_counts(program, day=day)
    return counter_rows_replace(model=FindingTally, keys=ROW_KEYS, counted=counted, program_id=program.pk)


def ledger_programs() -> QuerySet[Program]:
    return Program.objects.filter(pk__in=LedgerConfig.objects.values("program_id")).order_by("code")


def programs_touching_units(path: str) -> list[Program]:
    """Programs with a finding in the subtree at `path` (whose unit rows change when the subtree moves)."""
    ids = Finding.objects.filter(unit_path__within=[path]).values("program_id").distinct()
    return list(Program.objects.filter(pk__in=ids))


# ---- reads -------------------------------------------------------------------------------------------------

def status_count(program_id: int, *, unit_id: int | None = None, status: str = "") -> int:
    """How many findings of the program (in the unit's subtree, with the status, when given)."""
    qs = FindingTally.objects.filter(program_id=program_id, dimension=UNIT if unit_id else TOTAL,
                                     key=str(unit_id) if unit_id else "")
    if status:
        qs = qs.filter(figure=status)
    return sum(qs.values_list("n", flat=True))


def subtrees_status_count(program_id: int, *, paths, status: str = "") -> int:
    """How many findings of the program lie in the unit subtrees at `paths` (with the status, when given). The
    subtrees must not overlap (org.lookups.outermost): each is its unit's `unit` row, and the rows are added."""
    unit_ids = [path_unit_id(path) for path in paths]
    if not unit_ids:
        return 0
    qs = FindingTally.objects.filter(program_id=program_id, dimension=UNIT, key__in=unit_ids)
    if status:
        qs = qs.filter(figure=status)
    return sum(qs.values_list("n", flat=True))


def list_count(program_id: int, *, unit_ids: Sequence[int | str] | None, status: str = "", source: str = "",
               overdue: bool = False) -> int | None:
    """How many findings of the program lie in the unit subtrees (`unit_ids`, which must not overlap; None: the
    whole program), with the status, from the source, owing past their deadline today (只看逾期) — each when given
    — from the `list` rows. None when `overdue` and the rows are counted as of another day than today (the daily
    job has not run today, or never ran): the caller then counts the findings."""
    units = [""] if unit_ids is None else [str(u) for u in unit_ids]
    if not units:
        return 0
    keys = [f"{u}/{s}/{o}" for u in units for s in ([source] if source else Source.values)
            for o in ((1,) if overdue else (0, 1))]
    rows = FindingTally.objects.filter(program_id=program_id, dimension=LIST, key__in=keys,
                                       **({"figure": status} if status else {}))
    if not overdue:
        return sum(rows.values_list("n", flat=True))
    # the overdue bit is counted as of the tally day: each row says whether that day is today (one statement, an
    # uncorrelated subquery run once; written out, as Exists() costs ~0.4 ms more to build); no row at all asks
    # the day alone
    today = clock.today()
    is_today = RawSQL(f"SELECT day = %s FROM {FindingTallyDay._meta.db_table} WHERE program_id = %s",
                      [today, program_id], output_field=BooleanField())
    found = list(rows.values_list("n", is_today))
    if not (found[0][1] if found else FindingTallyDay.objects.filter(program_id=program_id, day=today).exists()):
        return None
    return sum(n for n, _ in found)


def gram_row(program_id: int, gram: str) -> QuerySet:
    """The `gram` row's count as a one-value query (`n`; no row: no finding has the text), to be read on its own
    or inside the statement that reads the list's first page (selectors.finding_first_page)."""
    return FindingTally.objects.filter(program_id=program_id, dimension=GRAM, key=gram, figure="found").values("n")


def figure_rows(program_id: int, by: str) -> dict[str, dict[str, int]]:
    """{key: {figure: n}} of one grouping of the figures page (by: unit, category, source, severity)."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    # a row a change brought down to 0 stays (counter_rows_apply keeps it for the next change): a group whose
    # figures are all 0 has no finding and is not a row of the page, as ledger_figures_compute would not list it
    for key, figure, n in FindingTally.objects.filter(program_id=program_id, dimension=FIGURE_DIMENSIONS[by]) \
            .exclude(n=0).values_list("key", "figure", "n"):
        out[key][figure] = n
    return out


def month_counts(program_ids: list[int], unit_id: int, months: list[str]) -> dict[str, int]:
    """{"found": n, "closed": n} over the programs, for findings of the unit's subtree found in the months
    ("YYYY-MM")."""
    out = {"found": 0, "closed": 0}
    for figure, n in FindingTally.objects.filter(program_id__in=program_ids, dimension=MONTH,
                                                 key__in=[f"{unit_id}/{m}" for m in months]).values_list("figure", "n"):
        out[figure] += n
    return out


def overdue_count(program_ids: list[int], unit_id: int) -> int | None:
    """Findings of the unit's subtree owing past their deadline today, over the programs — None when a program's
    rows are counted as of another day (the daily job has not run today): the caller then counts the rows."""
    today = clock.today()
    days = dict(FindingTallyDay.objects.filter(program_id__in=program_ids).values_list("program_id", "day"))
    if any(days.get(p, today) != today for p in program_ids):
        return None
    return sum(FindingTally.objects.filter(program_id__in=program_ids, dimension=SUBTREE, key=str(unit_id),
                                           figure="overdue").values_list("n", flat=True))


def rebuild_in_migration(apps) -> None:
    """What the migrations that add a dimension to the tallies run (0006, 0007, 0010, 0011): recount every ledger
    program with the current code, so the new rows are right after an upgrade; nothing on a database without a
    ledger. (The current code reads the models as they are now: a later migration that changes them moves this.)"""
    if not apps.get_model("ledger", "LedgerConfig").objects.exists():
        return
    for program in ledger_programs():
        program_rebuild(program)
