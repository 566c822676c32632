"""Reads of procedures, scoped in the query (Case.objects.visible_to, CaseStep.objects.waiting_for,
Institution.objects.visible_to). Rows for pages are plain dicts."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from luoshi.core import clock
from luoshi.core.workdays import Calendar
from luoshi.org.scopes import scope_for

from .models import Case, CaseStep, Definition, Institution, Notice, StepState


def definitions_current():
    return Definition.objects.filter(is_current=True).select_related("owner_unit").order_by("name")


def definition_get(code: str) -> Definition | None:
    return Definition.objects.filter(code=code, is_current=True).select_related("owner_unit").first()


def cases_visible(user):
    return Case.objects.visible_to(scope_for(user))


def case_get(user, pk: int) -> Case | None:
    return (cases_visible(user).select_related("definition", "definition__owner_unit", "unit", "town", "institution")
            .filter(pk=pk).first())


def cases_for(user, *, code: str = "", state: str = "", town: int | None = None, q: str = "", light: str = ""):
    qs = cases_visible(user).select_related("definition", "unit", "town")
    if code:
        qs = qs.filter(definition__code=code)
    if state:
        qs = qs.filter(state=state)
    if town:
        qs = qs.filter(town_id=town)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(number__icontains=q) | Q(unit__name__icontains=q))
    if light:
        qs = qs.filter(steps__state=StepState.OPEN, steps__light=light).distinct()
    return qs.order_by("-started_at", "-id")


def open_steps_of(case_ids) -> dict[int, list[CaseStep]]:
    out: dict[int, list[CaseStep]] = defaultdict(list)
    for s in CaseStep.objects.filter(case_id__in=list(case_ids), state=StepState.OPEN).order_by("opened_at", "id"):
        out[s.case_id].append(s)
    return out


def case_rows(cases) -> list[dict]:
    """Plain rows for the list: the case, where it stands (its open steps with light and days waited)."""
    cases = list(cases)
    steps = open_steps_of(c.pk for c in cases)
    today = clock.today()
    rows = []
    for c in cases:
        here = steps.get(c.pk, [])
        rows.append({
            "pk": c.pk, "number": c.number, "title": c.title, "unit": c.unit.name,
            "town": c.town.name if c.town_id else "", "definition": c.definition.name, "state": c.state,
            "state_label": c.get_state_display(), "outcome": c.outcome,
            "started": timezone.localtime(c.started_at).date(),
            "position": "、".join(s.name for s in here) or c.outcome or c.get_state_display(),
            "light": max((s.light for s in here), key=_light_rank, default=""),
            "waited": max(((today - timezone.localtime(s.opened_at).date()).days for s in here), default=None),
            "due": min((timezone.localtime(s.due_at - dt.timedelta(seconds=1)).date() for s in here), default=None),
        })
    return rows


def _light_rank(light: str) -> int:
    return {"normal": 0, "yellow": 1, "red": 2}.get(light, -1)


def steps_waiting(user):
    return (CaseStep.objects.waiting_for(scope_for(user)).select_related("case", "case__definition", "actor_unit")
            .order_by("due_at", "id"))


def step_stats(user, definition_code: str) -> list[dict]:
    """Per step of the definition: cases waiting there now (with the longest and mean wait in days) and the steps
    passed (with their mean time in working days) — where cases wait longest. Over the cases the user sees."""
    cal = Calendar.current()
    today = clock.today()
    visible = cases_visible(user).filter(definition__code=definition_code).values("pk")
    stats: dict[str, dict] = {}
    order: list[str] = []
    d = definition_get(definition_code)
    if d is not None:
        for s in d.parsed().steps:
            order.append(s.code)
            stats[s.code] = {"code": s.code, "name": s.name, "waiting": 0, "wait_days": [], "done": 0, "work_days": [],
                             "red": 0, "yellow": 0}
    for s in CaseStep.objects.filter(case__in=visible).exclude(state=StepState.CANCELLED).only(
            "code", "name", "state", "light", "opened_at", "closed_at"):
        row = stats.setdefault(s.code, {"code": s.code, "name": s.name, "waiting": 0, "wait_days": [], "done": 0,
                                        "work_days": [], "red": 0, "yellow": 0})
        if s.code not in order:
            order.append(s.code)
        opened = timezone.localtime(s.opened_at).date()
        if s.state == StepState.OPEN:
            row["waiting"] += 1
            row["wait_days"].append((today - opened).days)
            if s.light in ("red", "yellow"):
                row[s.light] += 1
        else:
            row["done"] += 1
            row["work_days"].append(cal.workdays_between(opened, timezone.localtime(s.closed_at).date()))
    out = []
    for code in order:
        r = stats[code]
        waits, works = r.pop("wait_days"), r.pop("work_days")
        r["wait_max"] = max(waits) if waits else None
        r["wait_mean"] = round(sum(waits) / len(waits), 1) if waits else None
        r["work_mean"] = round(sum(works) / len(works), 1) if works else None
        out.append(r)
    return out


def town_figures(user, definition_code: str) -> tuple[list[dict], dict]:
    """Per 镇街, over the visible cases of a parcel definition: parcels, and of those sold (amounts computed) the
    count, 亩, price, 调节金 and the collectives' share, in 元 (Decimal). And the total row."""
    rows: dict[str, dict] = {}
    cases = (cases_visible(user).filter(definition__code=definition_code).select_related("town")
             .only("fields", "amounts", "town__name", "state"))
    zero = Decimal("0")
    total = {"town": "", "town_id": None, "cases": 0, "sold": 0, "area": zero, "price": zero, "adjustment": zero,
             "collective": zero}
    for c in cases:
        name = c.town.name if c.town_id else "—"
        r = rows.setdefault(name, {"town": name, "town_id": c.town_id, "cases": 0, "sold": 0, "area": zero,
                                   "price": zero, "adjustment": zero, "collective": zero})
        for target in (r, total):
            target["cases"] += 1
            if c.amounts:
                amounts = {a["code"]: Decimal(a["value"]) for a in c.amounts}
                target["sold"] += 1
                target["area"] += Decimal(c.fields.get("area_mu") or 0)
                target["price"] += Decimal(c.fields.get("price") or 0)
                target["adjustment"] += amounts.get("adjustment", zero)
                target["collective"] += amounts.get("collective", zero)
    return sorted(rows.values(), key=lambda r: (-r["sold"], r["town"])), total


def institutions_visible(user):
    return Institution.objects.visible_to(scope_for(user)).select_related("unit", "authority")


def institution_get(user, pk: int) -> Institution | None:
    return institutions_visible(user).filter(pk=pk).first()


def notices_public():
    return Notice.objects.select_related("case").order_by("-published_at", "-id")


def counts_by_definition(user) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for code, state, n in (cases_visible(user).values_list("definition__code", "state").annotate(n=Count("id"))
                           .order_by()):
        out[code][state] = n
    return out

