"""The test set-up that keeps the suite independent of the machine's speed (conftest.py)."""
import os

from hypothesis import HealthCheck, settings


def test_hypothesis_runs_with_the_ci_profile():
    """No per-example deadline, no health check that measures time, the same examples on every run."""
    if os.environ.get("HYPOTHESIS_PROFILE", "ci") != "ci":
        return
    s = settings.default
    assert s.deadline is None and s.derandomize and s.database is None
    assert {HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much} <= set(s.suppress_health_check)


def test_rate_limit_windows_stand_still_in_tests():
    from django_ratelimit import core

    assert core.time.time() == core.time.time() == 1_800_000_000
