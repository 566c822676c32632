"""Who may do what in a program's ledger. Decisions only; services turn them into refusals."""
from __future__ import annotations

from luoshi.org.lookups import path_within
from luoshi.org.models import Role
from luoshi.org.scopes import scope_for
from luoshi.programs.models import Program

from .models import Finding, InspectionGroup


def can_manage(user, program: Program) -> bool:
    """督查室/办公室 of the program's owner unit: issues sheets, confirms escalations, publishes."""
    return program.manageable_by(scope_for(user))


def is_member(user, program: Program) -> bool:
    if not getattr(user, "pk", None):
        return False
    return InspectionGroup.objects.filter(program=program, is_active=True, members=user).exists()


def roles(user, program: Program) -> tuple[bool, bool]:
    """(can_manage, is_inspector) of one person in the program, the group membership (a query) asked only when they
    do not manage it: for a page that needs both."""
    manage = can_manage(user, program)
    return manage, manage or is_member(user, program)


def is_inspector(user, program: Program) -> bool:
    """Records findings and verifies rectifications: the office, or a member of one of the program's groups."""
    return roles(user, program)[1]


def reads_whole_program(user, program: Program) -> bool:
    return program.wholly_visible_to(scope_for(user)) or is_member(user, program)


def acts_for_unit(user, finding_or_path) -> bool:
    """The unit's liaison (or an office over it) acknowledges sheets and reports rectification."""
    path = finding_or_path if isinstance(finding_or_path, str) else finding_or_path.unit_path
    return scope_for(user).covers(path, Role.LIAISON, Role.OFFICE)


def is_unit_liaison(user, finding: Finding) -> bool:
    scope = scope_for(user)
    return not scope.is_admin and path_within(finding.unit_path, scope.paths_for(Role.LIAISON))
