"""The 待办 sources of the ledger (core.inbox): 交办单 to sign, findings to rectify (the unit's answer to a
交办单), findings to verify (an inspector other than the one who found it), findings waiting for a 交办单, and
escalation steps to confirm. Lean indexed queries; a person without the role costs no query."""
from __future__ import annotations

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy

from luoshi.core.inbox import InboxItem, register_inbox
from luoshi.org.models import Role
from luoshi.org.scopes import scope_for
from luoshi.programs.models import Program

from .models import AssignmentSheet, Escalation, EscalationState, Finding, FindingStatus, InspectionGroup


def sheets_to_sign(user) -> QuerySet[AssignmentSheet] | None:
    paths = scope_for(user).paths_for(Role.LIAISON)
    if not paths:
        return None
    return AssignmentSheet.objects.filter(unit_path__within=paths, acknowledged_at=None, program__is_archived=False)


def findings_to_rectify(user) -> QuerySet[Finding] | None:
    """Signed findings of the liaison's units not yet reported as rectified (returned ones included)."""
    paths = scope_for(user).paths_for(Role.LIAISON)
    if not paths:
        return None
    return Finding.objects.filter(unit_path__within=paths, status=FindingStatus.RECTIFYING, program__is_archived=False)


def _inspected_programs(user):
    """Program ids where the user records and verifies findings: the office over the program, or a member of one
    of its active inspection groups (ledger.permissions.is_inspector, as a set)."""
    scope = scope_for(user)
    managed = Program.objects.manageable_by(scope).values("pk") if scope.paths_for(Role.OFFICE) else None
    member = InspectionGroup.objects.filter(is_active=True, members=user).values("program_id")
    return managed, member


def findings_to_verify(user) -> QuerySet[Finding] | None:
    """Rectifications reported, to be verified by an inspector of the program who did not find the problem and
    is not the unit's liaison (selectors.finding_detail's can_verify)."""
    if not getattr(user, "pk", None):
        return None
    managed, member = _inspected_programs(user)
    q = Q(program__in=member)
    if managed is not None:
        q |= Q(program__in=managed)
    qs = Finding.objects.filter(q, status=FindingStatus.SUBMITTED, program__is_archived=False).exclude(reporter=user)
    liaison = scope_for(user).paths_for(Role.LIAISON)
    if liaison:
        qs = qs.exclude(unit_path__within=liaison)
    return qs


def findings_to_assign(user) -> QuerySet[Finding] | None:
    scope = scope_for(user)
    if not scope.paths_for(Role.OFFICE):
        return None
    return Finding.objects.filter(program__in=Program.objects.manageable_by(scope).values("pk"),
                                  status=FindingStatus.RECORDED, program__is_archived=False)


def escalations_to_confirm(user) -> QuerySet[Escalation] | None:
    scope = scope_for(user)
    if not scope.paths_for(Role.OFFICE):
        return None
    return Escalation.objects.filter(program__in=Program.objects.manageable_by(scope).values("pk"),
                                     state=EscalationState.PROPOSED, program__is_archived=False)


def _cut(rows, limit):
    return rows if limit is None else rows[:limit]


def _sheet_items(qs, limit) -> list[InboxItem]:
    rows = _cut(qs.order_by("issued_at", "pk").values("pk", "number", "program__name", "unit__name", "issued_at"), limit)
    return [InboxItem(source="ledger.sign", title=r["number"], url=reverse("ledger_sheet", args=[r["pk"]]),
                      context=r["program__name"], unit=r["unit__name"], state="pending") for r in rows]


def _finding_items(qs, source: str, limit) -> list[InboxItem]:
    rows = _cut(qs.order_by("deadline", "found_on", "pk").values(
        "pk", "code", "description", "deadline", "program__name", "unit__name", "return_count", "sheet__number"), limit)
    out = []
    for r in rows:
        context = r["program__name"] + (f" · {r['sheet__number']}" if r["sheet__number"] else "")
        out.append(InboxItem(source=source, title=f"{r['code']} {r['description']}"[:80],
                             url=reverse("ledger_finding", args=[r["pk"]]), due=r["deadline"], context=context,
                             unit=r["unit__name"], state="returned" if r["return_count"] else ""))
    return out


def _escalation_items(qs, limit) -> list[InboxItem]:
    rows = _cut(qs.order_by("proposed_at", "pk").values("pk", "step_name", "reason", "finding__code", "program__code",
                                                       "program__name", "unit__name"), limit)
    return [InboxItem(source="ledger.escalations", title=f"{r['step_name']}：{r['finding__code']} {r['reason']}"[:80],
                      url=reverse("ledger_escalations", args=[r["program__code"]]) + "?state=proposed",
                      context=r["program__name"], unit=r["unit__name"], state="proposed", extra={"key": f"e{r['pk']}"})
            for r in rows]



def register() -> None:
    register_inbox("ledger.sign", label=gettext_lazy("待签收交办单"), order=20,
                   pending=sheets_to_sign,
                   items=lambda user, limit: [] if (qs := sheets_to_sign(user)) is None else _sheet_items(qs, limit))
    register_inbox("ledger.rectify", label=gettext_lazy("待整改问题（交办单）"), order=21,
                   pending=findings_to_rectify,
                   items=lambda user, limit: [] if (qs := findings_to_rectify(user)) is None else
                   _finding_items(qs, "ledger.rectify", limit))
    register_inbox("ledger.verify", label=gettext_lazy("待核验问题"), order=22,
                   pending=findings_to_verify,
                   items=lambda user, limit: [] if (qs := findings_to_verify(user)) is None else
                   _finding_items(qs, "ledger.verify", limit))
    register_inbox("ledger.assign", label=gettext_lazy("待交办问题"), order=23,
                   pending=findings_to_assign,
                   items=lambda user, limit: [] if (qs := findings_to_assign(user)) is None else
                   _finding_items(qs, "ledger.assign", limit))
    register_inbox("ledger.escalations", label=gettext_lazy("待确认督办升级"), order=24,
                   pending=escalations_to_confirm,
                   items=lambda user, limit: [] if (qs := escalations_to_confirm(user)) is None else
                   _escalation_items(qs, limit))
