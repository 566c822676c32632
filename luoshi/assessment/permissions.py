"""Who may do what in an assessment. Decisions only; services turn them into refusals, selectors into filters.

- The office (督查室/办公室) over the scheme's owner unit manages: rounds, approval, publication, appeals,
  consequences. An administrator may do anything.
- An evaluator (评估员) scores the units and leaves they are assigned to in a round; the office may
  score too. Nobody approves their own score.
- A unit's liaison sees its own score card (also before publication) and appeals it; nobody else's.
- Office, leaders and evaluators over the region read every unit's results; once published, any
  signed-in person reads the league table, and the public reads it on the portal when the round is public.

The same rules as querysets (lists and the pages' get-or-404): Scheme/Round/RoundUnit….objects.visible_to(scope)
in models.py; the functions here decide them in Python for an object already loaded.
"""
from __future__ import annotations

from luoshi.org.models import Role
from luoshi.org.scopes import scope_for

from .models import READ_ROLES, UNIT_ROLES, EvaluatorAssignment, Round, RoundState, Scheme


def can_manage(user, scheme: Scheme) -> bool:
    """`Scheme.objects.manageable_by(scope)` for one scheme, decided in Python."""
    return scope_for(user).covers(scheme.owner_unit.path, Role.OFFICE)


def reads_all(user, scheme: Scheme) -> bool:
    """`Scheme.objects.wholly_visible_to(scope)` for one scheme, decided in Python."""
    scope = scope_for(user)
    return scope.covers(scheme.owner_unit.path, *READ_ROLES) or scope.covers(scheme.region.path, *READ_ROLES)


def assignments_of(person_id: int, round_id: int):
    """A person's evaluator assignments in a round, as a queryset (read by `assignments`; the score card asks
    whether there are any inside its participant row's query, selectors.card_get)."""
    return EvaluatorAssignment.objects.filter(round_id=round_id, person_id=person_id)


def assignments(user, rnd: Round) -> list[EvaluatorAssignment]:
    if not getattr(user, "pk", None):
        return []
    cached = getattr(user, "_assess_assignments", {})
    if rnd.pk not in cached:
        cached[rnd.pk] = list(assignments_of(user.pk, rnd.pk))
        user._assess_assignments = cached
    return cached[rnd.pk]


def assignments_none(user, rnd: Round) -> None:
    """Note that `user` has no evaluator assignment in `rnd`, known from a query that asked already (the score
    card's participant row, selectors.card_get), so that `is_evaluator` and `may_score` do not read it again in
    this request."""
    cached = getattr(user, "_assess_assignments", {})
    cached[rnd.pk] = []
    user._assess_assignments = cached


def may_score(user, rnd: Round, unit_id: int, indicator_id: int) -> bool:
    if can_manage(user, rnd.scheme):
        return True
    return any((a.unit_id in (None, unit_id)) and (a.indicator_id in (None, indicator_id))
               for a in assignments(user, rnd))


def is_evaluator(user, rnd: Round) -> bool:
    return bool(assignments(user, rnd))


def acts_for_unit(user, unit) -> bool:
    """The unit's liaison (or an office over the unit) appeals for it."""
    return scope_for(user).covers(unit.path, Role.LIAISON, Role.OFFICE)


def reads_unit(user, rnd: Round, unit) -> bool:
    """May read this unit's score card in this (visible) round: `RoundUnit.objects.visible_to` for one row. (The
    unit's own people first: that needs no query.)"""
    return scope_for(user).covers(unit.path, *UNIT_ROLES) or reads_all(user, rnd.scheme) or is_evaluator(user, rnd)


def reads_card(user, rnd: Round, unit) -> bool:
    """`RoundUnit.objects.visible_to(scope)` for a participant row already loaded (its round need not be known to
    be visible): readers of the whole scheme and the round's evaluators see every card of it (the round is visible
    to them); the unit's own people see it once the round is out of draft (it is then visible to them because
    their unit takes part). The checks without a query come first."""
    return ((rnd.state != RoundState.DRAFT and scope_for(user).covers(unit.path, *UNIT_ROLES))
            or reads_all(user, rnd.scheme) or is_evaluator(user, rnd))
