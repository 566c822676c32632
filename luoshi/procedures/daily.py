"""The procedures' part of the daily job (`luoshi warnings_run`, registered in apps.py):

1. timers: for every institution still 存续, each timer of each current institution procedure opens one case
   when its day comes — `months_before` the certificate's expiry (exit review), `years_after` the last day the
   institution was seen operating (dynamic review). Once per timer and date (a unique constraint holds it), and
   not while another case of the same procedure is running for the institution.
2. lights: every open step's 正常/临期/逾期 is recomputed; a step that turned 临期 or 逾期 reminds the people
   who hold the step's role over its unit (once per step and light).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.language import languages_of
from luoshi.core.notify import Message, deliver
from luoshi.org.models import RoleGrant
from luoshi.org.scopes import ancestor_paths

from .models import Case, CaseState, CaseStep, Definition, Institution, InstitutionState, Light, StepState
from .services import add_months, case_start, step_light


def timer_day(timer, inst: Institution) -> dt.date:
    base = getattr(inst, timer.field)
    if timer.months_before is not None:
        return add_months(base, -timer.months_before)
    return add_months(base, 12 * timer.years_after)


def timers_run(today: dt.date) -> list[Case]:
    opened: list[Case] = []
    definitions = [d for d in Definition.objects.filter(is_current=True, subject="institution")
                   .select_related("owner_unit") if d.parsed().timers]
    if not definitions:
        return opened
    institutions = list(Institution.objects.filter(state=InstitutionState.ACTIVE).select_related("unit"))
    running = set(Case.objects.filter(state=CaseState.RUNNING, institution__isnull=False)
                  .values_list("institution_id", "definition__code"))
    done = set(Case.objects.filter(institution__isnull=False).values_list("institution_id", "trigger", "trigger_key"))
    for definition in definitions:
        spec = definition.parsed()
        for inst in institutions:
            for timer in spec.timers:
                day = timer_day(timer, inst)
                key = getattr(inst, timer.field).isoformat()
                if today < day or (inst.pk, timer.code, key) in done or (inst.pk, definition.code) in running:
                    continue
                fields = {f.code: getattr(inst, f.code).isoformat() for f in spec.fields
                          if f.code in ("cert_expires", "last_operation_on", "cert_issued")}
                try:
                    with transaction.atomic():
                        case = case_start(by=None, definition=definition, unit=inst.unit,
                                          title=f"{inst.name}{timer.label}", fields=fields, institution=inst,
                                          trigger=timer.code, trigger_key=key)
                except IntegrityError:  # another run opened it meanwhile
                    continue
                running.add((inst.pk, definition.code))
                opened.append(case)
    return opened


def lights_run(today: dt.date, notify: bool) -> dict[str, int]:
    steps = list(CaseStep.objects.filter(state=StepState.OPEN).select_related("case", "case__definition"))
    changed: dict[str, list[CaseStep]] = defaultdict(list)
    for step in steps:
        light = step_light(step, step.case.definition.parsed(), today)
        if light != step.light:
            step.light = light
            changed[light].append(step)
    CaseStep.objects.bulk_update([s for rows in changed.values() for s in rows], ["light"], batch_size=500)
    if notify:
        _remind([s for s in steps if s.light != Light.NORMAL])
    return {"open": len(steps), "yellow": sum(s.light == Light.YELLOW for s in steps),
            "red": sum(s.light == Light.RED for s in steps)}


def step_people(steps: list[CaseStep]) -> dict[int, set[int]]:
    """step id → the people who hold the step's role over its unit (one query for all)."""
    wanted = {(s.actor_role, p) for s in steps for p in ancestor_paths(s.actor_path)}
    if not wanted:
        return {}
    by_key: dict[tuple[str, str], set[int]] = defaultdict(set)
    for role, path, person in RoleGrant.objects.filter(
            role__in={r for r, _p in wanted}, unit__path__in={p for _r, p in wanted},
            person__is_active=True).values_list("role", "unit__path", "person_id"):
        by_key[(role, path)].add(person)
    return {s.pk: {pid for p in ancestor_paths(s.actor_path) for pid in by_key.get((s.actor_role, p), ())}
            for s in steps}


def _remind(steps: list[CaseStep]) -> None:
    people = step_people(steps)
    recipients = languages_of({p for ids in people.values() for p in ids})
    messages = []
    for s in steps:
        url = reverse("procedures_case", args=[s.case_id])
        texts: dict[str, tuple[str, str]] = {}  # (title, body) per language of the recipients (core.language)
        for pid in sorted(people.get(s.pk, ())):
            if pid not in recipients:
                continue
            email, code = recipients[pid]
            if code not in texts:
                with translation.override(code):
                    texts[code] = ((_("逾期：%(number)s %(title)s · %(step)s") if s.light == Light.RED else
                                    _("临期：%(number)s %(title)s · %(step)s")) % {
                        "number": s.case.number, "title": s.case.title, "step": s.name},
                        _("时限：%(due)s") % {"due": clock.localtime(s.due_at - dt.timedelta(seconds=1)).strftime("%Y-%m-%d")})
            title, body = texts[code]
            messages.append(Message(pid, email, "procedure_step", title, body, url, f"proc-step-{s.pk}-{s.light}"))
    deliver(messages)


def procedures_daily(today: dt.date | None, notify: bool) -> list[str]:
    today = today or clock.today()
    opened = timers_run(today)
    lights = lights_run(today, notify)
    lines = [_("程序办件：办理中环节 %(open)s 个，临期 %(yellow)s 个，逾期 %(red)s 个。") % lights]
    if opened:
        lines.append(_("按计时新开评审办件 %(n)s 件。") % {"n": len(opened)})
    return lines
