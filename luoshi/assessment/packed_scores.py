"""Maintained packed scores (PackedScores, ADR 0045): per round and unit, the unit's counted current scores in one
row, so `round_compute` reads 3,000 rows instead of 420,000 scores.

Whoever changes a round's current scores calls, in the same transaction: `unit_refresh` (one unit's scores changed:
score_record, score_return, appeal_decide), `approvals_recount` (scores approved: scores_approve) or `round_rebuild`
(bulk writes: the score import, the demo data, bench/assessment_data.py). `round_check` compares the maintained rows
with a recomputation (the tests).

A row holds what `Score.objects.counted(rnd, approved_only=False)` gives for the unit; `unapproved` says how many of
those are not approved yet, so a computation from approved scores only (a published round) uses the rows with none
and reads the scores of the other units (`counted_rows`).
"""
from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from .models import PackedScores, Round, Score, ScoreStatus

Packed = tuple[str, str, int]      # (indicator ids, values, how many not approved)


def packed(scores) -> dict[int, Packed]:
    """unit id → its packed row, from a queryset of counted current scores."""
    by_unit: dict[int, list] = {}
    for unit_id, indicator_id, value, status in (scores.order_by().values_list("unit_id", "indicator_id", "value",
                                                                                "status").iterator(chunk_size=20000)):
        by_unit.setdefault(unit_id, []).append((indicator_id, value, status))
    out = {}
    for unit_id, rows in by_unit.items():
        rows.sort(key=lambda row: row[:2])
        out[unit_id] = (",".join([str(row[0]) for row in rows]), ",".join([str(row[1]) for row in rows]),
                        sum(1 for row in rows if row[2] != ScoreStatus.APPROVED))
    return out


def recomputed(rnd: Round) -> dict[int, Packed]:
    """What the round's rows must be, from its scores."""
    return packed(Score.objects.counted(rnd, approved_only=False))


def round_rebuild(rnd: Round) -> int:
    """Replace the round's rows by a recomputation (after a bulk write of scores); returns how many."""
    rows = recomputed(rnd)
    PackedScores.objects.filter(round=rnd).delete()
    PackedScores.objects.bulk_create([PackedScores(round_id=rnd.pk, unit_id=unit_id, indicator_ids=ids, values=values,
                                                   unapproved=unapproved)
                                      for unit_id, (ids, values, unapproved) in rows.items()], batch_size=1000)
    return len(rows)


def unit_refresh(rnd: Round, unit_id: int) -> None:
    """One unit's row after its current scores changed (the caller's transaction)."""
    row = packed(Score.objects.counted(rnd, approved_only=False).filter(unit_id=unit_id)).get(unit_id)
    if row is None:
        PackedScores.objects.filter(round=rnd, unit_id=unit_id).delete()
        return
    ids, values, unapproved = row
    # an UPDATE, and an INSERT only for a unit's first score (the caller holds the round's lock: no concurrent insert)
    if not PackedScores.objects.filter(round=rnd, unit_id=unit_id).update(indicator_ids=ids, values=values,
                                                                          unapproved=unapproved):
        PackedScores.objects.create(round=rnd, unit_id=unit_id, indicator_ids=ids, values=values, unapproved=unapproved)


def approvals_recount(rnd: Round, unit_ids: Iterable[int] | None = None) -> None:
    """After scores of `unit_ids` (None: any unit) were approved: their rows' counts of scores not approved. Approving
    changes no value, and only lowers a count, so rows already at zero are left alone."""
    rows = PackedScores.objects.filter(round=rnd, unapproved__gt=0)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=list(unit_ids))
    pending = (Score.objects.counted(rnd, approved_only=False).filter(unit_id=OuterRef("unit_id"))
               .exclude(status=ScoreStatus.APPROVED).order_by().values("unit_id").annotate(n=Count("pk")).values("n"))
    rows.update(unapproved=Coalesce(Subquery(pending), 0))


def counted_rows(rnd: Round, *, approved_only: bool) -> Iterable[tuple[int, str, str]]:
    """(unit id, indicator ids, values) of every unit with scores that count (`Score.objects.counted`): the
    maintained rows; with `approved_only`, a unit with scores not yet approved is packed from its approved ones."""
    rows = PackedScores.objects.filter(round=rnd)
    if not approved_only:
        return rows.values_list("unit_id", "indicator_ids", "values")
    out = list(rows.filter(unapproved=0).values_list("unit_id", "indicator_ids", "values"))
    pending = Score.objects.counted(rnd, approved_only=True).filter(
        unit_id__in=rows.filter(unapproved__gt=0).values("unit_id"))
    out += [(unit_id, ids, values) for unit_id, (ids, values, _n) in packed(pending).items()]
    return out


def round_check(rnd: Round) -> list[str]:
    """The differences between the maintained rows and a recomputation, in words (empty: they agree)."""
    want = recomputed(rnd)
    have = {unit_id: (ids, values, unapproved) for unit_id, ids, values, unapproved
            in PackedScores.objects.filter(round=rnd).values_list("unit_id", "indicator_ids", "values", "unapproved")}
    return [f"round {rnd.pk} unit {unit_id}: maintained {have.get(unit_id)}, recomputed {want.get(unit_id)}"
            for unit_id in sorted(want.keys() | have.keys()) if have.get(unit_id) != want.get(unit_id)]
