"""The policy vocabulary preset (`kind: policy_vocabulary`, presets/policies/*.yaml): the themes (主题, 专题) and
their tags (标签) clauses are filed under, and the 申报类型 — the 城阳 preset has 8 themes and 37 tags, the 西海岸
preset 20 专题 and 34 申报类型."""
from __future__ import annotations

from typing import Annotated, Literal

from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from luoshi.core.specs import Spec, SpecFieldError

Name = Annotated[str, Field(min_length=1, max_length=30)]


class ThemeSpec(Spec):
    name: Name
    tags: list[Name] = Field(min_length=1, max_length=30)


class PolicyVocabulary(Spec):
    kind: Literal["policy_vocabulary"]
    name: str = Field(min_length=1, max_length=100)
    themes: list[ThemeSpec] = Field(min_length=1, max_length=30)
    declare_types: list[Name] = []

    @model_validator(mode="after")
    def _unique(self):
        seen: dict[str, tuple] = {}
        for i, t in enumerate(self.themes):
            if t.name in seen:
                raise SpecFieldError(("themes", i, "name"), _("主题“%(v)s”重复。") % {"v": t.name})
            seen[t.name] = ()
        tags: set[str] = set()
        for i, t in enumerate(self.themes):
            for j, tag in enumerate(t.tags):
                if tag in tags:
                    raise SpecFieldError(("themes", i, "tags", j), _("标签“%(v)s”重复（标签在全部主题中唯一）。") % {"v": tag})
                tags.add(tag)
        types: set[str] = set()
        for k, name in enumerate(self.declare_types):
            if name in types:
                raise SpecFieldError(("declare_types", k), _("申报类型“%(v)s”重复。") % {"v": name})
            types.add(name)
        return self


def vocabulary_summary(result: dict) -> str:
    return _("政策词汇：%(themes)s 个主题、%(tags)s 个标签、%(declare_types)s 个申报类型（新增 %(added)s）。") % result
