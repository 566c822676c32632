"""Nothing public by accident: a round with a ranked unit left unscored on a required leaf (missing policy "zero",
which would silently score it 0 and rank it) is not published; the refusal names the units and how many leaves
each misses; an explicit override needs a reason and is journaled. Leaves the scheme marks missing: exclude /
full / exclude_unit are not required."""
from __future__ import annotations

import pytest

from luoshi.assessment import services
from luoshi.assessment.models import Publication, RoundState
from luoshi.core.errors import ServiceError
from luoshi.core.models import JournalEntry


def test_incomplete_round_is_refused_then_published_only_with_a_reason(assess, cast, city, travel):
    office = cast["office"]
    with travel("2026-02-02"):
        rnd = assess.round()
        assess.score_all(rnd, {"street_a": {}, "street_b": {}, "dept": {}})
        rnd = services.round_advance(by=office, round=rnd, to="review")
        services.scores_approve(by=office, round=rnd)
        assert services.round_missing(rnd) == [("区委办公室", 5)]
        with pytest.raises(ServiceError, match="区委办公室 5 项没有评分（共缺 5 项）") as refused:
            services.round_publish(by=office, round=rnd, note="请核对")
        assert refused.value.field == "allow_incomplete"
        with pytest.raises(ServiceError, match="写明理由"):
            services.round_publish(by=office, round=rnd, allow_incomplete=True)
        rnd.refresh_from_db()
        assert rnd.state == RoundState.REVIEW and not Publication.objects.filter(round=rnd).exists()
        services.round_publish(by=office, round=rnd, note="区委办公室本月不参评，按缺项公布", allow_incomplete=True)
    entry = JournalEntry.objects.filter(verb="assessment.round.publish").latest("pk")
    assert entry.changes["incomplete"] == {"units": 1, "cells": 5} and "按缺项公布" in entry.reason


def test_a_complete_round_or_an_excluded_unit_needs_no_override(assess, cast, city, travel):
    office = cast["office"]
    with travel("2026-02-02"):
        rnd = assess.round()
        assess.score_all(rnd, {"street_a": {}, "street_b": {}, "dept": {}})
        services.participant_exclude(by=office, round=rnd, unit=city["office_unit"], reason="牵头单位不参评")
        rnd = services.round_advance(by=office, round=rnd, to="review")
        services.scores_approve(by=office, round=rnd)
        assert services.round_missing(rnd) == []
        services.round_publish(by=office, round=rnd)
    entry = JournalEntry.objects.filter(verb="assessment.round.publish").latest("pk")
    assert "incomplete" not in entry.changes
