"""Assessment documents:

- 排名通报 (ranking bulletin), Word in 公文 layout (GB/T 9704) like the 调度通报 and the 督查通报: the
  overall figures, per peer group a ranking table and a bar chart, 十佳/十差, the units not ranked, the
  consequences the office confirmed, and — from the second published revision on — the revision notes
  (“第2版：…”).
- 评分卡 (score card), PDF from an HTML template through WeasyPrint: every indicator of the unit's card in
  tree order with 应得分, the rule, the values each evaluator gave, the points, the evidence, then the
  deductions and bonuses, the totals, rank and grade, and the appeals with their original and revised
  points. The CJK font is embedded from the server's font file; nothing is fetched from the network.

Numbers are read through luoshi.assessment.selectors with the acting user: the league table from the
stored results (nothing recomputed), the score card from selectors.score_card.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH

from luoshi.assessment import engine, selectors
from luoshi.assessment.excel import league_table_data
from luoshi.assessment.models import Consequence, ProposalState, Round, ScoreStatus
from luoshi.core import clock
from luoshi.org.models import Unit

from .charts import CJKFontMissing, bar_chart_png, cjk_font_path
from .gongwen import (
    issue_line,
    HEITI, KAITI, TABLE_PT, add_para, caption, chinese_date, chinese_number, finish, grid_table, masthead, picture,
    signature, single_spaced,
)

__all__ = ["font_url", "ranking_bulletin_docx", "ranking_bulletin_snapshot", "ranking_snapshot_docx", "scorecard_html",
           "scorecard_pdf"]

CHART_ALL = 30          # a group's chart shows every unit up to this many, else the first and last 15
CHART_EACH_END = 15
DASH = "—"

REQUIREMENTS = (
    "各单位要认真对照考核结果，逐项查找差距和不足，深入分析失分原因，制定整改措施，明确责任人和完成时限，"
    "切实补齐短板弱项。",
    "排名靠前的单位要总结经验、巩固提升；排名靠后的单位要高度重视，主要负责同志要亲自研究部署，"
    "确保下一期考核有明显进位。对连续排名靠后的单位，将按照考核办法严肃运用考核结果。",
)

# (header, width mm): 156 mm type area
POINTS_COLUMNS = (("名次", 14), ("单位", 50), ("总分", 22), ("得分率", 22), ("等次", 20), ("升降位次", 28))
METRIC_COLUMNS = (("名次", 14), ("单位", 40), ("综合指数", 24), ("同比变化率", 26), ("综合得分", 24), ("升降位次", 28))


# ---- numbers ------------------------------------------------------------------------------------------

def _num(value, places: int | None = None) -> str:
    """A Decimal as published: `places` decimals (the scheme's precision), or as written."""
    if value is None:
        return DASH
    if isinstance(value, Decimal) and places is not None:
        return f"{value:.{places}f}"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _rate(value, places: int) -> str:
    return DASH if value is None else f"{value:.{places}f}%"


def _rank(value) -> str:
    return DASH if value is None else str(value)


def _movement(m: int | None) -> str:
    if m is None:
        return DASH
    return "持平" if m == 0 else (f"上升{m}位" if m > 0 else f"下降{-m}位")


def _names(rows) -> str:
    return "、".join(r["unit"] for r in rows)


# ---- 排名通报 ------------------------------------------------------------------------------------------

def _groups(table, definition) -> list[tuple[str, list[dict]]]:
    out: list[tuple[str, list[dict]]] = []
    for row in table.rows:
        if not out or out[-1][0] != row["group"]:
            out.append((row["group"], []))
        out[-1][1].append(row)
    return out


def _overview(table, definition, rnd: Round) -> list[str]:
    rows = table.rows
    places = definition.precision
    ranked = [r for r in rows if r["rank"] is not None]
    excluded = [r for r in rows if r["rank"] is None]
    groups = _groups(table, definition)
    parts = "、".join(f"{name or '未分组'}{len(members)}个" for name, members in groups) if len(groups) > 1 else ""
    text = f"本期共有{len(rows)}个单位参加考核" + (f"（{parts}）" if parts else "")
    text += f"，其中{len(excluded)}个单位不参与排名。" if excluded else "。"
    if definition.type == "metric" and ranked:
        name = definition.league.composite_name
        with_index = [r for r in ranked if r.get("index") is not None]
        if with_index:
            best = min(with_index, key=lambda r: r["index"])
            worst = max(with_index, key=lambda r: r["index"])
            text += (f"{name}最低（最好）的是{best['unit']}（{_num(best['index'], definition.league.composite_precision)}），"
                     f"最高的是{worst['unit']}（{_num(worst['index'], definition.league.composite_precision)}）。")
        return [text]
    if ranked:
        totals = [r["total"] for r in ranked]
        mean = engine.publish_round(sum(totals, Decimal(0)) / len(totals), places, definition.rounding)
        best = max(ranked, key=lambda r: r["total"])
        worst = min(ranked, key=lambda r: r["total"])
        text += (f"参与排名单位平均得分{_num(mean, places)}分，最高{_num(best['total'], places)}分（{best['unit']}），"
                 f"最低{_num(worst['total'], places)}分（{worst['unit']}）。")
    lines = [text]
    if definition.grades:
        counts = {g.name: 0 for g in definition.grades}
        for r in rows:
            if r["grade"] in counts:
                counts[r["grade"]] += 1
        lines.append("等次分布：" + "，".join(f"{name}{n}个" for name, n in counts.items()) + "。")
    return lines


def _chart_rows(members: list[dict]) -> tuple[list[dict], str]:
    ranked = [r for r in members if r["rank"] is not None]
    if len(ranked) <= CHART_ALL:
        return ranked, ""
    return ranked[:CHART_EACH_END] + ranked[-CHART_EACH_END:], f"（前{CHART_EACH_END}名和后{CHART_EACH_END}名）"


def ranking_bulletin_snapshot(*, user, round: Round, issue_no: int | None = None) -> dict:
    """The 排名通报's inputs as plain JSON values: every sentence, table cell and chart value the document shows,
    taken from the round's stored results (stored with a scheduled issue; `ranking_snapshot_docx` draws it)."""
    rnd = round
    definition = rnd.version.definition()
    table = league_table_data(user=user, round=rnd)
    scheme = rnd.scheme
    when = clock.localtime(rnd.published_at).date() if rnd.published_at else clock.today()
    places = definition.precision
    metric = definition.type == "metric"
    period = f"{chinese_date(rnd.period_start)}至{chinese_date(rnd.period_end)}"
    blocks: list[dict] = [{"heading": "总体情况", "lines": _overview(table, definition, rnd)}]
    groups = []
    figure = 0
    for name, members in _groups(table, definition):
        if metric:
            league = definition.league
            rows = [[_rank(r["rank"]), r["unit"], _num(r.get("index"), league.composite_precision),
                     _rate(r.get("change"), league.change_precision), _num(r["total"], places),
                     _movement(r["movement"])] for r in members]
        else:
            rows = [[_rank(r["rank"]), r["unit"], _num(r["total"], places), _rate(r.get("rate"), places),
                     r["grade"] or DASH, _movement(r["movement"])] for r in members]
        chart_rows, which = _chart_rows(members)
        chart = None
        if chart_rows:
            figure += 1
            key, label = (("index", definition.league.composite_name) if metric else ("total", "总分"))
            chart = {"title": f"{name or scheme.name}{label}{which}", "label": label,
                     "categories": [r["unit"] for r in chart_rows],
                     "values": [float(r.get(key) or 0) for r in chart_rows],
                     "digits": definition.league.composite_precision if metric else places,
                     "caption": f"图{figure}　{name or ''}{label}排名{which}"}
        groups.append({"name": name, "rows": rows, "chart": chart})
    n = definition.top_bottom
    tops = [r for r in table.rows if r["top"]]
    bottoms = [r for r in table.rows if r["bottom"]]
    after: list[dict] = []
    if tops or bottoms:
        top_word, bottom_word = ("十佳", "十差") if n == 10 else (f"前{n}名", f"后{n}名")
        after.append({"heading": f"{top_word}和{bottom_word}单位", "lines": [
            f"（{chinese_number(i)}）{word}单位：{_names(rows) if rows else '无'}。"
            for i, (word, rows) in enumerate(((top_word, tops), (bottom_word, bottoms)), 1)]})
    excluded = [r for r in table.rows if r["rank"] is None]
    if excluded:
        after.append({"heading": "不参与排名单位", "lines": [f"{r['unit']}：{r['excluded'] or '不参与排名'}。" for r in excluded]})
    confirmed = list(Consequence.objects.filter(round=rnd, state=ProposalState.CONFIRMED)
                     .select_related("unit").order_by("unit__sort_order", "unit__path", "rule_code"))
    if confirmed:
        after.append({"heading": "结果运用", "lines": ["根据考核办法，经研究确认，对以下单位采取相应措施："] + [
            f"（{chinese_number(i)}）{c.unit.name}：{c.action}（{c.rule_name}）。" for i, c in enumerate(confirmed, 1)]})
    after.append({"heading": "工作要求", "lines": list(REQUIREMENTS)})
    return {
        "kind": "assessment", "round": {"id": rnd.pk, "name": rnd.name, "revision": rnd.revision},
        "scheme": {"id": scheme.pk, "name": scheme.name, "owner": scheme.owner_unit.name},
        "issue_no": issue_no, "date": when.isoformat(), "published": rnd.is_published,
        "intro": f"现将{rnd.name}（{period}）{scheme.name}结果通报如下：",
        "notes": list(table.notes) if rnd.revision > 1 else [],
        "blocks": blocks, "metric": metric, "groups": groups, "after": after,
        "footnote": (f"注：总分按{'四舍五入' if definition.rounding == 'half_up' else 'GB/T 8170 数值修约规则'}"
                     f"保留{places}位小数，名次按公布的分值排定，分值相同的并列。"),
    }


def ranking_bulletin_docx(*, user, round: Round, issue_no: int | None = None, office_name: str = "") -> bytes:
    """The 排名通报 of a round from its stored results (what was last computed or published)."""
    return ranking_snapshot_docx(ranking_bulletin_snapshot(user=user, round=round, issue_no=issue_no),
                                 office_name=office_name)


def ranking_snapshot_docx(snap: dict, *, office_name: str = "", issue_no: int | None = None, note: str = "") -> bytes:
    """The 排名通报 in Word from a snapshot (ranking_bulletin_snapshot); `note` is an editor's 按语."""
    office = office_name.strip() or snap["scheme"]["owner"]
    issue_no = snap["issue_no"] if issue_no is None else issue_no
    when = chinese_date(dt.date.fromisoformat(snap["date"]))
    doc = masthead(title=f"{snap['scheme']['name']}排名通报",
                   issue_text=issue_line(issue_no), office=office, date_text=when)
    if not snap["published"]:
        add_para(doc, "（审核稿，未公布）", font=KAITI, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, color="FF0000")
    for line in filter(None, (x.strip() for x in note.splitlines())):
        add_para(doc, line)
    add_para(doc, snap["intro"])
    for text in snap["notes"]:
        single_spaced(add_para(doc, text, font=KAITI))

    section = 0

    def heading(text: str) -> None:
        nonlocal section
        section += 1
        add_para(doc, f"{chinese_number(section)}、{text}", font=HEITI, outline=0)

    for block in snap["blocks"]:
        heading(block["heading"])
        for line in block["lines"]:
            add_para(doc, line)

    heading("排名情况")
    groups = snap["groups"]
    for g, group in enumerate(groups, 1):
        if len(groups) > 1:
            add_para(doc, f"（{chinese_number(g)}）{group['name'] or '未分组'}", font=KAITI, outline=1)
        grid_table(doc, METRIC_COLUMNS if snap["metric"] else POINTS_COLUMNS, [tuple(r) for r in group["rows"]],
                   left=(1,))
        chart = group["chart"]
        if chart:
            png = bar_chart_png(title=chart["title"], categories=chart["categories"],
                                series=[(chart["label"], chart["values"])], width_px=1600,
                                height_px=300 + 70 * len(chart["categories"]), horizontal=True,
                                value_format=lambda v, d=chart["digits"]: f"{v:.{d}f}")
            picture(doc, png)
            caption(doc, chart["caption"])

    for block in snap["after"]:
        heading(block["heading"])
        for line in block["lines"]:
            add_para(doc, line)
    single_spaced(add_para(doc, snap["footnote"], size=TABLE_PT, indent=False))
    signature(doc, office, when)
    return finish(doc)


# ---- 评分卡 (PDF) ---------------------------------------------------------------------------------------

STATUS_LABEL = {ScoreStatus.SUBMITTED: "待审核", ScoreStatus.APPROVED: "已审核", ScoreStatus.RETURNED: "已退回"}


def _value_text(score, indicator) -> str:
    if score.level:
        return score.level
    if indicator.rule_type == "pass_fail":
        return "达标" if score.value >= 1 else "不达标"
    if indicator.rule_type == "deduction":
        return f"{_num(score.value)}处"
    return _num(score.value)


def _earned(line, places: int, rounding: str) -> str:
    """A line's points as published (leaves and item subtotals); 不计分 for a leaf left out (missing data)."""
    if line.excluded:
        return "不计分"
    if line.earned is None:
        return DASH
    return _num(engine.publish_round(line.earned, places, rounding), places)


def _card_context(user, rnd: Round, unit: Unit) -> dict:
    card = selectors.score_card(user, rnd, unit)
    definition = rnd.version.definition()
    places = definition.precision
    lines = []
    for line in card.lines:
        ind = line.indicator
        materials = card.materials.get(ind.pk, []) if line.is_leaf else []
        lines.append({
            "code": ind.code, "name": ind.name, "depth": line.depth, "indent": f"{1.5 + line.depth * 4.5:.1f}mm",
            "is_leaf": line.is_leaf,
            "points": _num(line.points) if line.points is not None else "",
            "method": ind.method, "rule": line.rule_text,
            "scores": [{"value": _value_text(s, ind), "evaluator": s.evaluator.display_name if s.evaluator else DASH,
                        "status": STATUS_LABEL.get(s.status, s.status), "note": s.note,
                        "evidence": [a.original_name for a in s.evidence], "source": s.source}
                       for s in line.scores],
            "materials": [f.original_name for m in materials for f in m.files.all()],
            "earned": _earned(line, places, definition.rounding),
        })
    deductions = {d.code: d for d in definition.deductions}
    kinds = {k.code: k for k in (definition.bonuses.kinds if definition.bonuses else [])}
    adjustments = []
    for a in card.adjustments:
        if a.kind == "deduction":
            item = deductions.get(a.item)
            amount = item.points * a.count if item else None
            adjustments.append({"kind": "减分", "name": item.name if item else a.item, "level": "",
                                "count": _num(a.count), "points": f"−{_num(amount)}" if amount is not None else DASH,
                                "note": a.note, "award": a.award, "veto": bool(item and item.veto),
                                "cap": _num(item.cap) if item and item.cap is not None else "",
                                "evidence": [f.original_name for f in a.evidence.all()]})
        else:
            kind = kinds.get(a.item)
            pts = kind.points.get(a.level) if kind else None
            adjustments.append({"kind": "加分", "name": kind.name if kind else a.item, "level": a.level,
                                "count": "", "points": f"+{_num(pts)}" if pts is not None else DASH, "note": a.note,
                                "award": a.award, "veto": False,
                                "cap": _num(kind.cap) if kind and kind.cap is not None else "",
                                "evidence": [f.original_name for f in a.evidence.all()]})
    result = card.result
    preview = card.preview
    summary = None
    if result is not None:
        summary = {"total": _num(result.total, places), "rate": _rate(result.rate, places),
                   "rank": (f"{_rank(int(result.rank) if result.rank == int(result.rank) else result.rank)}"
                            f"/{result.group_size}") if result.rank is not None else DASH,
                   "grade": result.grade or DASH,
                   "earned": _num(engine.publish_round(result.earned, places, definition.rounding), places),
                   "available": _num(result.available), "bonus": _num(result.bonus, places),
                   "deduction": _num(result.deduction, places), "movement": _movement(result.movement),
                   "excluded": result.excluded, "vetoed": result.vetoed, "figures": result.figures or {},
                   "group": next((g.name for g in definition.peer_groups if g.code == result.group), result.group)}
    appeals = [{"code": a.indicator.code, "name": a.indicator.name, "reason": a.reason, "state": a.get_state_display(),
                "filed": chinese_date(clock.localtime(a.filed_at).date()),
                "original_value": _num(a.original_value), "original_points": _num(a.original_points),
                "revised_value": _num(a.revised_value) if a.revised_value is not None else "",
                "revised_points": _num(a.revised_points) if a.revised_points is not None else "",
                "decision": a.decision, "reviewer": a.reviewer.display_name if a.reviewer else ""}
               for a in card.appeals]
    metrics = []
    if definition.type == "metric" and result is not None:
        f = result.figures or {}
        for m in definition.league.metrics:
            value = (f.get("values") or {}).get(m.code)
            metrics.append({"name": m.name, "unit": m.unit,
                            "value": _num(Decimal(value), m.precision) if value is not None else DASH,
                            "rank": (f.get("ranks") or {}).get(m.code) or DASH})
    return {
        "round": rnd, "scheme": rnd.scheme, "version": rnd.version.number, "unit": unit, "lines": lines,
        "metric": definition.type == "metric", "metrics": metrics, "adjustments": adjustments,
        "bonus_cap": _num(definition.bonuses.cap) if definition.bonuses and definition.bonuses.cap is not None else "",
        "summary": summary, "preview": preview, "appeals": appeals,
        "consequences": [{"rule": c.rule_name, "action": c.action, "state": c.get_state_display(), "detail": c.detail}
                         for c in card.consequences],
        "general_materials": [f.original_name for m in card.materials.get(None, []) for f in m.files.all()],
        "period": f"{chinese_date(rnd.period_start)}至{chinese_date(rnd.period_end)}",
        "state": rnd.get_state_display(), "published": rnd.is_published,
        "revision": rnd.revision,
        "computed": chinese_date(clock.localtime(rnd.computed_at).date()) if rnd.computed_at else "",
    }


def font_url() -> str:
    """The file URL of the server's CJK font for WeasyPrint (CJKFontMissing when there is none)."""
    path = cjk_font_path()
    if path is None:
        raise CJKFontMissing(_("服务器上没有可显示中文的字体，无法生成评分卡。请管理员安装中文字体后重试"
                               "（Debian/Ubuntu：apt-get install fonts-wqy-microhei）。"))
    return Path(path).resolve().as_uri()


def scorecard_html(*, user, round: Round, units: list[Unit]) -> str:
    """The score cards of `units` (each on its own pages) as the HTML the PDF is made from."""
    cards = [_card_context(user, round, unit) for unit in units]
    today = clock.today()
    return render_to_string("documents/scorecard.html", {
        "cards": cards, "font_url": font_url(), "generated": chinese_date(today),
        "title": (f"{cards[0]['unit'].name}评分卡" if len(cards) == 1 else f"{round.name}评分卡"),
    })


def scorecard_pdf(*, user, round: Round, units: list[Unit]) -> bytes:
    """The score cards as one PDF (A4). Only the server's CJK font file is read; every other URL in the
    HTML is refused, so the document never reaches the network."""
    from weasyprint import HTML, default_url_fetcher

    html = scorecard_html(user=user, round=round, units=units)
    font = font_url()

    def fetch(url: str, *args, **kwargs):
        if url == font:
            return default_url_fetcher(url, *args, **kwargs)
        raise ValueError(f"blocked: {url}")

    return HTML(string=html, url_fetcher=fetch).write_pdf()
