"""Load the demo: the tasks demo first (units, role accounts, the 崂山 program), then each app's demo, then
the daily warnings so the lights show. Can run again: each app's demo skips what exists."""
from __future__ import annotations

from django.contrib.auth.hashers import make_password

from luoshi.assessment.demo import ASSESSMENT_ACCOUNTS, assessment_demo
from luoshi.core import clock
from luoshi.ideas.demo import IDEAS_ACCOUNTS, ideas_demo
from luoshi.intake.demo import INTAKE_ACCOUNTS, intake_demo
from luoshi.ledger.demo import LEDGER_ACCOUNTS, ledger_demo_load
from luoshi.org.demo import DEMO_PASSWORD, Account
from luoshi.policies.demo import POLICY_ACCOUNTS, policies_demo
from luoshi.portal.demo import portal_demo
from luoshi.tasks.demo import ACCOUNTS, tasks_demo
from luoshi.tasks.warnings import warnings_run

__all__ = ["DEMO_PASSWORD", "demo_accounts", "demo_load"]


def demo_accounts() -> list[Account]:
    """Every demo account, in the order the demo command lists them."""
    return ACCOUNTS + LEDGER_ACCOUNTS + ASSESSMENT_ACCOUNTS + INTAKE_ACCOUNTS + IDEAS_ACCOUNTS + POLICY_ACCOUNTS


def demo_load(*, year: int | None = None, seed: int = 7) -> dict:
    today = clock.today()
    year = year or today.year
    hashed = make_password(DEMO_PASSWORD)  # hash once: the hasher is deliberately slow
    program = tasks_demo(year=year, hashed_password=hashed, seed=seed)
    ledger = ledger_demo_load(year=year, hashed_password=hashed)
    assessment = assessment_demo(hashed_password=hashed)
    intake = intake_demo(hashed_password=hashed)
    ideas = ideas_demo(today=today, hashed_password=hashed)
    portal = portal_demo(today=today)
    policies = policies_demo(today=today, hashed_password=hashed)
    summary = warnings_run(today=today, notify=True)
    return {"program": program, "summary": summary, "ledger": ledger, "assessment": assessment, "intake": intake,
            "ideas": ideas, "portal": portal, "policies": policies}
