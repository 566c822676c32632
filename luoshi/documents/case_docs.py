"""案例汇编: the chosen cases of the library as one Word document in 公文 layout — a contents list, then
each case (title, unit and team, summary, the problem, what was done, the results with their figures and
the replication record)."""
from __future__ import annotations

import datetime as dt

from docx.enum.text import WD_ALIGN_PARAGRAPH

from luoshi.cases.models import Case

from .gongwen import (
    HEITI, KAITI, TITLE_PT, XIAOBIAOSONG, add_para, chinese_date, chinese_number, finish, grid_table, new_document,
)

__all__ = ["compilation_docx"]


def compilation_docx(*, cases: list[Case], title: str, office: str, day: dt.date) -> bytes:
    doc = new_document(title=title, author=office)
    add_para(doc, title, font=XIAOBIAOSONG, size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    add_para(doc, f"{office}　{chinese_date(day)}", font=KAITI, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    add_para(doc, indent=False)
    add_para(doc, "目　录", font=HEITI, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    for i, c in enumerate(cases, 1):
        add_para(doc, f"{i}. {c.title}（{c.unit.name}）", indent=False)
    if not cases:
        add_para(doc, "（无符合条件的案例）")
    for i, c in enumerate(cases, 1):
        p = add_para(doc, f"{chinese_number(i)}、{c.title}", font=HEITI, outline=0, indent=False)
        p.paragraph_format.page_break_before = True
        who = c.unit.name + (f"　创新团队：{c.team}" if c.team else "")
        add_para(doc, who, font=KAITI, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        add_para(doc, c.summary)
        for heading, text in (("（一）解决的问题", c.problem), ("（二）主要做法", c.body), ("（三）取得成效", c.results)):
            if not text and heading != "（三）取得成效":
                continue
            add_para(doc, heading, font=KAITI, outline=1)
            for line in filter(None, (x.strip() for x in (text or "").splitlines())):
                add_para(doc, line)
        if c.figures:
            grid_table(doc, (("成效数据", 96), ("数值", 60)), [(f["label"], f"{f['value']}{f.get('unit', '')}")
                                                             for f in c.figures], left=(0,))
        recs = list(c.recognitions.all())
        adoptions = list(c.adoptions.select_related("unit"))
        if recs or adoptions:
            add_para(doc, "（四）复制推广", font=KAITI, outline=1)
            for r in recs:
                add_para(doc, f"{chinese_date(r.date)}，{r.get_level_display()}（{r.source}）。")
            if adoptions:
                add_para(doc, "借鉴单位：" + "、".join(a.unit.name for a in adoptions) + "。")
    return finish(doc)
