"""The leaders' cockpit (一屏观): a registry of panels, so every app contributes its figures without the cockpit
importing the apps (the same pattern as core.daily and core.inbox).

An app registers a panel in its AppConfig.ready():

    from luoshi.core.cockpit import register_panel
    register_panel("ledger", title=_("问题台账"), order=20, figures=ledger_cockpit, drill=ledger_drill,
                   snapshot=ledger_snapshot)

**figures(user, unit, period) -> PanelData | dict | None** (required). `unit` is the scope the cockpit shows (a
city, district, street or department: the cockpit has already checked that the user may open it); `period` is
a `Period` (start and end dates, both included). Return None to hide the panel (nothing there for this scope).
Plain values only, cheap (maintained counts, indexed counts: the city cockpit must answer in 150 ms at 100,000
tasks). A plain dict is enough — the key-projects app's `cockpit_figures(user, unit=None, period=None)` can be
registered as is:

    {"figures": [{"key": "started", "label": "开工率", "value": 87.5, "suffix": "%", "url": "/projects/?…",
                  "state": "good"}],                           # state: good | warn | bad | "" (never colour alone:
     "charts": [{"key": "invest", "title": "投资完成", "kind": "bar",   # the page prints the state word too)
                 "categories": ["一季度", …], "series": [{"name": "计划", "values": [..]}, …]}],
     "tables": [{"title": "…", "columns": ["项目", "进度"], "rows": [[{"text": "…", "url": "…"}, …]]}],
     "note": "…", "link": "/projects/"}

Every number a leader can click leads to the list behind it, and that list holds exactly that many rows: give a
figure a `url` of a list page that counts the same rows, or give the panel a **drill(user, unit, period, key) ->
Drill | None** and leave the figure's url empty — the cockpit then links it to its own list page, which shows
the drill's rows (a test checks, for every panel, that each figure equals its drill's count).

**snapshot(units, day) -> {unit_id: {key: number}}** (optional): the headline figures of each unit as of `day`,
stored each night by the cockpit's daily step (and backfilled by the demo); the cockpit draws the trend (`trend`)
and the comparison of the units one level down (`compare`) from these rows instead of re-aggregating the records
on each view. Give figures as of `day` where the data allows it.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

STATES = ("good", "warn", "bad", "")


@dataclass(frozen=True)
class Period:
    """The cockpit's period: `key` is "month", "quarter" or "year" (the one containing `end`)."""

    key: str
    start: dt.date
    end: dt.date
    label: str

    def previous(self) -> Period:
        return period_for(self.key, self.start - dt.timedelta(days=1))


PERIOD_KEYS = ("month", "quarter", "year")


def period_for(key: str, day: dt.date) -> Period:
    """The month, quarter or year containing `day` (an unknown key means the year)."""
    if key == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return Period("month", day.replace(day=1), day.replace(day=last), f"{day.year}年{day.month}月")
    if key == "quarter":
        q = (day.month - 1) // 3
        start = dt.date(day.year, 3 * q + 1, 1)
        end_month = 3 * q + 3
        end = dt.date(day.year, end_month, calendar.monthrange(day.year, end_month)[1])
        return Period("quarter", start, end, f"{day.year}年第{'一二三四'[q]}季度")
    return Period("year", dt.date(day.year, 1, 1), dt.date(day.year, 12, 31), f"{day.year}年")


@dataclass(frozen=True)
class Figure:
    """One number. `value` is an int, a Decimal or a float (a rate in per cent with suffix "%"), or None for
    "no data" (shown as —). `url` is the list behind it; empty → the cockpit's drill page for `key`.
    `state` good/warn/bad is drawn as a colour AND a word, so colour is never the only signal."""

    key: str
    label: str
    value: int | float | Decimal | None
    suffix: str = ""
    url: str = ""
    state: str = ""
    note: str = ""

    @property
    def text(self) -> str:
        if self.value is None:
            return "—"
        if isinstance(self.value, float):
            return f"{self.value:.1f}"
        return str(self.value)


@dataclass(frozen=True)
class Series:
    name: str
    values: list[Any]
    state: str = ""  # colours the series (good/warn/bad, info blue, done grey); patterns and labels carry the meaning too


@dataclass(frozen=True)
class Chart:
    """A chart drawn with ECharts: kind "bar" (grouped), "stack" (stacked bars), "line" or "hbar" (horizontal
    bars, for rankings). `urls` optionally links each category to its list. The page also prints the numbers as
    a table (screen readers, print, no JavaScript)."""

    key: str
    title: str
    kind: str
    categories: list[str]
    series: list[Series]
    urls: list[str] = field(default_factory=list)
    suffix: str = ""


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list[dict]]  # each cell {"text": …, "url": …(optional), "state": …(optional), "num": bool}


@dataclass(frozen=True)
class PanelData:
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    note: str = ""
    link: str = ""  # the module's own page ("more")


@dataclass(frozen=True)
class Drill:
    """The rows behind a figure: `rows` is a queryset (or list) of values; `row(value) -> (cells, url)` turns
    one into the table's cells (plain strings) and the link to the record. `count` counts `rows`."""

    title: str
    columns: list[str]
    rows: Any
    row: Callable[[Any], tuple[list[str], str]]


FiguresFn = Callable[[Any, Any, Period], "PanelData | dict | None"]
DrillFn = Callable[[Any, Any, Period, str], "Drill | None"]
SnapshotFn = Callable[[Sequence[Any], dt.date], dict[int, dict[str, Any]]]


@dataclass(frozen=True)
class Panel:
    key: str
    title: Any
    order: int
    figures: FiguresFn
    drill: DrillFn | None = None
    snapshot: SnapshotFn | None = None
    trend: Sequence[tuple[str, Any, str]] = ()  # (snapshot key, label, state) drawn as the trend lines
    compare: tuple[str, Any, str] | None = None  # (snapshot key, title, suffix): the units below, side by side


_panels: dict[str, Panel] = {}


def register_panel(key: str, *, title: Any, order: int, figures: FiguresFn, drill: DrillFn | None = None,
                   snapshot: SnapshotFn | None = None, trend: Sequence[tuple[str, Any, str]] = (),
                   compare: tuple[str, Any, str] | None = None) -> None:
    """Register (or replace) the cockpit panel `key`; panels are shown by `order`, lowest first. `trend` names the
    snapshot figures drawn as lines over time; `compare` one snapshot figure drawn for each unit one level down
    (from the latest snapshot: no aggregation over the records on the view)."""
    _panels[key] = Panel(key=key, title=title, order=order, figures=figures, drill=drill, snapshot=snapshot,
                         trend=tuple(trend), compare=compare)


def panels() -> list[Panel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.key))


def panel(key: str) -> Panel | None:
    return _panels.get(key)


def _figure(d: Figure | dict) -> Figure:
    if isinstance(d, Figure):
        return d
    state = d.get("state", "")
    return Figure(key=str(d.get("key", d.get("label", ""))), label=str(d["label"]), value=d.get("value"),
                  suffix=str(d.get("suffix", "")), url=str(d.get("url", "")),
                  state=state if state in STATES else "", note=str(d.get("note", "")))


def _chart(d: Chart | dict) -> Chart:
    if isinstance(d, Chart):
        return d
    series = [s if isinstance(s, Series) else Series(name=str(s["name"]), values=list(s["values"]),
                                                      state=s.get("state", "")) for s in d.get("series", [])]
    return Chart(key=str(d.get("key", d["title"])), title=str(d["title"]), kind=d.get("kind", "bar"),
                 categories=[str(c) for c in d.get("categories", [])], series=series, urls=list(d.get("urls", [])),
                 suffix=str(d.get("suffix", "")))


def _table(d: Table | dict) -> Table:
    if isinstance(d, Table):
        return d
    rows = [[c if isinstance(c, dict) else {"text": str(c)} for c in row] for row in d.get("rows", [])]
    return Table(title=str(d.get("title", "")), columns=[str(c) for c in d.get("columns", [])], rows=rows)


def panel_data(value: PanelData | dict | None) -> PanelData | None:
    """A panel's answer as PanelData: the dataclass as it is, a plain dict converted (see the module docstring)."""
    if value is None or isinstance(value, PanelData):
        return value
    return PanelData(figures=[_figure(f) for f in value.get("figures", [])],
                     charts=[_chart(c) for c in value.get("charts", [])],
                     tables=[_table(t) for t in value.get("tables", [])],
                     note=str(value.get("note", "")), link=str(value.get("link", "")))


def months_between(start: dt.date, end: dt.date) -> list[str]:
    """The months ("YYYY-MM") from start's to end's, both included: a period's keys in the maintained monthly
    counts (ledger.tallies, intake.tallies), summed for a quarter or a year."""
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def rate(part: int, whole: int) -> float | None:
    """part / whole in per cent with one decimal, None when there is no whole."""
    return None if not whole else round(100 * part / whole, 1)
