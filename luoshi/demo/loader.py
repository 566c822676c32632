"""Load the demo: the tasks demo first (units, role accounts, the 崂山 program), then each app's demo, then
the daily warnings so the lights show. Can run again: each app's demo skips what exists."""
from __future__ import annotations

from django.contrib.auth.hashers import make_password

from luoshi.assessment.demo import ASSESSMENT_ACCOUNTS, assessment_demo
from luoshi.cockpit.demo import cockpit_demo
from luoshi.cases.demo import CASES_ACCOUNTS, cases_demo
from luoshi.core import clock
from luoshi.documents.demo import bulletins_demo
from luoshi.ideas.demo import IDEAS_ACCOUNTS, ideas_demo
from luoshi.demo.instructions import INSTRUCTIONS_ACCOUNTS, instructions_demo
from luoshi.intake.demo import INTAKE_ACCOUNTS, intake_demo
from luoshi.ledger.demo import LEDGER_ACCOUNTS, ledger_demo_load
from luoshi.org.demo import DEMO_PASSWORD, Account
from luoshi.policies.demo import POLICY_ACCOUNTS, policies_demo
from luoshi.portal.demo import portal_demo
from luoshi.projects.demo import PROJECTS_ACCOUNTS, projects_demo
from luoshi.procedures.demo import PROCEDURES_ACCOUNTS, procedures_demo
from luoshi.tasks.demo import ACCOUNTS, tasks_demo
from luoshi.tasks.warnings import warnings_run

__all__ = ["DEMO_PASSWORD", "demo_accounts", "demo_load"]


def demo_accounts() -> list[Account]:
    """Every demo account, in the order the demo command lists them."""
    return ACCOUNTS + LEDGER_ACCOUNTS + ASSESSMENT_ACCOUNTS + INTAKE_ACCOUNTS + IDEAS_ACCOUNTS + PROJECTS_ACCOUNTS + INSTRUCTIONS_ACCOUNTS + CASES_ACCOUNTS + PROCEDURES_ACCOUNTS + POLICY_ACCOUNTS


def demo_load(*, year: int | None = None, seed: int = 7) -> dict:
    today = clock.today()
    year = year or today.year
    hashed = make_password(DEMO_PASSWORD)  # hash once: the hasher is deliberately slow
    program = tasks_demo(year=year, hashed_password=hashed, seed=seed)
    ledger = ledger_demo_load(year=year, hashed_password=hashed)
    assessment = assessment_demo(hashed_password=hashed)
    intake = intake_demo(hashed_password=hashed)
    ideas = ideas_demo(today=today, hashed_password=hashed)
    projects = projects_demo(today=today, hashed_password=hashed)
    portal = portal_demo(today=today)
    _progress_awaiting_review(program)
    procedures = procedures_demo(today=today, hashed_password=hashed)
    policies = policies_demo(today=today, hashed_password=hashed)
    summary = warnings_run(today=today, notify=True)
    cases = cases_demo(today=today, hashed_password=hashed)
    bulletins = bulletins_demo(today=today, program=program, ledger=ledger["program"])
    instructions = instructions_demo(hashed_password=hashed)
    cockpit = cockpit_demo()
    return {"instructions": instructions, "cockpit": cockpit, "program": program, "summary": summary, "ledger": ledger, "assessment": assessment, "intake": intake,
            "ideas": ideas, "projects": projects, "portal": portal,
            "cases": cases, "bulletins": bulletins, "procedures": procedures, "policies": policies}


def _progress_awaiting_review(program) -> None:
    """阳光公开: one progress report the liaison just sent on a published program, waiting in the office's 待办
    (待审核公开的进展) — the review step a new user should see. Skipped when one is already waiting."""
    from luoshi.org.models import Person
    from luoshi.tasks import services
    from luoshi.tasks.models import AssignmentRole, ProgressReport, Task, TaskAssignment

    program.refresh_from_db()
    if not (program.is_public and program.public_review) or ProgressReport.objects.filter(
            task__program=program, is_lead=True, public_at=None, withheld_at=None).exists():
        return
    liaison = Person.objects.filter(username="liaison").first()
    if liaison is None:
        return
    assignment = (TaskAssignment.objects.filter(task__program=program, role=AssignmentRole.LEAD, unit=liaison.unit,
                                                acknowledged_at__isnull=False, task__closed_at=None,
                                                task__is_archived=False).order_by("task__sort_order").first())
    if assignment is None:
        return
    task = Task.objects.get(pk=assignment.task_id)
    services.task_report_progress(by=liaison, task=task, percent=max(task.progress, 60),
                                  text="本月走访重点企业32家，收集诉求15条，已现场解决9条，其余6条转相关部门办理；"
                                       "“一企一策”服务清单已更新。")
