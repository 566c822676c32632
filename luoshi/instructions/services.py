"""Writes of 批示: create, answer, mark 已阅, close. Keyword-only, one transaction, permission checked, journaled,
and the people concerned notified (core.notify)."""
from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.journal import journal_record
from luoshi.core.notify import notify_people
from luoshi.core.targets import target_kind
from luoshi.org.lookups import path_within
from luoshi.org.models import Person, Role, RoleGrant, Unit
from luoshi.org.scopes import scope_for

from .models import ANSWER_ROLES, WRITE_ROLES, Instruction, InstructionReply, InstructionState, InstructionUnit

TEXT_MAX = 2000


def target_resolve(*, user, target: str):
    """"tasks.task:42" → (kind, object) when the user may read it; ServiceError naming the field otherwise."""
    model, _sep, raw = (target or "").partition(":")
    kind = target_kind(model)
    if kind is None or not raw.isdigit():
        raise ServiceError(_("批示对象“%(t)s”无法识别：应为“类型:编号”，如 tasks.task:42。") % {"t": target}, field="target")
    obj = kind.get(user, int(raw))
    if obj is None:
        raise ServiceError(_("批示对象 %(t)s 不存在或您无权查看。") % {"t": target}, field="target")
    return kind, obj


def can_write_on(user, kind, obj) -> bool:
    return scope_for(user).covers(kind.unit_path(obj), *WRITE_ROLES)


def _recipients_people(unit_ids) -> set[int]:
    """The liaisons and offices of the addressed units themselves (not of the units above them)."""
    return set(RoleGrant.objects.filter(unit_id__in=list(unit_ids), role__in=(Role.LIAISON, Role.OFFICE))
               .values_list("person_id", flat=True))


def instruction_create(*, by: Person, target: str, text: str, units: list[Unit], deadline: dt.date | None) -> Instruction:
    kind, obj = target_resolve(user=by, target=target)
    scope = scope_for(by)
    path = kind.unit_path(obj)
    if not scope.covers(path, *WRITE_ROLES):
        raise PermissionDeniedError(_("只有对“%(t)s”所在范围负有领导或督查职责的人员可以批示。") % {"t": kind.title(obj)})
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("请填写批示内容。"), field="text")
    if len(text) > TEXT_MAX:
        raise ServiceError(_("批示内容不能超过 %(n)s 字（现有 %(m)s 字）。") % {"n": TEXT_MAX, "m": len(text)}, field="text")
    units = list(dict.fromkeys(units))
    if not units:
        raise ServiceError(_("请至少指定一个办理单位。"), field="units")
    today = clock.today()
    if deadline is not None and deadline < today:
        raise ServiceError(_("办理时限 %(d)s 早于今天。") % {"d": deadline.isoformat()}, field="deadline")
    author_scope = next((p for p in scope.paths_for(*WRITE_ROLES) if path_within(path, [p])), path)
    now = clock.now()
    with transaction.atomic():
        instruction = Instruction.objects.create(
            target_type=ContentType.objects.get_by_natural_key(*kind.model.split(".")), target_id=obj.pk,
            target_title=kind.title(obj)[:300], target_unit_path=path, text=text, deadline=deadline, author=by,
            author_scope_path=author_scope, created_at=now, unit_count=len(units))
        InstructionUnit.objects.bulk_create([InstructionUnit(instruction=instruction, unit=u, unit_path=u.path)
                                             for u in units])
        journal_record(actor=by, verb="instruction.create", obj=instruction, scope_path=path,
                       changes={"target": target, "text": text, "units": [u.pk for u in units], "deadline": deadline})
        notify_people(_recipients_people(u.pk for u in units), kind="instruction",
                      title=lambda: _("领导批示：%(t)s") % {"t": instruction.target_title[:40]}, body=text[:200],
                      url=reverse("instruction_detail", args=[instruction.pk]),
                      dedup_key=f"instruction:{instruction.pk}:new")
    return instruction


def answerable_units(user, instruction: Instruction) -> list[InstructionUnit]:
    """The addressed units the user answers for (a role over the unit), while the 批示 is not closed."""
    if instruction.is_closed:
        return []
    scope = scope_for(user)
    return [r for r in instruction.recipients.select_related("unit") if scope.covers(r.unit_path, *ANSWER_ROLES)]


def instruction_reply(*, by: Person, instruction: Instruction, unit: Unit, text: str) -> InstructionReply:
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("请填写落实情况。"), field="text")
    if len(text) > TEXT_MAX:
        raise ServiceError(_("落实情况不能超过 %(n)s 字（现有 %(m)s 字）。") % {"n": TEXT_MAX, "m": len(text)}, field="text")
    with transaction.atomic():
        instruction = Instruction.objects.select_for_update().get(pk=instruction.pk)
        if instruction.is_closed:
            raise ServiceError(_("该批示已办结，不能再回复。"))
        recipient = InstructionUnit.objects.filter(instruction=instruction, unit=unit).first()
        if recipient is None:
            raise ServiceError(_("%(u)s 不是该批示的办理单位。") % {"u": unit.name}, field="unit")
        if not scope_for(by).covers(recipient.unit_path, *ANSWER_ROLES):
            raise PermissionDeniedError(_("您不能代 %(u)s 回复。") % {"u": unit.name})
        now = clock.now()
        reply = InstructionReply.objects.create(instruction=instruction, unit=unit, author=by, text=text, at=now)
        if recipient.answered_at is None:
            InstructionUnit.objects.filter(pk=recipient.pk).update(answered_at=now)
            Instruction.objects.filter(pk=instruction.pk).update(answered_count=F("answered_count") + 1)
        if instruction.state == InstructionState.READ:  # a new answer after 已阅: back to the leader
            Instruction.objects.filter(pk=instruction.pk).update(state=InstructionState.OPEN)
        journal_record(actor=by, verb="instruction.reply", obj=instruction, scope_path=recipient.unit_path,
                       changes={"unit": unit.pk, "text": text})
        notify_people([instruction.author_id], kind="instruction",
                      title=lambda: _("批示回复：%(u)s") % {"u": unit.name}, body=text[:200],
                      url=reverse("instruction_detail", args=[instruction.pk]),
                      dedup_key=f"instruction:{instruction.pk}:reply:{reply.pk}")
    return reply


def _managed(by: Person, instruction: Instruction) -> Instruction:
    locked = (Instruction.objects.manageable_by(scope_for(by)).select_for_update().filter(pk=instruction.pk).first())
    if locked is None:
        raise PermissionDeniedError(_("只有批示人或其督查室可以标记已阅或办结；办理单位不能办结领导批示。"))
    return locked


def instruction_mark_read(*, by: Person, instruction: Instruction) -> Instruction:
    with transaction.atomic():
        instruction = _managed(by, instruction)
        if instruction.state != InstructionState.OPEN:
            raise ServiceError(_("只有办理中的批示可以标记已阅。"))
        before = instruction.state
        instruction.state, instruction.read_at = InstructionState.READ, clock.now()
        instruction.save(update_fields=["state", "read_at"])
        journal_record(actor=by, verb="instruction.read", obj=instruction, scope_path=instruction.target_unit_path,
                       changes={"state": [before, instruction.state]})
    return instruction


def instruction_close(*, by: Person, instruction: Instruction, note: str = "") -> Instruction:
    note = (note or "").strip()
    if len(note) > TEXT_MAX:
        raise ServiceError(_("办结说明不能超过 %(n)s 字（现有 %(m)s 字）。") % {"n": TEXT_MAX, "m": len(note)}, field="note")
    with transaction.atomic():
        instruction = _managed(by, instruction)
        if instruction.is_closed:
            raise ServiceError(_("该批示已办结。"))
        before = instruction.state
        instruction.state, instruction.closed_at, instruction.closed_by = InstructionState.CLOSED, clock.now(), by
        instruction.close_note = note
        instruction.save(update_fields=["state", "closed_at", "closed_by", "close_note"])
        journal_record(actor=by, verb="instruction.close", obj=instruction, scope_path=instruction.target_unit_path,
                       changes={"state": [before, instruction.state], "note": instruction.close_note})
        units = instruction.recipients.values_list("unit_id", flat=True)
        notify_people(_recipients_people(units), kind="instruction",
                      title=lambda: _("批示已办结：%(t)s") % {"t": instruction.target_title[:40]}, body=instruction.close_note,
                      url=reverse("instruction_detail", args=[instruction.pk]),
                      dedup_key=f"instruction:{instruction.pk}:closed")
    return instruction
