"""The attributes of an enterprise profile (企业画像) that eligibility conditions read: each has a name (the
Chinese word a condition writes, e.g. 上年营业收入), a kind that says how its values are written and compared,
and for choices the allowed values. Values in a profile are plain Python: Decimal (money in 元, percentages
as the number before %, counts), dt.date, str, bool, frozenset (资质).

`attribute_parse(attr, text)` reads what a person typed (or a cell) into that value or raises ValueError with
a message that names the attribute; `attribute_show(attr, value)` writes it back the way people read it.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _, gettext_lazy

MONEY, PERCENT, NUMBER, DATE, TEXT, CHOICE, SET, BOOL = ("money", "percent", "number", "date", "text", "choice",
                                                           "set", "bool")
KIND_LABELS = {MONEY: gettext_lazy("金额"), PERCENT: gettext_lazy("百分比"), NUMBER: gettext_lazy("数量"),
               DATE: gettext_lazy("日期"), TEXT: gettext_lazy("文字"), CHOICE: gettext_lazy("选项"),
               SET: gettext_lazy("多选"), BOOL: gettext_lazy("是/否")}


@dataclass(frozen=True)
class Attribute:
    key: str          # the Chinese name conditions and spreadsheets use
    kind: str
    choices: tuple[str, ...] = ()
    unit: str = ""    # shown after a NUMBER (人, 项)
    public: bool = True  # asked on the public "which policies may apply" form


ATTRIBUTES: dict[str, Attribute] = {a.key: a for a in (
    Attribute("注册地", TEXT),
    Attribute("所在街道", TEXT, public=False),
    Attribute("行业", CHOICE, ("高端装备", "新一代信息技术", "生物医药", "新材料", "现代物流", "商贸服务", "文化创意",
                              "现代农业", "建筑业", "轨道交通", "集成电路", "数字经济", "金融服务", "其他")),
    Attribute("企业规模", CHOICE, ("大型", "中型", "小型", "微型")),
    Attribute("成立日期", DATE),
    Attribute("上年营业收入", MONEY),
    Attribute("上年纳税额", MONEY),
    Attribute("研发投入", MONEY, public=False),
    Attribute("研发投入占比", PERCENT),
    Attribute("固定资产投资", MONEY, public=False),
    Attribute("从业人数", NUMBER, unit="人"),
    Attribute("新增从业人数", NUMBER, unit="人", public=False),
    Attribute("有效发明专利", NUMBER, unit="件", public=False),
    Attribute("资质", SET, ("专精特新", "专精特新小巨人", "高新技术企业", "科技型中小企业", "瞪羚企业", "独角兽企业",
                            "规上企业", "省级技术中心", "上市企业")),
    Attribute("失信", BOOL),
)}

_MONEY = re.compile(r"^(-?\d+(?:\.\d+)?)\s*(亿元|亿|万元|万|元)?$")
_NUMBER = re.compile(r"^(-?\d+(?:\.\d+)?)\s*([^\d\s.%]*)$")
_PERCENT = re.compile(r"^(-?\d+(?:\.\d+)?)\s*%$")
_SPLIT = re.compile(r"\s*[、,，;；/]\s*")
YES = {"是", "有", "true", "yes", "y", "1", "√"}
NO = {"否", "无", "没有", "false", "no", "n", "0", "×"}
MULT = {"亿元": Decimal(100_000_000), "亿": Decimal(100_000_000), "万元": Decimal(10_000), "万": Decimal(10_000),
        "元": Decimal(1), None: Decimal(1)}


def money_parse(text: str, *, unit_required: bool = True) -> Decimal:
    """"2000万元" → Decimal("20000000"); "1.5亿元"; "500元". A bare number is refused where the unit matters
    (a condition), so 2000 is never silently read as 2000元 instead of 2000万元."""
    m = _MONEY.match(text.strip().replace(",", "").replace("，", ""))
    if not m or (unit_required and m.group(2) is None):
        raise ValueError(_("“%(text)s”不是金额，请写成如 2000万元、1.5亿元、500元") % {"text": text})
    return Decimal(m.group(1)) * MULT[m.group(2)]


def percent_parse(text: str) -> Decimal:
    m = _PERCENT.match(text.strip().replace("％", "%"))
    if not m:
        raise ValueError(_("“%(text)s”不是百分比，请写成如 3%%、4.5%%") % {"text": text})
    return Decimal(m.group(1))


def number_parse(text: str, unit: str = "") -> Decimal:
    m = _NUMBER.match(text.strip().replace(",", ""))
    if not m or (m.group(2) and m.group(2) != unit):
        raise ValueError(_("“%(text)s”不是数量，请写数字") % {"text": text})
    return Decimal(m.group(1))


def date_parse(text: str) -> dt.date:
    t = text.strip().replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat("-".join(p.zfill(2) for p in t.split("-")))
    except ValueError:
        raise ValueError(_("“%(text)s”不是日期，请写成如 2023-01-01") % {"text": text}) from None


TEXT_LIMIT = 100  # characters of a text attribute


def attribute_parse(attr: Attribute, raw) -> object:
    """A profile value from what was typed or read from a cell (numbers from Excel arrive as int/float)."""
    if isinstance(raw, bool) and attr.kind == BOOL:
        return raw
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date) and attr.kind == DATE:
        return raw
    if isinstance(raw, (int, float, Decimal)) and attr.kind in (MONEY, NUMBER):
        return Decimal(str(raw)).normalize() if attr.kind == NUMBER else Decimal(str(raw))
    if isinstance(raw, (int, float, Decimal)) and attr.kind == PERCENT:
        return Decimal(str(raw))
    text = str(raw).strip().replace("\u3000", " ")
    if attr.kind == MONEY:
        return money_parse(text, unit_required=False)
    if attr.kind == PERCENT:
        return percent_parse(text if text.endswith(("%", "％")) else text + "%")
    if attr.kind == NUMBER:
        return number_parse(text, attr.unit)
    if attr.kind == DATE:
        return date_parse(text)
    if attr.kind == BOOL:
        low = text.lower()
        if low in YES:
            return True
        if low in NO:
            return False
        raise ValueError(_("请填写“是”或“否”，不是“%(text)s”") % {"text": text})
    if attr.kind == CHOICE:
        if text not in attr.choices:
            raise ValueError(_("“%(text)s”不是可选的值（%(choices)s）") % {"text": text, "choices": "、".join(attr.choices)})
        return text
    if attr.kind == SET:
        items = frozenset(x for x in _SPLIT.split(text) if x)
        unknown = sorted(items - set(attr.choices))
        if unknown:
            raise ValueError(_("“%(text)s”不是可选的值（%(choices)s）") % {"text": "、".join(unknown),
                                                                       "choices": "、".join(attr.choices)})
        return items
    if not text:
        raise ValueError(_("不能为空"))
    if len(text) > TEXT_LIMIT:
        raise ValueError(_("最多 %(limit)s 字，现有 %(n)s 字") % {"limit": TEXT_LIMIT, "n": len(text)})
    return text


def money_show(value: Decimal) -> str:
    if abs(value) >= 100_000_000:
        yi = (value / 100_000_000).quantize(Decimal("0.0001")).normalize()
        return f"{yi:f}亿元"
    if abs(value) >= 10_000:
        wan = (value / 10_000).quantize(Decimal("0.01")).normalize()
        return f"{wan:f}万元"
    return f"{value.quantize(Decimal('0.01')).normalize():f}元"


def attribute_show(attr: Attribute, value) -> str:
    if value is None:
        return ""
    if attr.kind == MONEY:
        return money_show(Decimal(value))
    if attr.kind == PERCENT:
        return f"{Decimal(value).normalize():f}%"
    if attr.kind == NUMBER:
        return f"{Decimal(value).normalize():f}{attr.unit}"
    if attr.kind == DATE:
        return value.isoformat()
    if attr.kind == BOOL:
        return "是" if value else "否"
    if attr.kind == SET:
        return "、".join(sorted(value, key=lambda x: attr.choices.index(x) if x in attr.choices else 99))
    return str(value)


# ---- storing: profile values as JSON and back --------------------------------------------------------

def value_dump(attr: Attribute, value):
    if attr.kind in (MONEY, PERCENT, NUMBER):
        return str(value)
    if attr.kind == DATE:
        return value.isoformat()
    if attr.kind == SET:
        return sorted(value)
    return value


def value_load(attr: Attribute, stored):
    if stored is None:
        return None
    if attr.kind in (MONEY, PERCENT, NUMBER):
        return Decimal(stored)
    if attr.kind == DATE:
        return dt.date.fromisoformat(stored)
    if attr.kind == SET:
        return frozenset(stored)
    return stored


def profile_load(stored: dict) -> dict:
    """A stored profile (JSON) → the values conditions compare. Unknown keys are skipped."""
    out = {}
    for key, raw in stored.items():
        attr = ATTRIBUTES.get(key)
        if attr is not None and raw is not None:
            try:
                out[key] = value_load(attr, raw)
            except (InvalidOperation, ValueError, TypeError):
                continue
    return out
