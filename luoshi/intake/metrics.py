"""Unit figures of the 工单 (接诉即办 metrics) and the monthly ranking of units.

Population: the requests **dispatched** (派单, the last dispatch after any 退单/改派) to a unit as lead unit
within the period (local dates, both ends included) and `counted` (纳入考评). A request belongs to the unit
and the period of its dispatch for good; the figures below are read as of now, so an open request of an
earlier month can still turn overdue. All of them come from one grouped query (conditional aggregates)
over the (dispatched_at, lead_unit) index — no per-unit queries — plus one lookup of the units' names.

Definitions (DEFINITIONS below is the same text, shown on the page and in the Excel export):

- 派单数 dispatched: requests dispatched to the unit in the period.
- 响应率 response = 按时签收 / 应签收. 按时签收: signed within the category's sign_hours of 派单
  (signed_on_time). 应签收: signed, or not signed and the sign deadline has passed (a request still inside
  its sign window is not counted either way).
- 按时办结率 on_time = 按时回复 / 应办结. 按时回复: the unit's 回复 came before the time limit (due_at, working
  days, extensions included; after a 重办 the new limit). 应办结: replied, or not replied and the limit has
  passed — an overdue unanswered request counts against the unit.
- 办结率 closed = 已办结 / 派单数 (state 办结: rated, or closed by the 回访 rule).
- 解决率 resolved = 已解决 / 已评价解决情况 — over closed requests whose requester answered 解决/未解决.
- 满意率 satisfied = 满意 / 已评价满意度 — over closed requests with a satisfaction (1–5; 满意 = at least
  settings.satisfied_from, 3 = 基本满意 by default; a satisfaction set by the "视为满意" 回访 rule counts).
  Only the final rating counts: a request being redone (重办) is rated again when it closes.
- 不满意数: closed requests rated below satisfied_from.
- 重办数: requests redone at least once (reopen_count > 0).
- 超期数: replied after the limit, or not replied and past the limit.
- 督办数: requests under 督办 (supervised_at set, by the office or the daily overdue job).
- 综合得分 score = 100 × Σ wᵢ·rateᵢ / Σ wᵢ over the four rates the unit has (响应率, 按时办结率, 解决率,
  满意率; weights from the intake preset's `metrics.weights`). A rate with no denominator is left out and
  the weights of the others are normalised.
- 排名 rank: per unit kind (镇街 among 镇街, 部门 among 部门 …), by score rounded to two decimals, highest
  first, competition ranking (1, 2, 2, 4); units with fewer than `metrics.min_dispatched` requests are
  listed but not ranked.

Ranks are among all units of the kind that received requests in the period (the whole 12345 area); each
viewer gets only the rows of units in their scope: office, leader and dispatcher over their region (units
whose path lies in it), a liaison their own unit (and units under it).
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _, gettext_lazy

from luoshi.core import clock, formats
from luoshi.org.models import Role, Unit, UnitKind
from luoshi.org.lookups import path_within
from luoshi.org.scopes import scope_for

from .config import intake_settings, metrics_spec
from .models import Request, RequestState

RATES = ("response", "on_time", "resolved", "satisfied")
VIEW_ROLES = (Role.OFFICE, Role.LEADER, Role.DISPATCHER, Role.LIAISON)
REGION_ROLES = (Role.OFFICE, Role.LEADER, Role.DISPATCHER)

# (key, name, formula, explanation) — the page legend, the export's second sheet and the user guide
DEFINITIONS = [
    ("dispatched", gettext_lazy("派单数"), gettext_lazy("统计期内派至本单位（承办）的工单数"),
     gettext_lazy("按最后一次派单时间归期；退单改派后计入新承办单位；不纳入考评的工单不计。")),
    ("response", gettext_lazy("响应率"), gettext_lazy("按时签收数 ÷ 应签收数"),
     gettext_lazy("按时签收：派单后在类别规定的签收时限内签收。应签收：已签收，或未签收且签收时限已过。")),
    ("on_time", gettext_lazy("按时办结率"), gettext_lazy("按时回复数 ÷ 应办结数"),
     gettext_lazy("按时回复：在办理时限（工作日，含批准的延期；重办后为新时限）内回复。应办结：已回复，或未回复且办理时限已过。")),
    ("closed", gettext_lazy("办结率"), gettext_lazy("已办结数 ÷ 派单数"),
     gettext_lazy("已办结：经回访评价或按回访规则办结。")),
    ("resolved", gettext_lazy("解决率"), gettext_lazy("已解决数 ÷ 回答了是否解决的已办结数"),
     gettext_lazy("以办结时诉求人的最终评价为准。")),
    ("satisfied", gettext_lazy("满意率"), gettext_lazy("满意数 ÷ 有满意度评价的已办结数"),
     gettext_lazy("满意：满意度不低于设置的“计为满意的最低评价”（默认 3 = 基本满意）；重办中的工单以最终评价为准。")),
    ("unsatisfied", gettext_lazy("不满意数"), gettext_lazy("满意度低于“计为满意的最低评价”的已办结数"), ""),
    ("reopened", gettext_lazy("重办数"), gettext_lazy("重办过至少一次的工单数"), ""),
    ("overdue", gettext_lazy("超期数"), gettext_lazy("超时回复数 + 超过时限仍未回复数"), ""),
    ("supervised", gettext_lazy("督办数"), gettext_lazy("被督办（人工督办或超期自动督办）的工单数"), ""),
    ("score", gettext_lazy("综合得分"), gettext_lazy("100 × Σ(权重 × 各率) ÷ Σ权重"),
     gettext_lazy("各率为响应率、按时办结率、解决率、满意率，权重见派单目录配置 metrics.weights；某率无分母时不计入，其余权重重新归一。")),
    ("rank", gettext_lazy("排名"), gettext_lazy("同类单位（镇街与镇街、部门与部门）按综合得分从高到低"),
     gettext_lazy("得分保留两位小数后相同者并列（1、2、2、4）；当期派单数少于 metrics.min_dispatched 的单位不参加排名。")),
]

KIND_GROUPS = [(UnitKind.STREET, gettext_lazy("镇街")), (UnitKind.DEPARTMENT, gettext_lazy("部门"))]


# ---- periods -------------------------------------------------------------------------------------------

def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Period:
    """Local dates, both included."""

    start: dt.date
    end: dt.date

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        return cls(dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]))

    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and self == Period.month(self.start.year, self.start.month)

    @property
    def key(self) -> str:
        return self.start.strftime("%Y-%m") if self.is_month else f"{self.start:%Y-%m-%d}_{self.end:%Y-%m-%d}"

    @property
    def label(self) -> str:
        if self.is_month:
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"

    @property
    def query(self) -> str:
        """The query string that selects this period on the pages."""
        if self.is_month:
            return f"month={self.start:%Y-%m}"
        return f"start={self.start.isoformat()}&end={self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Aware datetimes [start 00:00, day after end 00:00) in the server's time zone."""
        tz = local_tz()
        return (dt.datetime.combine(self.start, dt.time.min, tzinfo=tz),
                dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))

    def previous(self) -> "Period":
        """The month before (for a month), else the same number of days just before."""
        if self.is_month:
            d = self.start - dt.timedelta(days=1)
            return Period.month(d.year, d.month)
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    def next(self) -> "Period":
        if self.is_month:
            d = self.end + dt.timedelta(days=1)
            return Period.month(d.year, d.month)
        return Period(self.end + dt.timedelta(days=1), self.end + dt.timedelta(days=self.days))


MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def period_from(month: str = "", start: str = "", end: str = "") -> Period:
    """A period from query parameters: ?month=2026-11, or ?start=2026-11-01&end=2026-11-15; the current month
    when nothing (or nothing valid) is given. A range longer than 3 years is cut to 3 years."""
    m = MONTH.match((month or "").strip())
    if m and 1 <= int(m.group(2)) <= 12 and 2000 <= int(m.group(1)) <= 2100:
        return Period.month(int(m.group(1)), int(m.group(2)))
    try:
        a, b = dt.date.fromisoformat(start.strip()), dt.date.fromisoformat(end.strip())
    except (ValueError, AttributeError):
        today = clock.today()
        return Period.month(today.year, today.month)
    if b < a:
        a, b = b, a
    return Period(a, min(b, a + dt.timedelta(days=3 * 366)))


# ---- figures -------------------------------------------------------------------------------------------

def _aggregates(now: dt.datetime, satisfied_from: int) -> dict:
    closed = Q(state=RequestState.CLOSED)
    return {f"m_{k}": v for k, v in {
        "dispatched": Count("id"),
        "sign_base": Count("id", filter=Q(signed_at__isnull=False) | Q(sign_due__lt=now)),
        "signed_on_time": Count("id", filter=Q(signed_on_time=True)),
        "reply_base": Count("id", filter=Q(replied_at__isnull=False) | Q(due_at__lt=now)),
        "replied_on_time": Count("id", filter=Q(replied_on_time=True)),
        "closed": Count("id", filter=closed),
        "resolved_base": Count("id", filter=closed & Q(resolved__isnull=False)),
        "resolved": Count("id", filter=closed & Q(resolved=True)),
        "rated": Count("id", filter=closed & Q(satisfaction__isnull=False)),
        "satisfied": Count("id", filter=closed & Q(satisfaction__gte=satisfied_from)),
        "unsatisfied": Count("id", filter=closed & Q(satisfaction__lt=satisfied_from)),
        "reopened": Count("id", filter=Q(reopen_count__gt=0)),
        "overdue": Count("id", filter=Q(replied_on_time=False) | Q(replied_at__isnull=True, due_at__lt=now)),
        "supervised": Count("id", filter=Q(supervised_at__isnull=False)),
    }.items()}   # prefixed: an annotation named like a field ("resolved") would shadow it in the filters


COUNT_KEYS = [k[2:] for k in _aggregates(dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc), 1)]


def _ratio(n: int, d: int) -> float | None:
    return n / d if d else None


@dataclass
class UnitFigures:
    unit_id: int
    name: str = ""
    kind: str = ""
    path: str = ""
    sort_order: int = 0
    counts: dict = field(default_factory=dict)
    rates: dict = field(default_factory=dict)   # key → fraction 0–1 or None
    score: float | None = None
    rank: int | None = None
    group_size: int = 0

    def pct(self, key: str) -> float | None:
        v = self.rates.get(key)
        return None if v is None else round(100 * v, 1)

    TABLE_KEYS = ("dispatched", "response", "on_time", "closed", "resolved", "satisfied", "unsatisfied", "reopened",
                  "overdue", "supervised")

    def cells(self) -> list[dict]:
        """The table's figure cells in column order: {"text", "css"} (rates as 97.5%, counts as numbers)."""
        out = []
        for key in self.TABLE_KEYS:
            if key in self.rates:
                v = self.rates.get(key)
                out.append({"text": "—" if v is None else f"{100 * v:.1f}%", "css": ""})
            else:
                n = self.counts.get(key, 0)
                out.append({"text": str(n), "css": "r" if key == "overdue" and n else ""})
        return out

    @property
    def kind_label(self) -> str:
        return str(UnitKind(self.kind).label) if self.kind in UnitKind.values else self.kind


def figures_from(counts: dict, weights) -> tuple[dict, float | None]:
    rates = {
        "response": _ratio(counts["signed_on_time"], counts["sign_base"]),
        "on_time": _ratio(counts["replied_on_time"], counts["reply_base"]),
        "closed": _ratio(counts["closed"], counts["dispatched"]),
        "resolved": _ratio(counts["resolved"], counts["resolved_base"]),
        "satisfied": _ratio(counts["satisfied"], counts["rated"]),
    }
    w = weights.model_dump() if hasattr(weights, "model_dump") else dict(weights)
    num = den = 0.0
    for key in RATES:
        if rates[key] is not None and w.get(key, 0) > 0:
            num += w[key] * rates[key]
            den += w[key]
    score = round(100 * num / den, 2) if den else None
    return rates, score


def rank_competition(rows: list[UnitFigures], min_dispatched: int) -> None:
    """1224 ranking by score (two decimals), per unit kind; units below min_dispatched are not ranked."""
    groups: dict[str, list[UnitFigures]] = {}
    for row in rows:
        row.rank, row.group_size = None, 0
        if row.score is not None and row.counts.get("dispatched", 0) >= min_dispatched:
            groups.setdefault(row.kind, []).append(row)
    for members in groups.values():
        members.sort(key=lambda r: (-round(r.score, 2), r.sort_order, r.name))
        prev, rank = None, 0
        for i, row in enumerate(members, 1):
            s = round(row.score, 2)
            if s != prev:
                rank, prev = i, s
            row.rank, row.group_size = rank, len(members)


def _league(period: Period, now: dt.datetime) -> list[UnitFigures]:
    """Every unit's figures for the period: ONE grouped query over the (dispatched_at, lead_unit) index,
    grouped by the unit id alone (a hash aggregate; grouping by the joined names made PostgreSQL sort the
    month's rows on disk), then the names of those units (one small query by primary key)."""
    settings_row = intake_settings()
    spec = metrics_spec(settings_row)
    start, end = period.bounds()
    qs = (Request.objects.filter(dispatched_at__gte=start, dispatched_at__lt=end, counted=True, lead_unit__isnull=False)
          .order_by().values("lead_unit_id").annotate(**_aggregates(now, settings_row.satisfied_from)))
    figures = {r["lead_unit_id"]: {k: r[f"m_{k}"] for k in COUNT_KEYS} for r in qs}
    units = Unit.objects.filter(pk__in=list(figures)).only("id", "name", "kind", "path", "sort_order")
    rows = []
    for u in units:
        counts = figures[u.pk]
        rates, score = figures_from(counts, spec.weights)
        rows.append(UnitFigures(unit_id=u.pk, name=u.name, kind=u.kind, path=u.path, sort_order=u.sort_order,
                                counts=counts, rates=rates, score=score))
    rank_competition(rows, spec.min_dispatched)
    return rows


def viewer_paths(user) -> tuple[bool, tuple[str, ...]]:
    """(sees every unit, the unit subtrees whose rows the user sees)."""
    scope = scope_for(user)
    if scope.is_admin:
        return True, ()
    return False, scope.paths_for(*VIEW_ROLES)


def can_view_metrics(user) -> bool:
    everything, paths = viewer_paths(user)
    return everything or bool(paths)


def can_view_unit(user, unit: Unit) -> bool:
    everything, paths = viewer_paths(user)
    return everything or path_within(unit.path, paths)


def is_region_viewer(user) -> bool:
    """Office, leader, dispatcher (or admin): the region-wide pages (hot topics, promotions)."""
    scope = scope_for(user)
    return scope.is_admin or bool(scope.paths_for(*REGION_ROLES))


def unit_metrics(user, period: Period, *, kind: str = "") -> list[UnitFigures]:
    """The figures of the units the user may see for the period, ranked among all units of their kind,
    ordered by kind group then rank. `kind`: a UnitKind value to keep only that kind."""
    everything, paths = viewer_paths(user)
    if not everything and not paths:
        return []
    rows = _league(period, clock.now())
    if not everything:
        rows = [r for r in rows if path_within(r.path, paths)]
    if kind:
        rows = [r for r in rows if r.kind == kind]
    order = {k: i for i, (k, _label) in enumerate(KIND_GROUPS)}
    rows.sort(key=lambda r: (order.get(r.kind, 99), r.kind, r.rank is None, r.rank or 0, r.sort_order, r.name))
    return rows


def unit_trend(user, unit: Unit, *, months: int = 12, last: Period | None = None) -> list[tuple[Period, UnitFigures]]:
    """The unit's figures month by month (oldest first) for the `months` months ending with `last` (the
    current month by default): one query grouped by month. No ranks (those need every unit's month)."""
    if not can_view_unit(user, unit):
        return []
    today = clock.today()
    last = last if last is not None and last.is_month else Period.month(today.year, today.month)
    periods = [last]
    for _i in range(months - 1):
        periods.insert(0, periods[0].previous())
    start, end = periods[0].bounds()[0], periods[-1].bounds()[1]
    settings_row = intake_settings()
    spec = metrics_spec(settings_row)
    now = clock.now()
    qs = (Request.objects.filter(dispatched_at__gte=start, dispatched_at__lt=end, counted=True, lead_unit=unit)
          .order_by().annotate(month=TruncMonth("dispatched_at", tzinfo=local_tz())).values("month")
          .annotate(**_aggregates(now, settings_row.satisfied_from)))
    by_month = {}
    for r in qs:
        m = r["month"]
        m = m.date() if isinstance(m, dt.datetime) else m
        by_month[(m.year, m.month)] = r
    out = []
    for p in periods:
        r = by_month.get((p.start.year, p.start.month))
        counts = {k: (r[f"m_{k}"] if r else 0) for k in COUNT_KEYS}
        rates, score = figures_from(counts, spec.weights)
        out.append((p, UnitFigures(unit_id=unit.pk, name=unit.name, kind=unit.kind, path=unit.path, counts=counts,
                                   rates=rates, score=score if counts["dispatched"] else None)))
    return out


def definitions() -> list[dict]:
    return [{"key": k, "name": str(n), "formula": str(f), "note": str(x)} for k, n, f, x in DEFINITIONS]


# ---- Excel -----------------------------------------------------------------------------------------------

COLUMNS = [("rank", "排名", 6), ("name", "单位", 26), ("kind", "类别", 8), ("dispatched", "派单数", 8),
           ("response", "响应率", 9), ("on_time", "按时办结率", 11), ("closed", "办结率", 9), ("resolved", "解决率", 9),
           ("satisfied", "满意率", 9), ("unsatisfied", "不满意数", 9), ("reopened", "重办数", 8), ("overdue", "超期数", 8),
           ("supervised", "督办数", 8), ("score", "综合得分", 10)]


def metrics_xlsx(user, period: Period, *, kind: str = "") -> bytes:
    """The monthly table as the office prints it (one sheet), and the definitions (a second sheet)."""
    import io

    from luoshi.core.excel import workbook_new
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    rows = unit_metrics(user, period, kind=kind)
    wb = workbook_new()
    ws = wb.active
    ws.title = _("单位指标")
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    last = get_column_letter(len(COLUMNS))
    ws["A1"] = _("诉求办理承办单位指标（%(period)s）") % {"period": period.label}
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = center
    ws.merge_cells(f"A1:{last}1")
    ws["A2"] = _("统计口径：统计期内派单且纳入考评的工单；导出时间 %(at)s") % {
        "at": clock.localtime(clock.now()).strftime("%Y-%m-%d %H:%M")}
    ws.merge_cells(f"A2:{last}2")
    fill = PatternFill("solid", fgColor="D9E1F2")
    for c, (_key, header, width) in enumerate(COLUMNS, 1):
        cell = ws.cell(row=3, column=c, value=header)
        cell.font, cell.alignment, cell.border, cell.fill = Font(bold=True), center, border, fill
        ws.column_dimensions[get_column_letter(c)].width = width
    for r, row in enumerate(rows, 4):
        for c, (key, _header, _w) in enumerate(COLUMNS, 1):
            if key == "name":
                value = row.name
            elif key == "kind":
                value = row.kind_label
            elif key == "rank":
                value = row.rank
            elif key == "score":
                value = row.score
            elif key in row.rates:
                value = row.rates[key]
            else:
                value = row.counts.get(key)
            cell = ws.cell(row=r, column=c, value=value)
            cell.border = border
            if key in row.rates and value is not None:
                cell.number_format = formats.EXCEL_RATIO
            elif key == "score" and value is not None:
                cell.number_format = formats.EXCEL_SCORE
            if key != "name":
                cell.alignment = center
    ws.freeze_panes = "C4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    spec = metrics_spec()
    d = wb.create_sheet(_("指标口径"))
    d.append([_("指标"), _("计算方法"), _("说明")])
    for cell in d[1]:
        cell.font, cell.fill = Font(bold=True), fill
    for item in definitions():
        d.append([item["name"], item["formula"], item["note"]])
    w = spec.weights
    d.append([])
    d.append([_("综合得分权重"), _("响应率 %(a)s；按时办结率 %(b)s；解决率 %(c)s；满意率 %(d)s") % {
        "a": w.response, "b": w.on_time, "c": w.resolved, "d": w.satisfied},
        _("参加排名的最少派单数：%(n)s；计为满意的最低评价：%(s)s") % {
            "n": spec.min_dispatched, "s": intake_settings().satisfied_from}])
    d.column_dimensions["A"].width, d.column_dimensions["B"].width, d.column_dimensions["C"].width = 14, 40, 80
    for row in d.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
