"""The assessment's part of the cockpit (core.cockpit) and of 批示 targets (core.targets).

For a scope unit: the latest published round with results of units in its subtree — how many took part, the
standings of those units (best and worst), and the movers (名次 up or down since the round compared with). Results
are stored rows (the engine computed them), so this reads a few dozen rows; each count links to the same rows."""
from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy

from luoshi.core.cockpit import Chart, Drill, Figure, PanelData, Period, Series, Table
from luoshi.org.models import Unit
from luoshi.org.scopes import scope_for

from .models import Result, RoundState

PUBLISHED = (RoundState.PUBLISHED, RoundState.FINAL)
KEYS = ("units", "top", "bottom", "up", "down")
SHOWN = 8


def _latest_round_id(unit: Unit) -> int | None:
    return (Result.objects.filter(unit__path__within=[unit.path], round__state__in=PUBLISHED)
            .order_by("-round__period_end", "-round_id").values_list("round_id", flat=True).first())


def _results(unit: Unit, round_id: int, key: str = "units"):
    qs = Result.objects.filter(round_id=round_id, unit__path__within=[unit.path])
    filters = {"top": Q(is_top=True), "bottom": Q(is_bottom=True), "up": Q(movement__gt=0), "down": Q(movement__lt=0)}
    if key in filters:
        qs = qs.filter(filters[key])
    return qs


def _rank(r: dict) -> str:
    return "—" if r["rank"] is None else f"{r['rank']:g}"


def _move(m: int | None) -> str:
    if not m:
        return "—" if m is None else "持平"
    return f"↑{m}" if m > 0 else f"↓{-m}"


FIELDS = ("id", "unit_id", "unit__name", "group", "total", "rank", "grade", "movement", "is_top", "is_bottom",
          "excluded")


def assessment_cockpit(user, unit: Unit, period: Period) -> PanelData | None:
    rid = _latest_round_id(unit)
    if rid is None:
        return None
    from .models import Round

    rnd = Round.objects.only("id", "name").get(pk=rid)
    rows = list(_results(unit, rid).order_by("group", "rank", "unit__path").values(*FIELDS))
    ranked = sorted((r for r in rows if r["rank"] is not None), key=lambda r: (r["group"], r["rank"]))
    n = {k: sum(1 for r in rows if c(r)) for k, c in (
        ("top", lambda r: r["is_top"]), ("bottom", lambda r: r["is_bottom"]),
        ("up", lambda r: (r["movement"] or 0) > 0), ("down", lambda r: (r["movement"] or 0) < 0))}
    figures = [Figure(key="units", label=_("参评单位"), value=len(rows)),
               Figure(key="top", label=_("先进（前列）"), value=n["top"], state="good" if n["top"] else ""),
               Figure(key="bottom", label=_("后进（末位）"), value=n["bottom"], state="bad" if n["bottom"] else ""),
               Figure(key="up", label=_("名次上升"), value=n["up"], state="good" if n["up"] else ""),
               Figure(key="down", label=_("名次下降"), value=n["down"], state="warn" if n["down"] else "")]
    round_url = reverse("assess_round", args=[rid])
    prefix = reverse("assess_card", args=[rid, 0])[:-2]  # the score card of a unit

    def cell_unit(r: dict) -> dict:
        return {"text": r["unit__name"], "url": f"{prefix}{r['unit_id']}/"}

    def line(r: dict) -> list[dict]:
        state = "good" if r["is_top"] else "bad" if r["is_bottom"] else ""
        return [{"text": _rank(r), "num": True, "state": state}, cell_unit(r), {"text": f"{r['total']:.2f}", "num": True},
                {"text": r["grade"] or "—"}, {"text": _move(r["movement"]), "num": True}]

    columns = [_("名次"), _("单位"), _("得分"), _("等次"), _("变化")]
    tables = [Table(title=_("前列"), columns=columns, rows=[line(r) for r in ranked[:SHOWN]])]
    if len(ranked) > SHOWN:
        tables.append(Table(title=_("末位"), columns=columns, rows=[line(r) for r in ranked[-min(SHOWN, len(ranked) - SHOWN):]]))
    movers = sorted((r for r in rows if r["movement"]), key=lambda r: -abs(r["movement"]))[:SHOWN]
    if movers:
        tables.append(Table(title=_("变化最大"), columns=columns, rows=[line(r) for r in movers]))
    top = ranked[:10]
    charts = [Chart(key="totals", title=_("得分前十"), kind="hbar", categories=[r["unit__name"] for r in top],
                    series=[Series(name=_("得分"), values=[float(r["total"]) for r in top], state="good")])] if top else []
    return PanelData(figures=figures, charts=charts, tables=tables, link=round_url,
                     note=_("最近一次已公布的考核期次：%(name)s（名次变化与对比期次相比）。") % {"name": rnd.name})


def assessment_drill(user, unit: Unit, period: Period, key: str) -> Drill | None:
    rid = _latest_round_id(unit)
    if rid is None or key not in KEYS:
        return None
    rows = _results(unit, rid, key).order_by("group", "rank", "unit__path").values(*FIELDS)
    prefix = reverse("assess_card", args=[rid, 0])[:-2]

    def row(r: dict) -> tuple[list[str], str]:
        return ([_rank(r), r["unit__name"], f"{r['total']:.2f}", r["grade"] or "—", _move(r["movement"])],
                f"{prefix}{r['unit_id']}/")

    titles = {"units": _("参评单位"), "top": _("先进（前列）"), "bottom": _("后进（末位）"), "up": _("名次上升"),
              "down": _("名次下降")}
    return Drill(title=titles[key], columns=[_("名次"), _("单位"), _("得分"), _("等次"), _("变化")], rows=rows, row=row)


def result_target_get(user, pk: int) -> Result | None:
    """A published result, or any result of a unit the user holds a role over."""
    scope = scope_for(user)
    r = Result.objects.select_related("unit", "round").filter(pk=pk).first()
    if r is None:
        return None
    if r.round.state in PUBLISHED or scope.is_admin or scope.covers(r.unit.path, *scope.paths):
        return r
    return None


def register() -> None:
    """Called from AssessmentConfig.ready(): the cockpit panel and the 批示 target."""
    from luoshi.core.cockpit import register_panel
    from luoshi.core.targets import register_target

    register_panel("assessment", title=gettext_lazy("考核测评"), order=30, figures=assessment_cockpit,
                   drill=assessment_drill)
    register_target("assessment.result", label=gettext_lazy("考核结果"), get=result_target_get,
                    unit_path=lambda r: r.unit.path, units=lambda r: [r.unit],
                    url=lambda r: reverse("assess_round", args=[r.round_id]),
                    title=lambda r: f"{r.round.name} · {r.unit.name}")
