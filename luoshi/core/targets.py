"""Things a leader can write a 批示 (instruction) on: a task, a ledger finding, a request, an assessment result, a
key project … Each app registers its kinds in AppConfig.ready(), so the instructions app reaches them by content
type and id without importing the apps (the same pattern as core.cockpit and core.inbox):

    from luoshi.core.targets import register_target
    register_target("ledger.finding", label=_("问题"), get=finding_target_get, unit_path=lambda f: f.unit_path,
                    units=lambda f: [f.unit], url=finding_url, title=lambda f: f.code)

- get(user, pk) -> the object when the user may read it, else None (the app's own visibility rule);
- unit_path(obj) -> the unit path that is the target's scope: only people holding the leader or office role over
  it may write a 批示 on it;
- units(obj) -> the units a new 批示 is addressed to by default (the leader may change them);
- url(obj), title(obj) -> the link and the words shown with the 批示.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TargetKind:
    model: str  # "app_label.modelname", as ContentType and the journal name it
    label: Any
    get: Callable[[Any, int], Any]
    unit_path: Callable[[Any], str]
    units: Callable[[Any], list]
    url: Callable[[Any], str]
    title: Callable[[Any], str]


_kinds: dict[str, TargetKind] = {}


def register_target(model: str, *, label: Any, get: Callable[[Any, int], Any], unit_path: Callable[[Any], str],
                    units: Callable[[Any], list], url: Callable[[Any], str], title: Callable[[Any], str]) -> None:
    _kinds[model.lower()] = TargetKind(model=model.lower(), label=label, get=get, unit_path=unit_path, units=units,
                                       url=url, title=title)


def target_kind(model: str) -> TargetKind | None:
    return _kinds.get(model.lower())


def target_kinds() -> list[TargetKind]:
    return list(_kinds.values())
