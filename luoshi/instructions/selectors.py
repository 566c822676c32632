"""Reads of 批示, filtered by who asks (Instruction.objects.visible_to), and the plain selector the cockpit and the
bulletins use (`instructions_open`)."""
from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from luoshi.core import clock
from luoshi.core.inbox import InboxItem
from luoshi.core.targets import target_kind
from luoshi.org.models import Role, Unit
from luoshi.org.scopes import scope_for

from .models import Instruction, InstructionState, InstructionUnit

TABS = ("todo", "mine", "open", "all")
FIELDS = ("id", "target_title", "text", "deadline", "state", "created_at", "unit_count", "answered_count",
          "author__full_name", "author__username", "target_type__app_label", "target_type__model", "target_id")


def instructions_visible(user) -> QuerySet[Instruction]:
    return Instruction.objects.visible_to(scope_for(user))


def _addressed_to_me(user) -> QuerySet[InstructionUnit]:
    """The addressed units where the user holds the liaison or office role on that very unit: their 待办."""
    paths = scope_for(user).paths
    exact = set(paths.get(Role.LIAISON, ())) | set(paths.get(Role.OFFICE, ()))
    return InstructionUnit.objects.filter(unit__path__in=exact) if exact else InstructionUnit.objects.none()


def instruction_list(*, user, tab: str = "all", unit: Unit | None = None) -> QuerySet[Instruction]:
    qs = instructions_visible(user)
    if tab == "todo":
        waiting = _addressed_to_me(user).filter(instruction=OuterRef("pk"), answered_at=None)
        qs = qs.filter(Exists(waiting)).exclude(state=InstructionState.CLOSED)
    elif tab == "mine":
        qs = qs.filter(author=user)
    elif tab == "open":
        qs = qs.exclude(state=InstructionState.CLOSED)
    if unit is not None:
        qs = qs.filter(Q(target_unit_path__within=[unit.path])
                       | Q(pk__in=InstructionUnit.objects.filter(unit_path__within=[unit.path]).values("instruction_id")))
    return qs.order_by("-created_at", "-id")


def instruction_rows(qs) -> list[dict]:
    """Plain rows for a list page: the 批示 with its addressed units' names and answered flags (two queries)."""
    rows = list(qs.values(*FIELDS))
    units: dict[int, list[dict]] = {}
    for iid, name, answered in (InstructionUnit.objects.filter(instruction_id__in=[r["id"] for r in rows])
                                .order_by("unit__path").values_list("instruction_id", "unit__name", "answered_at")):
        units.setdefault(iid, []).append({"name": name, "answered": answered is not None})
    today = clock.today()
    prefix = reverse("instruction_detail", args=[0])[:-2]
    labels = dict(InstructionState.choices)
    for r in rows:
        r["units"] = units.get(r["id"], [])
        r["url"] = f"{prefix}{r['id']}/"
        r["author"] = r["author__full_name"] or r["author__username"]
        r["state_label"] = str(labels.get(r["state"], r["state"]))
        r["overdue"] = bool(r["deadline"] and r["deadline"] < today and r["state"] != InstructionState.CLOSED)
    return rows


def instruction_get(*, user, pk: int) -> Instruction:
    instruction = (instructions_visible(user).select_related("author", "closed_by", "target_type")
                   .filter(pk=pk).first())
    if instruction is None:
        raise Http404
    return instruction


def instruction_target_url(instruction: Instruction) -> str:
    kind = target_kind(f"{instruction.target_type.app_label}.{instruction.target_type.model}")
    if kind is None:
        return ""
    obj = instruction.target_type.model_class()._default_manager.filter(pk=instruction.target_id).first()
    return kind.url(obj) if obj is not None else ""


def can_manage(user, instruction: Instruction) -> bool:
    return Instruction.objects.manageable_by(scope_for(user)).filter(pk=instruction.pk).exists()


def instructions_open(*, user, unit: Unit | None = None, limit: int | None = None) -> list[dict]:
    """Open (not 办结) 批示 the user sees, about the unit's subtree when given — for the cockpit and the bulletins:
    plain dicts (id, target_title, text, deadline, state, author, units [{name, answered}], overdue, url)."""
    qs = instruction_list(user=user, tab="open", unit=unit)
    return instruction_rows(qs[:limit] if limit else qs)


def instructions_for_target(*, user, model: str, pk: int) -> list[dict]:
    app_label, _sep, name = model.lower().partition(".")
    return instruction_rows(instructions_visible(user).filter(target_type__app_label=app_label,
                                                              target_type__model=name, target_id=pk))


# ---- the one inbox (core.inbox) ------------------------------------------------------------------------

def _todo_units(user):
    return (_addressed_to_me(user).filter(answered_at=None).exclude(instruction__state=InstructionState.CLOSED))


def inbox_answer_count(user) -> int:
    return _todo_units(user).count()


def inbox_answer_items(user, limit: int | None) -> list[InboxItem]:
    qs = (_todo_units(user).order_by("instruction__deadline", "instruction_id", "unit__path")
          .values("instruction_id", "instruction__target_title", "instruction__text", "instruction__deadline",
                  "unit__name"))
    if limit is not None:
        qs = qs[:limit]
    today = clock.today()
    prefix = reverse("instruction_detail", args=[0])[:-2]
    return [InboxItem(source="instructions.answer", title=r["instruction__text"][:60],
                      url=f"{prefix}{r['instruction_id']}/", due=r["instruction__deadline"],
                      context=r["instruction__target_title"], unit=r["unit__name"],
                      state="overdue" if r["instruction__deadline"] and r["instruction__deadline"] < today else "")
            for r in qs]


def _to_review(user):
    return Instruction.objects.filter(author=user, state=InstructionState.OPEN, answered_count__gt=0)


def inbox_review_count(user) -> int:
    return _to_review(user).count()


def inbox_review_items(user, limit: int | None) -> list[InboxItem]:
    qs = _to_review(user).order_by("deadline", "id").values("id", "text", "target_title", "deadline",
                                                             "answered_count", "unit_count")
    if limit is not None:
        qs = qs[:limit]
    prefix = reverse("instruction_detail", args=[0])[:-2]
    return [InboxItem(source="instructions.review", title=r["text"][:60], url=f"{prefix}{r['id']}/",
                      due=r["deadline"], context=r["target_title"],
                      extra={"answered": r["answered_count"], "units": r["unit_count"]}) for r in qs]
