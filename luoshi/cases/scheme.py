"""The review scheme of the case library (`kind: case_review`, presets/cases/*.yaml): the scoring
criteria with their maximum points and the total from which a case may be accepted (入库), and which standard of
which assessment scheme a recognised case earns bonus points in (`assessment`: 改革创新加分, points per 复制推广
level). Validated with core.specs, so a mistake names its line and key."""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from luoshi.core.presets import PRESET_DIR
from luoshi.core.specs import Spec, SpecFieldError, parse_yaml

CODE = r"^[a-z][a-z0-9_]*$"
DEFAULT = "laoshan-innovation-cases"


class Criterion(Spec):
    code: str = Field(pattern=CODE, max_length=30)
    name: str = Field(min_length=1, max_length=30)
    max: Annotated[Decimal, Field(gt=0, le=1000, decimal_places=2)]
    note: str = Field("", max_length=200)


LEVELS = ("district", "city", "province", "nation")  # cases.models.Level, lowest first
Points = Annotated[Decimal, Field(ge=0, le=1000, decimal_places=2)]


class AssessmentFeed(Spec):
    """A case accepted into the library and recognised for 复制推广 in a round's period earns its unit (and the
    units above it taking part in the round) `points[level]` in the leaf `leaf` of the scheme `scheme`: each case
    once, at the highest level recognised in the period; the leaf's own points cap the sum."""
    scheme: str = Field(min_length=1, max_length=40)
    leaf: str = Field(min_length=1, max_length=40)
    points: dict[str, Points] = Field(min_length=1)


class CaseReviewScheme(Spec):
    kind: Literal["case_review"]
    name: str = Field(min_length=1, max_length=100)
    criteria: list[Criterion] = Field(min_length=1, max_length=20)
    accept_from: Annotated[Decimal, Field(ge=0, decimal_places=2)]
    assessment: list[AssessmentFeed] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _check(self):
        seen: set[str] = set()
        for i, c in enumerate(self.criteria):
            if c.code in seen:
                raise SpecFieldError(("criteria", i, "code"), _("评分项编码“%(value)s”重复。") % {"value": c.code})
            seen.add(c.code)
        schemes: set[str] = set()
        for i, feed in enumerate(self.assessment):
            unknown = [k for k in feed.points if k not in LEVELS]
            if unknown:
                raise SpecFieldError(("assessment", i, "points"), _(
                    "推广层级“%(value)s”不认识，应为 district（全区）、city（全市）、province（全省）、nation（全国）。")
                    % {"value": "、".join(unknown)})
            if feed.scheme in schemes:
                raise SpecFieldError(("assessment", i, "scheme"), _("指标体系“%(value)s”重复。") % {"value": feed.scheme})
            schemes.add(feed.scheme)
        if self.accept_from > self.full_marks:
            raise SpecFieldError(("accept_from",), _("入库分数线 %(a)s 高于满分 %(b)s。") % {
                "a": self.accept_from, "b": self.full_marks})
        return self

    @property
    def full_marks(self) -> Decimal:
        return sum((c.max for c in self.criteria), Decimal(0))

    def feed_for(self, scheme_code: str) -> AssessmentFeed | None:
        return next((f for f in self.assessment if f.scheme == scheme_code), None)


def case_scheme_parse(text: str, *, source: str = "") -> CaseReviewScheme:
    return parse_yaml(text, CaseReviewScheme, source=source)


@lru_cache(maxsize=4)
def review_scheme(name: str = DEFAULT) -> CaseReviewScheme:
    path = PRESET_DIR / "cases" / f"{name}.yaml"
    return case_scheme_parse(path.read_text(encoding="utf-8"), source=str(path))
