"""The projects demo on its own: 60 projects with history, flags for two quarters, problems through the ledger,
public progress and two challenges; consistent figures; nothing dated after it ran; a second run adds nothing."""
from luoshi.core import clock
from luoshi.core.models import JournalEntry
from luoshi.core.presets import preset_load
from luoshi.projects import figures
from luoshi.projects.demo import projects_demo
from luoshi.projects.models import Challenge, ChallengeState, Project, ProjectIssue, ProjectRating


def test_projects_demo(db, travel):
    with travel("2026-07-15T10:00:00+08:00"):
        preset_load(by=None, name="qingdao")
        result = projects_demo(hashed_password="!")
        now = clock.now()
        again = projects_demo(hashed_password="!")
    program = result["program"]
    assert result["projects"] == 60 and again["created"] is False and Project.objects.count() == 60
    lights = set(Project.objects.values_list("light", flat=True))
    assert {"red", "yellow", "green"} <= lights
    assert set(ProjectRating.objects.values_list("quarter", flat=True)) == {"2026Q1", "2026Q2"}
    assert set(ProjectRating.objects.values_list("flag", flat=True)) == {"red", "yellow", "green"}
    assert ProjectIssue.objects.filter(finding__isnull=False).count() == 3
    assert Project.objects.filter(is_public=True).count() == 15
    decided = Challenge.objects.get(state=ChallengeState.SELECTED)
    assert decided.winner.task_ids and Challenge.objects.filter(state=ChallengeState.OPEN).count() == 1
    assert figures.program_check(program.pk) == []
    # names are unique per district (no three 胶州集成电路封测项目 with different codes) and varied
    names = list(Project.objects.values_list("district_id", "name"))
    assert len(set(names)) == len(names)
    assert len({name for _d, name in names}) == 60
    assert not JournalEntry.objects.filter(at__gt=now).exists()
