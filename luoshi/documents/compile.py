"""Sections of a 工作动态/工作专刊, copied from what the editor picks: a progress report, a case from the
library, a program's figures, or free text. The content is copied into the issue's snapshot when it is
added (the issue's stored input), so later edits of the report or case do not change an issue, and the
editor can still rewrite the text before 签发."""
from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from luoshi.cases import selectors as case_selectors
from luoshi.core.errors import ServiceError
from luoshi.org.scopes import scope_for
from luoshi.tasks import selectors as task_selectors
from luoshi.tasks.models import ProgressReport

from .bulletin import STATUS_LABEL, STATUS_ORDER, bulletin_snapshot
from .gongwen import chinese_date, format_rate


def text_section(heading: str, body: str) -> dict:
    return {"type": "text", "heading": heading.strip(), "body": body.strip()}


def case_section(*, user, pk: int) -> dict:
    try:
        case = case_selectors.case_get(user=user, pk=pk)
    except Http404:
        raise ServiceError(_("没有找到编号为 %(pk)s 的案例，或您无权查看。") % {"pk": pk}, field="ref")
    parts = [case.summary, f"【解决的问题】{case.problem}", f"【主要做法】{case.body}"]
    if case.results:
        parts.append(f"【取得成效】{case.results}")
    source = case.unit.name + (f"　创新团队：{case.team}" if case.team else "")
    rows = []
    for f in case.figures:
        value = f["value"]
        number = int(value) if value.isdigit() else None
        rows.append([f["label"], f"{value}{f.get('unit', '')}", number] if number is not None
                    else [f["label"], f"{value}{f.get('unit', '')}"])
    return {"type": "case", "ref": case.pk, "heading": case.title, "source": source, "body": "\n".join(parts),
            "rows": rows}


def report_section(*, user, pk: int) -> dict:
    report = (ProgressReport.objects.visible_to(scope_for(user)).select_related("task", "unit")
              .filter(pk=pk).first())
    if report is None:
        raise ServiceError(_("没有找到编号为 %(pk)s 的进展报送，或您无权查看。") % {"pk": pk}, field="ref")
    t = report.task
    day = report.submitted_at.date()
    return {"type": "report", "ref": report.pk, "heading": f"{t.title}",
            "source": f"{report.unit.name}　{chinese_date(day)}报送", "body": report.text}


def figures_section(*, user, code: str, as_of) -> dict:
    program = task_selectors.program_get(user=user, code=code)
    snap = bulletin_snapshot(user=user, program=program, as_of=as_of)
    counts = snap["counts"]
    rows = [[STATUS_LABEL[s], f"{counts.get(s, 0)}项", counts.get(s, 0)] for s in STATUS_ORDER]
    rows.append(["办结率", format_rate(snap["closure_rate"])])
    body = f"截至{chinese_date(as_of)}，{program.name}共有任务{counts.get('total', 0)}项。"
    return {"type": "figures", "ref": program.code, "heading": f"{program.name}推进情况", "body": body, "rows": rows}
