"""Which of a unit's score card short lists have rows (ADR 0049): flags on its RoundUnit row, read with the card's
participant row (selectors.card_get), so a card reads only the lists that have rows and asks no query to learn which.

The lists: "adjustments" (its current 加分/减分 entries), "appeals", "consequences", "materials" and "evidence"
(files of its current scores). A flag says the list may have rows; false means it has none. The services that add
such a row set the flag in their transaction (`mark`): adjustment_add and a consequence's feed, appeal_file, the
consequence proposals, material_submit, score_record when the new score has files. Nothing clears a flag when a row
stops counting (a score no longer current): the card then reads an empty list, as it did before the flags. Bulk
writes (the score import, the demo data, bench/assessment_data.py) call `round_rebuild`, which sets every flag of the
round from its rows; `round_check` lists the lists that have rows with their flag false (the tests).
"""
from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import Exists, OuterRef

from .models import Adjustment, Appeal, Consequence, Material, Round, RoundUnit, Score

LISTS = ("adjustments", "appeals", "consequences", "materials", "evidence")
FIELDS = tuple(f"has_{label}" for label in LISTS)       # RoundUnit's flags, in the order of LISTS


def rows(rnd: Round, label: str) -> models.QuerySet:
    """The round's rows of one short list, with the unit they belong to as `unit_id` (what the card reads)."""
    if label == "evidence":
        return Score.evidence.through.objects.filter(score__round=rnd, score__is_current=True).annotate(
            unit_id=models.F("score__unit_id"))
    return {"adjustments": Adjustment.objects.filter(round=rnd, is_current=True),
            "appeals": Appeal.objects.filter(round=rnd),
            "consequences": Consequence.objects.filter(round=rnd),
            "materials": Material.objects.filter(round=rnd)}[label]


def of(flags: Iterable[bool]) -> set[str]:
    """The lists whose flags (in FIELDS' order) are set."""
    return {label for label, flag in zip(LISTS, flags) if flag}


def mark(rnd: Round | int, unit_ids: Iterable[int], label: str) -> None:
    """Rows of list `label` were added for these units of the round (the caller's transaction)."""
    field = f"has_{label}"
    RoundUnit.objects.filter(round=rnd, unit_id__in=set(unit_ids), **{field: False}).update(**{field: True})


def recomputed(rnd: Round) -> dict[int, set[str]]:
    """unit id → the lists that have rows, from the rows themselves."""
    out: dict[int, set[str]] = {}
    for label in LISTS:
        for unit_id in rows(rnd, label).order_by().values_list("unit_id", flat=True).distinct():
            out.setdefault(unit_id, set()).add(label)
    return out


def round_rebuild(rnd: Round) -> None:
    """Set every flag of the round from its rows (after a bulk write)."""
    RoundUnit.objects.filter(round=rnd).update(**{
        f"has_{label}": Exists(rows(rnd, label).filter(**{"unit_id": OuterRef("unit_id")})) for label in LISTS})


def round_check(rnd: Round) -> list[str]:
    """The participants' lists that have rows while their flag says none, in words (empty: every card shows all its
    rows; a unit outside the round has no card)."""
    have = {unit_id: of(flags) for unit_id, *flags in RoundUnit.objects.filter(round=rnd)
            .values_list("unit_id", *FIELDS)}
    return [f"round {rnd.pk} unit {unit_id}: {sorted(labels - have.get(unit_id, set()))} have rows, flags say none"
            for unit_id, labels in sorted(recomputed(rnd).items())
            if unit_id in have and labels - have[unit_id]]
