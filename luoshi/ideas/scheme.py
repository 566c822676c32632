"""The review scheme of a 征集活动 (`kind: ideas_scheme`, presets/ideas/*.yaml): the expert scoring criteria
with their maximum points, how the experts' totals are combined, the award levels with their counts and
the topics (征集领域) a submitter chooses from.

`ideas_scheme_parse` validates the text and returns an `IdeasScheme`, or raises SpecError (an ImportFailed)
whose problems name the line and the key (e.g. `criteria.1.max`). Nothing here touches the database.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from luoshi.core.presets import PRESET_DIR
from luoshi.core.specs import Spec, SpecFieldError, parse_yaml

CODE = r"^[a-z][a-z0-9_]*$"


class Criterion(Spec):
    code: str = Field(pattern=CODE, max_length=30)
    name: str = Field(min_length=1, max_length=30)
    max: Annotated[Decimal, Field(gt=0, le=1000, decimal_places=2)]
    note: str = Field("", max_length=200)


class AwardLevel(Spec):
    code: str = Field(pattern=CODE, max_length=30)
    name: str = Field(min_length=1, max_length=20)
    count: int = Field(ge=1, le=10000)


class IdeasScheme(Spec):
    kind: Literal["ideas_scheme"]
    name: str = Field(min_length=1, max_length=100)
    criteria: list[Criterion] = Field(min_length=1, max_length=20)
    trim_from: int = Field(5, ge=3, le=100)
    places: int = Field(2, ge=0, le=4)
    awards: list[AwardLevel] = []
    topics: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _unique(self):
        for label, key, field, values in (
                (_("评分项编码"), "criteria", "code", [c.code for c in self.criteria]),
                (_("评分项名称"), "criteria", "name", [c.name for c in self.criteria]),
                (_("奖项编码"), "awards", "code", [a.code for a in self.awards]),
                (_("奖项名称"), "awards", "name", [a.name for a in self.awards]),
                (_("征集领域"), "topics", None, list(self.topics))):
            seen = set()
            for i, v in enumerate(values):
                if v in seen:
                    raise SpecFieldError((key, i) + ((field,) if field else ()),
                                         _("%(what)s“%(value)s”重复。") % {"what": label, "value": v})
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


def ideas_scheme_parse(text: str, *, source: str = "") -> IdeasScheme:
    return parse_yaml(text, IdeasScheme, source=source)


# ---- presets and the province list ---------------------------------------------------------------------

def preset_dir() -> Path:
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
