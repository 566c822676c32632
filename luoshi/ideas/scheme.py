"""The review scheme of a 征集活动 (`kind: ideas_scheme`, presets/ideas/*.yaml): the expert scoring criteria
with their maximum points, how the experts' totals are combined, the award levels with their counts and
the topics (征集领域) a submitter chooses from.

`ideas_scheme_parse` validates the text and returns an `IdeasScheme`, or raises ImportFailed with errors
that name the line and the key (e.g. `criteria.1.max`). Nothing here touches the database.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from luoshi.core.excel import CellError, ImportFailed

CODE = r"^[a-z][a-z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Criterion(Strict):
    code: str = Field(pattern=CODE, max_length=30)
    name: str = Field(min_length=1, max_length=30)
    max: Annotated[Decimal, Field(gt=0, le=1000, decimal_places=2)]
    note: str = Field("", max_length=200)


class AwardLevel(Strict):
    code: str = Field(pattern=CODE, max_length=30)
    name: str = Field(min_length=1, max_length=20)
    count: int = Field(ge=1, le=10000)


class IdeasScheme(Strict):
    kind: Literal["ideas_scheme"]
    name: str = Field(min_length=1, max_length=100)
    criteria: list[Criterion] = Field(min_length=1, max_length=20)
    trim_from: int = Field(5, ge=3, le=100)
    places: int = Field(2, ge=0, le=4)
    awards: list[AwardLevel] = []
    topics: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _unique(self):
        for label, values in ((_("评分项编码"), [c.code for c in self.criteria]),
                              (_("评分项名称"), [c.name for c in self.criteria]),
                              (_("奖项编码"), [a.code for a in self.awards]),
                              (_("奖项名称"), [a.name for a in self.awards]),
                              (_("征集领域"), list(self.topics))):
            seen = set()
            for v in values:
                if v in seen:
                    raise ValueError(_("%(what)s“%(value)s”重复。") % {"what": label, "value": v})
                seen.add(v)
        return self

    @property
    def full_marks(self) -> Decimal:
        return sum((c.max for c in self.criteria), Decimal(0))

    def as_data(self) -> dict:
        """What a campaign stores (JSON): numbers as strings so Decimals survive."""
        return {"name": self.name, "trim_from": self.trim_from, "places": self.places,
                "criteria": [{"code": c.code, "name": c.name, "max": str(c.max), "note": c.note} for c in self.criteria],
                "awards": [a.model_dump() for a in self.awards], "topics": list(self.topics)}


def _message(err: dict) -> str:
    from luoshi.assessment.scheme import _pydantic_message

    return _pydantic_message(err)


def ideas_scheme_parse(text: str, *, source: str = "") -> IdeasScheme:
    from luoshi.programs.presets import _line_of

    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise ImportFailed([CellError(source, mark.line + 1 if mark else None, None,
                                      _("YAML 格式错误：%(error)s") % {"error": getattr(e, "problem", None) or e})])
    if not isinstance(raw, dict) or raw.get("kind") != "ideas_scheme":
        raise ImportFailed([CellError(source, 1, None, _("评审方案须以 kind: ideas_scheme 开头。"))])
    try:
        return IdeasScheme.model_validate(raw)
    except ValidationError as e:
        errors = []
        for err in e.errors():
            loc = tuple(err["loc"])
            errors.append(CellError(source, _line_of(text, loc) or (1 if not loc else None),
                                    ".".join(str(x) for x in loc) or None, _message(err)))
        raise ImportFailed(errors)


# ---- presets and the province list ---------------------------------------------------------------------

def preset_dir() -> Path:
    from luoshi.programs.presets import PRESET_DIR

    return PRESET_DIR / "ideas"


def scheme_presets() -> dict[str, str]:
    """{name: YAML text} of the review schemes in presets/ideas/."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(preset_dir().glob("*.yaml"))}


@lru_cache(maxsize=1)
def provinces() -> tuple[tuple[str, str], ...]:
    """The 34 provincial-level divisions as (code, name), from data/provinces.yaml."""
    raw = yaml.safe_load((Path(__file__).parent / "data" / "provinces.yaml").read_text(encoding="utf-8"))
    return tuple((str(p["code"]), p["name"]) for p in raw["provinces"])


def province_names() -> list[str]:
    return [name for _code, name in provinces()]
