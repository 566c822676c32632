"""批示 on the cockpit (core.cockpit): the open 批示 about the scope (their target in it, or addressed to a unit in
it), how many are overdue and how many answers are still missing; each count links to its list (drill)."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy

from luoshi.core import clock
from luoshi.core.cockpit import Drill, Figure, PanelData, Period, Table
from luoshi.org.models import Unit

from .models import InstructionState, InstructionUnit
from .selectors import instruction_list, instruction_rows

KEYS = ("open", "overdue", "unanswered")
SHOWN = 6


def _open(user, unit: Unit):
    return instruction_list(user=user, tab="open", unit=unit)


def _keyed(user, unit: Unit, key: str):
    qs = _open(user, unit)
    if key == "overdue":
        return qs.filter(deadline__lt=clock.today())
    if key == "unanswered":
        return qs.filter(pk__in=InstructionUnit.objects.filter(answered_at=None).values("instruction_id"))
    return qs


def instructions_cockpit(user, unit: Unit, period: Period) -> PanelData | None:
    n_open = _open(user, unit).count()
    if not n_open:
        return None
    overdue = _keyed(user, unit, "overdue").count()
    unanswered = _keyed(user, unit, "unanswered").count()
    rows = instruction_rows(_open(user, unit)[:SHOWN])
    table = Table(title=_("最新在办批示"), columns=[_("批示对象"), _("批示内容"), _("时限"), _("回复")], rows=[
        [{"text": r["target_title"][:30], "url": r["url"]}, {"text": r["text"][:60]},
         {"text": (f"{r['deadline']:%m-%d}" if r["deadline"] else "—") + (" " + _("逾期") if r["overdue"] else ""),
          "state": "bad" if r["overdue"] else ""},
         {"text": f"{r['answered_count']}/{r['unit_count']}", "num": True}] for r in rows])
    return PanelData(figures=[
        Figure(key="open", label=_("在办批示"), value=n_open),
        Figure(key="overdue", label=_("逾期未办结"), value=overdue, state="bad" if overdue else "good"),
        Figure(key="unanswered", label=_("尚有单位未回复"), value=unanswered, state="warn" if unanswered else "good"),
    ], tables=[table], link=reverse("instruction_list") + "?tab=open")


def instructions_drill(user, unit: Unit, period: Period, key: str) -> Drill | None:
    if key not in KEYS:
        return None
    prefix = reverse("instruction_detail", args=[0])[:-2]
    labels = dict(InstructionState.choices)
    rows = _keyed(user, unit, key).values("id", "target_title", "text", "deadline", "state", "answered_count",
                                          "unit_count")

    def row(r: dict) -> tuple[list[str], str]:
        return ([r["target_title"][:40], r["text"][:80], f"{r['deadline']:%Y-%m-%d}" if r["deadline"] else "—",
                 f"{r['answered_count']}/{r['unit_count']}", str(labels[r["state"]])], f"{prefix}{r['id']}/")

    titles = {"open": _("在办批示"), "overdue": _("逾期未办结的批示"), "unanswered": _("尚有单位未回复的批示")}
    return Drill(title=titles[key], columns=[_("批示对象"), _("批示内容"), _("时限"), _("已回复/单位"), _("状态")],
                 rows=rows, row=row)


def register() -> None:
    from luoshi.core.cockpit import register_panel

    register_panel("instructions", title=gettext_lazy("领导批示"), order=5, figures=instructions_cockpit,
                   drill=instructions_drill)
