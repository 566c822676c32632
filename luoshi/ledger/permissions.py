"""Who may do what in a program's ledger. Decisions only; services turn them into refusals."""
from __future__ import annotations

from luoshi.org.models import Role
from luoshi.org.scopes import scope_for
from luoshi.programs.models import Program

from .models import Finding, InspectionGroup

PROGRAM_READ_ROLES = (Role.OFFICE, Role.LEADER, Role.EVALUATOR)


def can_manage(user, program: Program) -> bool:
    """督查室/办公室 of the program's owner unit: issues sheets, confirms escalations, publishes."""
    return scope_for(user).covers(program.owner_unit.path, Role.OFFICE)


def is_member(user, program: Program) -> bool:
    if not getattr(user, "pk", None):
        return False
    return InspectionGroup.objects.filter(program=program, is_active=True, members=user).exists()


def is_inspector(user, program: Program) -> bool:
    """Records findings and verifies rectifications: the office, or a member of one of the program's groups."""
    return can_manage(user, program) or is_member(user, program)


def reads_whole_program(user, program: Program) -> bool:
    return scope_for(user).covers(program.owner_unit.path, *PROGRAM_READ_ROLES) or is_member(user, program)


def acts_for_unit(user, finding_or_path) -> bool:
    """The unit's liaison (or an office over it) acknowledges sheets and reports rectification."""
    path = finding_or_path if isinstance(finding_or_path, str) else finding_or_path.unit_path
    return scope_for(user).covers(path, Role.LIAISON, Role.OFFICE)


def is_unit_liaison(user, finding: Finding) -> bool:
    scope = scope_for(user)
    return not scope.is_admin and any(finding.unit_path.startswith(p) for p in scope.paths_for(Role.LIAISON))
