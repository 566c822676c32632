"""Results are stored with core.bulk (one DELETE, one INSERT / COPY): what is read back equals what the ORM's
bulk_create stores for the same results, and only the round's own rows are replaced."""
from __future__ import annotations

from decimal import Decimal

import pytest

from luoshi.assessment import services
from luoshi.assessment.models import Result
from luoshi.core.bulk import delete_where

pytestmark = pytest.mark.django_db

FIELDS = [f.attname for f in Result._meta.concrete_fields if f.attname != "id"]


def _stored(rnd):
    return sorted(Result.objects.filter(round=rnd).values_list(*FIELDS))


def test_stored_results_read_back_as_the_orm_stores_them(assess, cast, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        assess.score_all(rnd, {"street_a": {"A1": "12.5"}, "street_b": {"A3": "1"}, "dept": {"A2": "不达标"}})
        other = assess.round(name="另一期")
        assess.score_all(other, {"street_a": {}, "street_b": {}, "dept": {}})
        services.round_compute(by=cast["office"], round=other)
        kept = _stored(other)
        results = services.results_compute(rnd)
        results[0].figures = {"note": "“引号”与\\反斜杠", "n": [1, 2]}
        services._store_results(rnd, results, approved_only=False)
        fast = _stored(rnd)
        Result.objects.filter(round=rnd).delete()
        Result.objects.bulk_create([
            Result(round=rnd, unit_id=r.unit_id, group=r.group, earned=r.earned, available=r.available, bonus=r.bonus,
                   deduction=r.deduction, total_raw=r.total_raw.quantize(Decimal("1e-10")), total=r.total,
                   rate=r.rate, rank=r.rank, group_size=r.group_size, grade=r.grade, stars=r.stars, vetoed=r.vetoed,
                   excluded=r.excluded, is_top=r.top, is_bottom=r.bottom, movement=r.movement,
                   subtotals=[str(s) for s in r.subtotals], figures=r.figures, peer_points={}) for r in results])
        assert fast == _stored(rnd) and len(fast) == len(results) > 1
        assert Result.objects.get(round=rnd, unit_id=results[0].unit_id).figures == {"note": "“引号”与\\反斜杠", "n": [1, 2]}
        # computing again replaces the round's rows only
        services._store_results(rnd, results, approved_only=False)
        assert Result.objects.filter(round=rnd).count() == len(results) and _stored(other) == kept
        assert delete_where(Result, round_id=rnd.pk) == len(results)
        assert not Result.objects.filter(round=rnd).exists() and _stored(other) == kept
