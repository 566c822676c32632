"""Maintained request counts per (unit subtree, month) (ADR 0008, 0026): what the cockpit's 诉求办理 panel shows, kept
as rows instead of aggregated over a month's (or a year's) requests on each view.

A request contributes (`contribution`) to the rows of every unit on its lead unit's path (`unit_path`: the unit and
the units above it), in the local month of its dispatch (派单), when it is dispatched and counted (纳入考评) — the
population of the metrics page (intake.metrics):

- month · "<unit id>/<YYYY-MM>" · figure, figures `dispatched` (派单), `signed`, `signed_on_time` (按时签收),
  `replied`, `replied_on_time` (按时回复 = closed in time), `replied_late`, `rated` (closed with a satisfaction),
  `satisfied` (at least settings.satisfied_from), `unsatisfied`;
- category · "<unit id>/<YYYY-MM>" · category id — requests received (受理) in that month in the unit's area (a unit
  on `region_path`, the 属地 the request was filed for, dispatched or not) or dispatched to a unit of its subtree
  (on `unit_path`: a department has no area), each request once per unit: the hot categories.

What depends on the clock alone (a request not signed or not replied whose limit has passed since) is not
stored: `pending` counts it over the open requests (two partial indexes) when the cockpit is viewed. The rates are
then the metrics page's: 响应率 = signed_on_time ÷ (signed + pending sign), 按时办结率 = replied_on_time ÷
(replied + pending reply), 超期 = replied_late + pending reply.

Every write of a request goes through services._save, which applies the difference of its contribution in its
transaction (`tracking`); bulk loaders and a change of satisfied_from rebuild (`rebuild`); `luoshi intake_recount
--check` compares the rows with a fresh count (`counts_of`, grouped in the database)."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from contextlib import contextmanager

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from luoshi.core.tallies import counter_rows_apply, counter_rows_replace

from .models import IntakeSettings, Request, RequestState, RequestTally

ROW_KEYS = ("dimension", "key", "figure")  # the fields that name a tally row (core.tallies)

MONTH, CATEGORY = "month", "category"
FIGURES = ("dispatched", "signed", "signed_on_time", "replied", "replied_on_time", "replied_late", "rated",
           "satisfied", "unsatisfied")
FIELDS = ("unit_path", "region_path", "counted", "category_id", "received_at", "dispatched_at", "signed_at", "signed_on_time",
          "replied_at", "replied_on_time", "state", "satisfaction")

Key = tuple[str, str, str]


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def satisfied_threshold() -> int:
    """settings.satisfied_from (read here, not through intake.config, which rebuilds these rows when it changes)."""
    row = IntakeSettings.objects.order_by("pk").values_list("satisfied_from", flat=True).first()
    return row if row is not None else IntakeSettings._meta.get_field("satisfied_from").get_default()


def month_of(when: dt.datetime) -> str:
    return when.astimezone(local_tz()).strftime("%Y-%m")


def _figures(r: dict, satisfied_from: int) -> dict[str, int]:
    closed = r["state"] == RequestState.CLOSED
    rated = closed and r["satisfaction"] is not None
    return {"dispatched": 1, "signed": int(r["signed_at"] is not None), "signed_on_time": int(r["signed_on_time"] is True),
            "replied": int(r["replied_at"] is not None), "replied_on_time": int(r["replied_on_time"] is True),
            "replied_late": int(r["replied_on_time"] is False), "rated": int(rated),
            "satisfied": int(rated and r["satisfaction"] >= satisfied_from),
            "unsatisfied": int(rated and r["satisfaction"] < satisfied_from)}


def contribution(r: dict, *, satisfied_from: int, out: Counter | None = None) -> Counter:
    """The rows one request (a dict of FIELDS) adds to (a Counter of Key; added to `out` when given)."""
    out = Counter() if out is None else out
    received = month_of(r["received_at"])
    for u in _units_of(r["region_path"], r["unit_path"]):
        out[(CATEGORY, f"{u}/{received}", str(r["category_id"]))] += 1
    units = [u for u in r["unit_path"].split("/") if u]
    if not units or r["dispatched_at"] is None or not r["counted"]:
        return out
    month = month_of(r["dispatched_at"])
    for figure, n in _figures(r, satisfied_from).items():
        if n:
            for u in units:
                out[(MONTH, f"{u}/{month}", figure)] += n
    return out


def _units_of(*paths: str) -> set[str]:
    return {u for p in paths for u in p.split("/") if u}


def _spread(out: Counter, path: str, dimension: str, month: str, figure: str, n: int) -> None:
    for u in path.split("/"):
        if u:
            out[(dimension, f"{u}/{month}", figure)] += n


def counts_of(requests, *, satisfied_from: int) -> Counter:
    """The rows of a set of requests counted afresh, grouped in the database (a city's million requests are a few
    thousand groups): by lead unit path, month and the facts the figures read, spread over the paths' units."""
    tz = local_tz()
    out: Counter = Counter()
    by_category = (requests.order_by()
                   .values_list("region_path", "unit_path", TruncMonth("received_at", tzinfo=tz), "category_id")
                   .annotate(n=Count("id")))
    for region_path, unit_path, month, category_id, n in by_category:
        key = month_of(month)
        for u in _units_of(region_path, unit_path):
            out[(CATEGORY, f"{u}/{key}", str(category_id))] += n
    closed = Q(state=RequestState.CLOSED, satisfaction__isnull=False)
    groups = (requests.exclude(unit_path="").filter(counted=True, dispatched_at__isnull=False).order_by()
              .values_list("unit_path", TruncMonth("dispatched_at", tzinfo=tz))
              .annotate(dispatched=Count("id"), signed=Count("id", filter=Q(signed_at__isnull=False)),
                        signed_in_time=Count("id", filter=Q(signed_on_time=True)),
                        replied=Count("id", filter=Q(replied_at__isnull=False)),
                        replied_in_time=Count("id", filter=Q(replied_on_time=True)),
                        replied_after=Count("id", filter=Q(replied_on_time=False)),
                        rated=Count("id", filter=closed),
                        satisfied=Count("id", filter=closed & Q(satisfaction__gte=satisfied_from)),
                        unsatisfied=Count("id", filter=closed & Q(satisfaction__lt=satisfied_from))))
    for path, month, *values in groups:
        for figure, n in zip(FIGURES, values):
            if n:
                _spread(out, path, MONTH, month_of(month), figure, n)
    return out


# ---- deltas ----------------------------------------------------------------------------------------------

def row_of(request: Request) -> dict:
    return {f: getattr(request, f) for f in FIELDS}


@contextmanager
def tracking(request: Request):
    """Around the save of one request, in its transaction: its rows before (as stored), after (as saved), the
    difference applied."""
    satisfied_from = satisfied_threshold()
    before = Counter()
    if request.pk is not None:
        stored = Request.objects.filter(pk=request.pk).values(*FIELDS).first()
        if stored is not None:
            before = contribution(stored, satisfied_from=satisfied_from)
    yield
    after = contribution(row_of(request), satisfied_from=satisfied_from)
    after.subtract(before)
    apply_delta(after)


def apply_delta(delta: Counter) -> None:
    counter_rows_apply(model=RequestTally, keys=ROW_KEYS, delta=delta)


# ---- rebuild and check -----------------------------------------------------------------------------------

def _stored() -> dict[Key, int]:
    return {(d, k, f): n for d, k, f, n in RequestTally.objects.values_list("dimension", "key", "figure", "n")}


def differences() -> dict[Key, tuple[int, int]]:
    """{row: (stored, counted)} for every row that differs from a fresh count of the requests."""
    stored = _stored()
    counted = counts_of(Request.objects.all(), satisfied_from=satisfied_threshold())
    return {k: (stored.get(k, 0), counted.get(k, 0)) for k in set(stored) | set(counted)
            if stored.get(k, 0) != counted.get(k, 0)}


def rebuild() -> int:
    """Count every row again and store it; returns how many rows changed. For bulk loaders, a change of
    satisfied_from, a moved unit and `luoshi intake_recount`."""
    counted = counts_of(Request.objects.all(), satisfied_from=satisfied_threshold())
    return counter_rows_replace(model=RequestTally, keys=ROW_KEYS, counted=counted)


# ---- reads -------------------------------------------------------------------------------------------------

def month_figures(unit_id: int, months: list[str]) -> dict[str, int]:
    """{figure: n} summed over the months, for the unit's subtree."""
    out: dict[str, int] = dict.fromkeys(FIGURES, 0)
    for figure, n in RequestTally.objects.filter(dimension=MONTH, key__in=[f"{unit_id}/{m}" for m in months]) \
            .values_list("figure", "n"):
        out[figure] += n
    return out


def hot_categories(unit_id: int, months: list[str], limit: int) -> list[tuple[int, int]]:
    """[(category id, requests received)] of the unit's subtree over the months, most first."""
    sums: Counter = Counter()
    for figure, n in RequestTally.objects.filter(dimension=CATEGORY, key__in=[f"{unit_id}/{m}" for m in months]) \
            .values_list("figure", "n"):
        sums[int(figure)] += n
    return sorted(((c, n) for c, n in sums.items() if n), key=lambda cn: (-cn[1], cn[0]))[:limit]


def pending(requests, *, now: dt.datetime) -> dict[str, int]:
    """Of `requests` (dispatched, counted, in the subtree and period), those whose limit has passed unanswered:
    `sign` not signed after the sign limit, `reply` not replied after the time limit (the partial indexes)."""
    return {"sign": requests.filter(signed_at__isnull=True, sign_due__lt=now).count(),
            "reply": requests.filter(replied_at__isnull=True, due_at__lt=now).count()}
