"""The escalation ladder (督办升级阶梯) as data, and the rule that says which steps a finding has earned.

A ladder is a list of steps, lowest first. A step is earned when any one of its `when` conditions holds;
a condition holds when all the keys written in it hold:

- ``overdue_days: N``       the unit still owes the rectification N or more days after the deadline
- ``repeat_within_days: N`` the finding came back (回头看) within N days of being closed
- ``returned_times: N``     the inspector returned the rectification N or more times
- ``after_step: KEY``       this finding already had step KEY confirmed (in this cycle)
- ``unit_prior: {step: KEY, count: C, within_days: D}``
                            the finding's unit already had C or more KEY steps confirmed in the last D
                            days, on any finding ("the third time" is count 2)
- ``severity: [major, severe]``  only findings of these severities

The office confirms each proposed step; nothing happens to a unit on the job's word alone. A finding has at most one
open (proposed) step at a time, and the ladder only goes up within a cycle: when several steps are earned at once the
daily job proposes the highest, and never one at or below a step already proposed (ADR 0023).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext as _, gettext_noop
from pydantic import Field, field_validator, model_validator

from luoshi.core.reasons import reason_templates_register
from luoshi.core.specs import Spec, SpecFieldError

from .models import Severity

Audience = Literal["unit", "leader", "office"]


class UnitPrior(Spec):
    step: str
    count: int = Field(ge=1, le=100)
    within_days: int = Field(ge=1, le=3660)


class Condition(Spec):
    overdue_days: int | None = Field(None, ge=0, le=3660)
    repeat_within_days: int | None = Field(None, ge=1, le=3660)
    returned_times: int | None = Field(None, ge=1, le=100)
    after_step: str | None = None
    unit_prior: UnitPrior | None = None
    severity: list[Literal[tuple(Severity.values)]] | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _not_empty(self):
        if not any(v is not None for k, v in self.__dict__.items() if k != "severity"):
            raise ValueError(_("条件至少要写一项：overdue_days、repeat_within_days、returned_times、after_step 或 unit_prior"))
        return self


class Step(Spec):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1, max_length=50)
    when: list[Condition] = Field(min_length=1)
    notify: list[Audience] = ["unit"]
    record: bool = False     # confirming asks for the date, attendees and minutes (约谈)
    bulletin: bool = False   # a confirmed step is listed in the next 督查通报 (通报批评)
    note: str = ""


class Ladder(Spec):
    steps: list[Step]

    @field_validator("steps")
    @classmethod
    def _references(cls, steps):
        return check_steps(steps)


def check_steps(steps: list[Step]) -> list[Step]:
    """Step keys are unique, and a step refers only to itself or a step before it (a ladder goes up).
    Problems name the key they are about, e.g. (2, "when", 0, "after_step")."""
    seen: set[str] = set()
    for i, step in enumerate(steps):
        if step.key in seen:
            raise SpecFieldError((i, "key"), _("措施代码 %(key)s 重复") % {"key": step.key})
        for j, cond in enumerate(step.when):
            refs = ((("after_step",), cond.after_step),
                    (("unit_prior", "step"), cond.unit_prior.step if cond.unit_prior else None))
            for where, ref in refs:
                if ref is not None and ref not in seen | {step.key}:
                    raise SpecFieldError((i, "when", j, *where), _("措施 %(key)s 引用的 %(ref)s 须是它之前（或它自己）的措施")
                                         % {"key": step.key, "ref": ref})
        seen.add(step.key)
    return steps


def ladder_parse(raw: list[dict]) -> Ladder:
    return Ladder.model_validate({"steps": raw or []})


@dataclass
class FindingFacts:
    """What the ladder looks at for one finding on one day."""

    severity: str
    overdue_days: int
    days_since_last_close: int | None   # set while a reopened finding is open
    return_count: int
    confirmed_steps: set[str]            # this finding, this cycle
    unit_confirmed: dict[str, list[dt.date]]  # the unit's confirmed steps (any finding) → dates


# An escalation's reason is stored in Chinese and shown in the reader's language (core.reasons).
R_OVERDUE = gettext_noop("逾期%(days)s天")
R_REPEAT = gettext_noop("销号后%(days)s天内复发")
R_RETURNED = gettext_noop("被退回%(n)s次")
R_UNIT_PRIOR = gettext_noop("单位%(days)s天内已有%(n)s次同类措施")
R_HOLDS = gettext_noop("满足条件")
reason_templates_register(R_OVERDUE, R_REPEAT, R_RETURNED, R_UNIT_PRIOR, R_HOLDS)


def condition_holds(cond: Condition, facts: FindingFacts, today: dt.date) -> str | None:
    """The reason in words when the condition holds, else None."""
    reasons = []
    if cond.severity is not None and facts.severity not in cond.severity:
        return None
    if cond.overdue_days is not None:
        if facts.overdue_days < max(cond.overdue_days, 1):
            return None
        reasons.append(R_OVERDUE % {"days": facts.overdue_days})
    if cond.repeat_within_days is not None:
        if facts.days_since_last_close is None or facts.days_since_last_close > cond.repeat_within_days:
            return None
        reasons.append(R_REPEAT % {"days": facts.days_since_last_close})
    if cond.returned_times is not None:
        if facts.return_count < cond.returned_times:
            return None
        reasons.append(R_RETURNED % {"n": facts.return_count})
    if cond.after_step is not None:
        if cond.after_step not in facts.confirmed_steps:
            return None
    if cond.unit_prior is not None:
        since = today - dt.timedelta(days=cond.unit_prior.within_days)
        n = sum(1 for d in facts.unit_confirmed.get(cond.unit_prior.step, []) if d >= since)
        if n < cond.unit_prior.count:
            return None
        reasons.append(R_UNIT_PRIOR % {"days": cond.unit_prior.within_days, "n": n})
    return "，".join(reasons) or R_HOLDS


def earned_steps(ladder: Ladder, facts: FindingFacts, today: dt.date) -> list[tuple[int, Step, str]]:
    """(level, step, reason) for every step whose conditions hold, lowest first."""
    out = []
    for level, step in enumerate(ladder.steps, start=1):
        for cond in step.when:
            reason = condition_holds(cond, facts, today)
            if reason is not None:
                out.append((level, step, reason))
                break
    return out
