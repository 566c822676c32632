"""Amounts of a case computed from its definition: rates looked up in the definition's tables, formulas over the
case's fields, all in Decimal. Each amount is rounded once, to its `places`, half up (四舍五入), right after it is
computed; the next amounts use the rounded value. Every amount carries its trace — the formula with the values put
in — so the 成交确认书 and the case page show how the figure came about.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from luoshi.core.errors import ServiceError

from .spec import ProcedureSpec, TableSpec, formula_eval

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Amount:
    code: str
    label: str
    value: Decimal
    trace: str
    percent: bool = False

    def as_json(self) -> dict:
        return {"code": self.code, "label": self.label, "value": str(self.value), "trace": self.trace,
                "percent": self.percent}


def table_lookup(table: TableSpec, keys: dict[str, str]) -> Decimal:
    """The value of the row whose key cells hold the case's values; ServiceError naming the combination when the
    table has none."""
    wanted = [str(keys.get(k) or "") for k in table.keys]
    for row in table.rows:
        cells = [c if isinstance(c, list) else [c] for c in row[:-1]]
        if all(w in c for w, c in zip(wanted, cells)):
            return Decimal(str(row[-1]))
    raise ServiceError(_("“%(table)s”中没有 %(combo)s 这一组合的比例。")
                       % {"table": table.title, "combo": "×".join(w or "（空）" for w in wanted)}, field=table.keys[0])


def quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def money_text(value: Decimal) -> str:
    return f"{value:,.2f}"


def percent_text(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def amounts_compute(spec: ProcedureSpec, fields: dict) -> list[Amount]:
    """Every amount of the definition for the case's `fields` (numbers as strings or Decimals)."""
    labels = {f.code: f.label for f in spec.fields}
    values: dict[str, Decimal] = {}
    shown: dict[str, str] = {}
    for f in spec.fields:
        if f.type in ("decimal", "money") and fields.get(f.code) not in (None, ""):
            values[f.code] = Decimal(str(fields[f.code]))
            shown[f.code] = money_text(values[f.code]) if f.type == "money" else f"{values[f.code]:f}"
    out: list[Amount] = []
    for a in spec.amounts:
        if a.table is not None:
            table = spec.table(a.table)
            raw = table_lookup(table, {k: fields.get(k) for k in table.keys})
            value = quantize(raw, a.places)
            choices = [(spec.field(k).choices.get(str(fields.get(k)), fields.get(k))) for k in table.keys]  # type: ignore[union-attr]
            trace = _("查“%(table)s”：%(combo)s → %(value)s") % {
                "table": table.title, "combo": "×".join(str(c) for c in choices), "value": percent_text(value) if a.percent else value}
        else:
            assert a.formula is not None
            missing = [n for n in _names(a.formula) if n not in values]
            if missing:
                raise ServiceError(_("计算“%(label)s”缺少：%(names)s。")
                                   % {"label": a.label, "names": "、".join(labels.get(n, n) for n in missing)}, field=missing[0])
            raw = formula_eval(a.formula, values)
            value = quantize(raw, a.places)
            label_of = {x.code: x.label for x in out} | labels
            named = _WORD.sub(lambda m: label_of.get(m.group(), m.group()), a.formula)
            filled = _WORD.sub(lambda m: shown.get(m.group(), m.group()), a.formula)
            named = named.replace("*", "×").replace("/", "÷")
            filled = filled.replace("*", "×").replace("/", "÷")
            shown_value = percent_text(value) if a.percent else money_text(value)
            trace = f"{a.label} = {named} = {filled} = {shown_value}"
            if raw != value:
                trace += _("（保留 %(p)s 位小数，四舍五入）") % {"p": a.places}
            if value < 0:  # e.g. land costs above what the 调节金 leaves: refused, naming the figures to check
                entered = [m.group() for m in _WORD.finditer(a.formula) if m.group() in labels]
                raise ServiceError(_("“%(label)s”算得负数，请核对%(names)s：%(trace)s。") % {
                    "label": a.label, "names": "、".join(f"“{labels[n]}”" for n in dict.fromkeys(entered)),
                    "trace": trace}, field=entered[-1] if entered else None)
        values[a.code] = value
        shown[a.code] = percent_text(value) if a.percent else money_text(value)
        out.append(Amount(a.code, a.label, value, trace, a.percent))
    return out


def _names(formula: str) -> list[str]:
    from .spec import formula_names

    return sorted(formula_names(formula))
