"""The "miss pattern" of issue #11 for bench/pages.py --miss: requests that are all different.

People open different programs, filters and pages; nothing is asked twice. `miss_requests(n)` draws `n` distinct
(page, user) requests from pools over the bench datasets, in a seeded random order:

- task list: /programs/<code>/tasks/?status=<s>&page=<p> for the city office, district offices, district leaders
  and street liaisons, every program they may read, every status ("" = all) and every page that exists for them;
- 工作台: / for every person who holds a role (the page depends only on who asks);
- overview: /programs/<code>/ for every office and leader and a sample of liaisons, every program they may read;
- ledger list: /programs/bench-ledger/ledger/?status=<s>&page=<p> (bench/ledger_data.py), for the city office,
  the district offices and a sample of street liaisons;
- score card: /assess/rounds/<round>/units/<unit>/ (bench/assessment_data.py) for the city office and for the
  street liaison of the unit's street.

A kind whose dataset is missing is left out (and said so). The share of each kind is `MIX`; when a pool runs out,
the others fill in. Building the pools counts the rows each user sees, once (a few seconds).
"""
from __future__ import annotations

import math
import random
from collections import Counter

MIX = {"task list": 40, "workbench": 15, "overview": 15, "ledger list": 15, "score card": 15}
STATUSES = ("", "red", "yellow", "normal", "extended", "closed")
LEDGER_STATUSES = ("", "recorded", "assigned", "rectifying", "submitted", "closed")
PAGE = 50  # rows per page of the task list and the ledger list
MAX_PAGES = 40  # pages offered per list (nobody pages further; a bigger number changes nothing but the OFFSET)


def _pages(n: int) -> range:
    return range(1, min(MAX_PAGES, max(1, math.ceil(n / PAGE))) + 1)


def _query(status: str, page: int) -> str:
    parts = ([f"status={status}"] if status else []) + ([f"page={page}"] if page > 1 else [])
    return "?" + "&".join(parts) if parts else ""


def _people(rng: random.Random, liaisons: int):
    from luoshi.org.models import Person, UnitKind

    office = list(Person.objects.filter(username="bench_office"))
    offices = list(Person.objects.filter(username__startswith="office_d").order_by("username"))
    leaders = list(Person.objects.filter(username__startswith="leader_").order_by("username"))
    streets = list(Person.objects.filter(username__startswith="liaison_u", unit__kind=UnitKind.STREET)
                   .select_related("unit").order_by("username"))
    return office, offices, leaders, rng.sample(streets, min(liaisons, len(streets))), streets


def task_list_pool(rng: random.Random) -> list[tuple[str, str, object]]:
    from luoshi.tasks import selectors

    office, offices, leaders, liaisons, _ = _people(rng, 30)
    pool = []
    for user in office + offices + leaders[::3] + liaisons:
        for program in selectors.program_list(user=user):
            for status in STATUSES:
                n = selectors.task_list(user=user, filters=selectors.TaskFilters(program=program, status=status)).count()
                if n or not status:
                    pool += [("task list", f"/programs/{program.code}/tasks/{_query(status, p)}", user) for p in _pages(n)]
    return pool


def workbench_pool(rng: random.Random) -> list[tuple[str, str, object]]:
    from luoshi.org.models import Person

    people = Person.objects.filter(grants__isnull=False, is_active=True).distinct().order_by("username")
    return [("workbench", "/", user) for user in people]


def overview_pool(rng: random.Random) -> list[tuple[str, str, object]]:
    from luoshi.tasks import selectors

    office, offices, leaders, liaisons, _ = _people(rng, 30)
    return [("overview", f"/programs/{program.code}/", user) for user in office + offices + leaders + liaisons
            for program in selectors.program_list(user=user)]


def ledger_pool(rng: random.Random) -> list[tuple[str, str, object]]:
    from luoshi.ledger import selectors
    from luoshi.programs.models import Program

    program = Program.objects.filter(code="bench-ledger").first()
    if program is None:
        return []
    office, offices, _leaders, liaisons, _ = _people(rng, 20)
    pool = []
    for user in office + offices + liaisons:
        if not selectors.ledger_programs(user=user).filter(pk=program.pk).exists():
            continue
        for status in LEDGER_STATUSES:
            n = selectors.finding_list(user=user, program=program, filters=selectors.FindingFilters(status=status)).count()
            if n or not status:
                pool += [("ledger list", f"/programs/{program.code}/ledger/{_query(status, p)}", user) for p in _pages(n)]
    return pool


def score_card_pool(rng: random.Random) -> list[tuple[str, str, object]]:
    from django.urls import reverse

    from luoshi.assessment.models import Round, RoundUnit

    rounds = list(Round.objects.filter(scheme__code="bench-assess").order_by("period_end"))
    if not rounds:
        return []
    office, _offices, _leaders, _liaisons, streets = _people(rng, 0)
    liaison_of = {p.unit_id: p for p in streets}
    pool = []
    for rnd in rounds:
        units = list(RoundUnit.objects.filter(round=rnd).values_list("unit_id", "unit__parent_id"))
        for unit_id, street_id in rng.sample(units, min(1500, len(units))):
            path = reverse("assess_card", kwargs={"pk": rnd.pk, "unit_pk": unit_id})
            pool.append(("score card", path, office[0]))
            if street_id in liaison_of:
                pool.append(("score card", path, liaison_of[street_id]))
    return pool


POOLS = {"task list": task_list_pool, "workbench": workbench_pool, "overview": overview_pool,
         "ledger list": ledger_pool, "score card": score_card_pool}


def miss_requests(n: int, seed: int = 11, mix: dict[str, int] | None = None) -> tuple[list[dict], dict[str, int]]:
    """`n` distinct requests ({"label", "path", "user"}) drawn by `mix` from the pools, and each pool's size."""
    rng = random.Random(seed)
    mix = mix or MIX
    pools = {kind: POOLS[kind](rng) for kind in mix}
    sizes = {kind: len(pool) for kind, pool in pools.items()}
    for pool in pools.values():
        rng.shuffle(pool)
    out, seen = [], set()
    kinds = [k for k in mix if pools[k]]
    while len(out) < n and kinds:
        kind = rng.choices(kinds, weights=[mix[k] for k in kinds])[0]
        label, path, user = pools[kind].pop()
        if not pools[kind]:
            kinds.remove(kind)
        if (path, user.pk) in seen:
            continue
        seen.add((path, user.pk))
        out.append({"label": label, "path": path, "user": user})
    return out, sizes


def describe(requests: list[dict], sizes: dict[str, int]) -> str:
    drawn = Counter(r["label"] for r in requests)
    return ", ".join(f"{kind} {drawn.get(kind, 0)} of {size:,}" + ("" if size else " (no data: left out)")
                     for kind, size in sizes.items())
