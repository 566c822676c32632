"""The intake demo writes its history through the real services: every request is in a consistent state."""
from django.contrib.auth.hashers import make_password

from luoshi.core.journal import journal_for
from luoshi.intake.demo import intake_demo
from luoshi.intake.models import Request, RequestState
from luoshi.org.models import Person
from luoshi.core.presets import preset_load


def test_demo_history_is_consistent(db):
    preset_load(by=None, name="qingdao")
    result = intake_demo(hashed_password=make_password("demo"), count=80)
    assert result["requests"] == 80 == Request.objects.count()
    states = set(Request.objects.values_list("state", flat=True))
    assert RequestState.CLOSED in states and states & {RequestState.HANDLING, RequestState.REPLIED}
    for r in Request.objects.select_related("lead_unit"):
        if r.state in (RequestState.DISPATCHED, RequestState.HANDLING, RequestState.REPLIED):
            assert r.lead_unit is not None and r.unit_path == r.lead_unit.path and r.due_at
        if r.state == RequestState.CLOSED:
            assert r.outcome and r.closed_at
        assert journal_for(r).filter(verb="request.submit").exists()
    assert Person.objects.get(username="dispatcher").grants.filter(role="dispatcher").exists()
    # running it again adds nothing
    assert intake_demo(hashed_password="x")["requests"] == 80
