"""The task lifecycle through luoshi.tasks.services, with the one clock moved by `travel`:
签收 → 报送进展 → 申请办结 → 督查室确认; 延期申请 and its decision; the journal of every write."""
from __future__ import annotations

import datetime as dt

import pytest

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.models import Attachment, JournalEntry
from luoshi.tasks import services
from luoshi.tasks.models import ClosureRequest, ExtensionRequest, ProgressReport, RequestState, Task

D = dt.date
def _real_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


PNG = _real_png()


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")


def journal(task, verb=None):
    qs = JournalEntry.objects.filter(object_type="tasks.task", object_id=str(task.pk))
    if verb:
        qs = qs.filter(verb=verb)
    return list(qs.order_by("at", "id"))


def last_entry(task):
    return journal(task)[-1]


def fresh(task) -> Task:
    return Task.objects.get(pk=task.pk)


# ---- 签收 and 报送 ---------------------------------------------------------------------------------------

def test_full_lifecycle(program, cast, travel):
    task, liaison, office = program["task_a"], cast["liaison_a"], cast["office"]
    assert fresh(task).status == "normal"

    with travel("2026-01-08"):
        with pytest.raises(ServiceError, match="请先签收"):
            services.task_report_progress(by=liaison, task=task, text="先报送", percent=10)
        assert not ProgressReport.objects.filter(task=task).exists()

        a = services.task_acknowledge(by=liaison, task=task)
        assert a.unit_id == task.assignments.get(role="lead").unit_id
        assert a.acknowledged_by == liaison and a.acknowledged_at is not None
        assert fresh(task).acknowledged_at == a.acknowledged_at
        entry = last_entry(task)
        assert (entry.verb, entry.actor_id) == ("task.acknowledge", liaison.pk)
        assert entry.changes == {"unit": a.unit_id}

        with pytest.raises(ServiceError, match="已于2026-01-08 09:00签收"):
            services.task_acknowledge(by=liaison, task=task)
        assert len(journal(task, "task.acknowledge")) == 1

    with travel("2026-02-20"):
        report = services.task_report_progress(by=liaison, task=task, text="  完成摸底，制定方案  ", percent=30,
                                               files=[("现场照片.png", PNG)])
    assert report.text == "完成摸底，制定方案"
    assert (report.percent, report.is_lead, report.author, report.unit_id) == (30, True, liaison, a.unit_id)
    assert report.period is not None and report.period.seq == 2  # slot 1-26..2-25
    assert [att.original_name for att in report.attachments.all()] == ["现场照片.png"]
    t = fresh(task)
    assert t.progress == 30 and t.last_report_at == report.submitted_at
    entry = last_entry(task)
    assert (entry.verb, entry.actor_id) == ("task.report", liaison.pk)
    assert entry.changes == {"report": report.pk, "unit": a.unit_id, "percent": 30, "files": ["现场照片.png"]}

    with travel("2026-06-20"):
        services.task_report_progress(by=liaison, task=task, text="主体完工", percent=95)
        req = services.task_request_closure(by=liaison, task=task, summary="已全部完成", files=[("验收.png", PNG)])
        assert req.state == RequestState.PENDING and req.unit_id == a.unit_id
        assert [x.original_name for x in req.attachments.all()] == ["验收.png"]
        entry = last_entry(task)
        assert (entry.verb, entry.actor_id, entry.reason) == ("task.closure_request", liaison.pk, "已全部完成")
        assert fresh(task).status != "closed"

    with travel("2026-07-03"):  # decided after the deadline; requested before it
        services.task_decide_closure(by=office, request=req, accept=True)
    t = fresh(task)
    assert t.status == "closed" and t.closed_on_time is True and t.progress == 100 and t.closed_at is not None
    req.refresh_from_db()
    assert (req.state, req.decided_by) == (RequestState.APPROVED, office)
    entry = journal(task, "task.closure_decide")[-1]
    assert entry.actor_id == office.pk
    assert entry.changes["decision"] == "approved" and entry.changes["closed_on_time"] is True
    status_entries = journal(task, "task.status")
    assert status_entries[-1].changes == {"status": [status_entries[-1].changes["status"][0], "closed"]}

    # a closed task takes no more reports, closures or extensions
    with travel("2026-07-04"):
        with pytest.raises(ServiceError, match="已办结"):
            services.task_report_progress(by=liaison, task=t, text="补充", percent=100)
        with pytest.raises(ServiceError, match="已办结"):
            services.task_request_closure(by=liaison, task=t, summary="再次")
        with pytest.raises(ServiceError, match="已办结"):
            services.task_request_extension(by=liaison, task=t, new_deadline=D(2026, 9, 30), reason="x")
        with pytest.raises(ServiceError, match="已处理"):
            services.task_decide_closure(by=office, request=req, accept=True)


@pytest.mark.parametrize("percent", [None, -1, 101, 1000])
def test_lead_report_needs_a_percent_between_0_and_100(program, cast, travel, percent):
    task = program["task_a"]
    with travel("2026-01-10"):
        services.task_acknowledge(by=cast["liaison_a"], task=task)
        before = len(journal(task))
        with pytest.raises(ServiceError) as exc:
            services.task_report_progress(by=cast["liaison_a"], task=task, text="进展", percent=percent)
    assert exc.value.field == "percent" and "进度" in exc.value.message
    assert not ProgressReport.objects.filter(task=task).exists()
    assert len(journal(task)) == before
    assert fresh(task).progress == 0


@pytest.mark.parametrize("percent", [0, 100])
def test_lead_report_accepts_the_bounds(program, cast, travel, percent):
    task = program["task_a"]
    with travel("2026-01-10"):
        services.task_acknowledge(by=cast["liaison_a"], task=task)
        services.task_report_progress(by=cast["liaison_a"], task=task, text="进展", percent=percent)
    assert fresh(task).progress == percent


@pytest.mark.parametrize("text", ["", "   ", None])
def test_report_needs_text(program, cast, travel, text):
    task = program["task_a"]
    with travel("2026-01-10"):
        services.task_acknowledge(by=cast["liaison_a"], task=task)
        with pytest.raises(ServiceError) as exc:
            services.task_report_progress(by=cast["liaison_a"], task=task, text=text, percent=10)
    assert exc.value.field == "text"
    assert not ProgressReport.objects.filter(task=task).exists()


@pytest.mark.parametrize("files,problem", [
    ([("病毒.exe", b"MZ\x90\x00")], "类型不允许"),
    ([("空白.pdf", b"")], "是空的"),
    ([("假图.png", b"GIF89a....")], "不符"),
    ([("好图.png", PNG), ("坏图.png", b"not a png")], "坏图.png"),
])
def test_report_files_are_validated_and_nothing_is_written(program, cast, travel, files, problem):
    task = program["task_a"]
    with travel("2026-01-10"):
        services.task_acknowledge(by=cast["liaison_a"], task=task)
        before = len(journal(task))
        with pytest.raises(ServiceError, match=problem) as exc:
            services.task_report_progress(by=cast["liaison_a"], task=task, text="附材料", percent=10, files=files)
    assert exc.value.field == "files"
    assert not ProgressReport.objects.filter(task=task).exists()
    assert Attachment.objects.count() == 0
    assert len(journal(task)) == before
    assert fresh(task).progress == 0


def test_coop_unit_report_does_not_move_progress(program, cast, city, travel):
    task, liaison = program["task_dept"], cast["liaison_a"]  # street A is a 配合 unit of task_dept
    with travel("2026-01-10"):
        services.task_acknowledge(by=cast["liaison_dept"], task=task)
        services.task_report_progress(by=cast["liaison_dept"], task=task, text="牵头推进", percent=40)
        a = services.task_acknowledge(by=liaison, task=task)
        assert (a.unit_id, a.role) == (city["street_a"].pk, "coop")
        report = services.task_report_progress(by=liaison, task=task, text="配合完成入户走访", percent=90)
    assert (report.is_lead, report.percent, report.unit_id) == (False, None, city["street_a"].pk)
    t = fresh(task)
    assert t.progress == 40
    entry = last_entry(task)
    assert (entry.verb, entry.actor_id, entry.changes["percent"]) == ("task.report", liaison.pk, 90)
    # a coop unit needs no percent at all
    with travel("2026-01-11"):
        services.task_report_progress(by=liaison, task=task, text="再次配合")
    assert fresh(task).progress == 40


def test_coop_acknowledgement_is_not_the_lead_acknowledgement(program, cast, city, travel):
    task = program["task_dept"]
    with travel("2026-01-10"):
        services.task_acknowledge(by=cast["liaison_a"], task=task)
        with pytest.raises(PermissionDeniedError):
            services.task_acknowledge(by=cast["liaison_a"], task=task, unit=city["dept"])
        with pytest.raises(PermissionDeniedError, match="牵头单位"):
            services.task_request_closure(by=cast["liaison_a"], task=task, summary="代牵头申请")
    t = fresh(task)
    assert t.acknowledged_at is None
    assert t.assignments.get(unit=city["dept"]).acknowledged_at is None


@pytest.mark.parametrize("who", ["liaison_b", "leader", "office", "evaluator", "outsider"])
def test_only_the_units_liaison_acts(program, cast, travel, who):
    task = program["task_a"]
    with travel("2026-01-10"):
        with pytest.raises(PermissionDeniedError):
            services.task_acknowledge(by=cast[who], task=task)
    assert fresh(task).acknowledged_at is None
    assert not journal(task, "task.acknowledge")


# ---- 办结 -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("requested,decided,on_time", [
    ("2026-06-30", "2026-07-02", True),   # the deadline day itself counts
    ("2026-07-01", "2026-07-01", False),
    ("2026-03-01", "2026-03-02", True),
])
def test_closed_on_time_follows_the_request_date(program, cast, travel, requested, decided, on_time):
    task = program["task_a"]
    with travel("2026-01-10"):
        services.task_acknowledge(by=cast["liaison_a"], task=task)
    with travel(requested):
        req = services.task_request_closure(by=cast["liaison_a"], task=task, summary="完成")
    with travel(decided):
        services.task_decide_closure(by=cast["office"], request=req, accept=True)
    t = fresh(task)
    assert (t.status, t.closed_on_time) == ("closed", on_time)


def test_closure_of_an_open_task_has_no_on_time(program, cast, travel):
    task = program["task_dept"]  # 长期坚持
    with travel("2026-03-01"):
        services.task_acknowledge(by=cast["liaison_dept"], task=task)
        req = services.task_request_closure(by=cast["liaison_dept"], task=task, summary="机制已建立")
        services.task_decide_closure(by=cast["office"], request=req, accept=True)
    t = fresh(task)
    assert t.status == "closed" and t.closed_on_time is None


def test_closure_request_rules(program, cast, travel):
    task, liaison = program["task_a"], cast["liaison_a"]
    with travel("2026-03-01"):
        with pytest.raises(ServiceError, match="请先签收"):
            services.task_request_closure(by=liaison, task=task, summary="完成")
        services.task_acknowledge(by=liaison, task=task)
        with pytest.raises(ServiceError) as exc:
            services.task_request_closure(by=liaison, task=task, summary="  ")
        assert exc.value.field == "summary"
        with pytest.raises(ServiceError, match="类型不允许"):
            services.task_request_closure(by=liaison, task=task, summary="完成", files=[("a.bat", b"echo")])
        assert not ClosureRequest.objects.filter(task=task).exists()
        services.task_request_closure(by=liaison, task=task, summary="完成")
        with pytest.raises(ServiceError, match="审核中"):
            services.task_request_closure(by=liaison, task=task, summary="再申请")
    assert ClosureRequest.objects.filter(task=task).count() == 1
    assert len(journal(task, "task.closure_request")) == 1


def test_refused_closure_needs_a_note_and_keeps_the_task_open(program, cast, travel):
    task, liaison, office = program["task_a"], cast["liaison_a"], cast["office"]
    with travel("2026-03-01"):
        services.task_acknowledge(by=liaison, task=task)
        req = services.task_request_closure(by=liaison, task=task, summary="完成")
    with travel("2026-03-02"):
        with pytest.raises(ServiceError) as exc:
            services.task_decide_closure(by=office, request=req, accept=False, note="  ")
        assert exc.value.field == "note"
        req.refresh_from_db()
        assert req.state == RequestState.PENDING
        with pytest.raises(PermissionDeniedError):
            services.task_decide_closure(by=liaison, request=req, accept=True)
        with pytest.raises(PermissionDeniedError):
            services.task_decide_closure(by=cast["leader"], request=req, accept=True)
        req.refresh_from_db()
        assert req.state == RequestState.PENDING

        services.task_decide_closure(by=office, request=req, accept=False, note="缺少验收材料")
    req.refresh_from_db()
    assert (req.state, req.decision_note, req.decided_by) == (RequestState.REFUSED, "缺少验收材料", office)
    t = fresh(task)
    assert t.status != "closed" and t.closed_at is None and t.closed_on_time is None
    entry = journal(task, "task.closure_decide")[-1]
    assert (entry.actor_id, entry.reason) == (office.pk, "缺少验收材料")
    assert entry.changes == {"decision": "refused"}
    # the unit may ask again
    with travel("2026-03-05"):
        services.task_request_closure(by=liaison, task=task, summary="补充了验收材料")
    assert ClosureRequest.objects.filter(task=task, state=RequestState.PENDING).count() == 1


# ---- 延期 -----------------------------------------------------------------------------------------------

def test_extension_after_the_deadline_is_refused(program, cast, travel):
    task = program["task_a"]
    with travel("2026-07-01"):
        with pytest.raises(ServiceError, match="逾期") as exc:
            services.task_request_extension(by=cast["liaison_a"], task=task, new_deadline=D(2026, 9, 30), reason="工期紧")
    assert "2026年6月30日" in exc.value.message
    assert not ExtensionRequest.objects.exists()
    assert not journal(task, "task.extension_request")


def test_extension_on_the_deadline_day_is_allowed(program, cast, travel):
    with travel("2026-06-30"):
        req = services.task_request_extension(by=cast["liaison_a"], task=program["task_a"],
                                              new_deadline=D(2026, 8, 31), reason="材料涨价")
    assert (req.old_deadline, req.new_deadline, req.state) == (D(2026, 6, 30), D(2026, 8, 31), "pending")


@pytest.mark.parametrize("new_deadline", [D(2026, 6, 30), D(2026, 6, 1)])
def test_extension_must_move_the_deadline_later(program, cast, travel, new_deadline):
    with travel("2026-03-01"):
        with pytest.raises(ServiceError) as exc:
            services.task_request_extension(by=cast["liaison_a"], task=program["task_a"], new_deadline=new_deadline,
                                            reason="理由")
    assert exc.value.field == "new_deadline"
    assert not ExtensionRequest.objects.exists()


def test_extension_request_rules(program, cast, travel):
    task, liaison = program["task_a"], cast["liaison_a"]
    with travel("2026-03-01"):
        with pytest.raises(ServiceError) as exc:
            services.task_request_extension(by=liaison, task=task, new_deadline=D(2026, 9, 30), reason=" ")
        assert exc.value.field == "reason"
        req = services.task_request_extension(by=liaison, task=task, new_deadline=D(2026, 9, 30), reason="征迁未完成")
        entry = last_entry(task)
        assert (entry.verb, entry.actor_id, entry.reason) == ("task.extension_request", liaison.pk, "征迁未完成")
        assert entry.changes == {"new_deadline": "2026-09-30", "old_deadline": "2026-06-30"}
        with pytest.raises(ServiceError, match="审核中"):
            services.task_request_extension(by=liaison, task=task, new_deadline=D(2026, 10, 31), reason="再次")
        # a coop unit may not ask; nor may anyone for a task without a date
        with pytest.raises(PermissionDeniedError, match="牵头单位"):
            services.task_request_extension(by=liaison, task=program["task_dept"], new_deadline=D(2026, 9, 30),
                                            reason="配合单位申请")
        with pytest.raises(ServiceError, match="没有确定的完成时限"):
            services.task_request_extension(by=cast["liaison_dept"], task=program["task_dept"],
                                            new_deadline=D(2026, 9, 30), reason="长期任务")
    assert list(ExtensionRequest.objects.values_list("pk", flat=True)) == [req.pk]


def test_approved_extension_moves_the_deadline(program, cast, travel):
    task, liaison, office = program["task_a"], cast["liaison_a"], cast["office"]
    with travel("2026-01-10"):
        services.task_acknowledge(by=liaison, task=task)
    with travel("2026-02-20"):
        services.task_report_progress(by=liaison, task=task, text="过半", percent=50)
    with travel("2026-03-01"):
        req = services.task_request_extension(by=liaison, task=task, new_deadline=D(2026, 9, 30), reason="征迁未完成")
    with travel("2026-03-02"):
        with pytest.raises(PermissionDeniedError):
            services.task_decide_extension(by=liaison, request=req, approve=True)
        services.task_decide_extension(by=office, request=req, approve=True)
    req.refresh_from_db()
    assert (req.state, req.decided_by) == (RequestState.APPROVED, office)
    t = fresh(task)
    assert (t.deadline, t.extended_deadline, t.effective_deadline) == (D(2026, 6, 30), D(2026, 9, 30), D(2026, 9, 30))
    assert (t.status, t.status_reason) == ("extended", "已延期至2026-09-30")
    entry = journal(task, "task.extension_decide")[-1]
    assert entry.actor_id == office.pk
    assert entry.changes == {"decision": "approved", "extended_deadline": [None, "2026-09-30"]}
    assert journal(task, "task.status")[-1].changes["status"][1] == "extended"
    with travel("2026-03-03"):
        with pytest.raises(ServiceError, match="已处理"):
            services.task_decide_extension(by=office, request=req, approve=False, note="撤回")
        # the next request is measured against the extended deadline
        with pytest.raises(ServiceError) as exc:
            services.task_request_extension(by=liaison, task=t, new_deadline=D(2026, 8, 31), reason="再延")
        assert exc.value.field == "new_deadline"
    # after the original deadline, the extended one is what counts
    with travel("2026-07-15"):
        services.task_report_progress(by=liaison, task=t, text="继续推进", percent=80)
    t = fresh(task)
    assert t.status == "extended"
    with travel("2026-09-20"):
        req2 = services.task_request_closure(by=liaison, task=t, summary="完成")
        services.task_decide_closure(by=office, request=req2, accept=True)
    assert fresh(task).closed_on_time is True


def test_approved_extension_while_due_soon_stays_yellow(program, cast, travel):
    task, liaison = program["task_a"], cast["liaison_a"]
    with travel("2026-06-28"):
        services.task_acknowledge(by=liaison, task=task)
        services.task_report_progress(by=liaison, task=task, text="推进中", percent=95)
        req = services.task_request_extension(by=liaison, task=task, new_deadline=D(2026, 7, 3), reason="收尾")
        services.task_decide_extension(by=cast["office"], request=req, approve=True)
    t = fresh(task)
    assert t.extended_deadline == D(2026, 7, 3)
    assert t.status_reason == "距完成时限还有5天"
    assert t.status == "yellow"  # 黄灯 outranks 已延期


def test_refused_extension_needs_a_note_and_keeps_the_deadline(program, cast, travel):
    task, office = program["task_a"], cast["office"]
    with travel("2026-02-20"):
        services.task_acknowledge(by=cast["liaison_a"], task=task)
        services.task_report_progress(by=cast["liaison_a"], task=task, text="过半", percent=50)
    with travel("2026-03-01"):
        req = services.task_request_extension(by=cast["liaison_a"], task=task, new_deadline=D(2026, 9, 30), reason="缓")
        with pytest.raises(ServiceError) as exc:
            services.task_decide_extension(by=office, request=req, approve=False, note="")
        assert exc.value.field == "note"
        req.refresh_from_db()
        assert req.state == RequestState.PENDING
        services.task_decide_extension(by=office, request=req, approve=False, note="不符合延期条件")
    req.refresh_from_db()
    assert (req.state, req.decision_note) == (RequestState.REFUSED, "不符合延期条件")
    t = fresh(task)
    assert (t.deadline, t.extended_deadline) == (D(2026, 6, 30), None)
    assert t.status == "normal"
    entry = journal(task, "task.extension_decide")[-1]
    assert (entry.actor_id, entry.changes, entry.reason) == (office.pk, {"decision": "refused"}, "不符合延期条件")
    # a refused request is no longer pending: the unit may ask again
    with travel("2026-03-02"):
        services.task_request_extension(by=cast["liaison_a"], task=t, new_deadline=D(2026, 8, 31), reason="再申请")


# ---- editing a task ------------------------------------------------------------------------------------

def _input_from(task, **changes) -> services.TaskInput:
    data = dict(title=task.title, lead_units=[a.unit for a in task.assignments.filter(role="lead")],
                coop_units=[a.unit for a in task.assignments.filter(role="coop")], leaders=list(task.leaders.all()),
                deadline_phrase=task.deadline_phrase, lead_units_text=task.lead_units_text,
                coop_units_text=task.coop_units_text, leaders_text=task.leaders_text)
    data.update(changes)
    return services.TaskInput(**data)


def test_task_update_journals_a_diff(program, cast, city, travel):
    task, office = program["task_a"], cast["office"]
    with travel("2026-02-01"):
        services.task_update(by=office, task=task,
                             data=_input_from(task, title="中韩街道老旧小区改造（含加装电梯）", deadline_phrase="9月底前",
                                              coop_units=[city["dept"]], coop_units_text="区审批局"),
                             reason="区委常委会调整")
    t = fresh(task)
    assert (t.title, t.deadline, t.coop_units_text) == ("中韩街道老旧小区改造（含加装电梯）", D(2026, 9, 30), "区审批局")
    entry = last_entry(task)
    assert (entry.verb, entry.actor_id, entry.reason) == ("task.update", office.pk, "区委常委会调整")
    assert entry.changes["title"] == ["中韩街道老旧小区改造", "中韩街道老旧小区改造（含加装电梯）"]
    assert entry.changes["deadline_phrase"] == ["6月底前", "9月底前"]
    assert entry.changes["deadline"] == ["2026-06-30", "2026-09-30"]
    assert entry.changes["coop_units_text"] == ["", "区审批局"]
    assert entry.changes["units_added"] == [city["dept"].pk]
    assert "measures" not in entry.changes and "code" not in entry.changes  # only what changed
    assert t.assignments.get(unit=city["dept"]).role == "coop"


def test_task_update_by_a_liaison_is_refused(program, cast):
    task = program["task_a"]
    before = len(journal(task))
    for who in ("liaison_a", "leader", "evaluator"):
        with pytest.raises(PermissionDeniedError):
            services.task_update(by=cast[who], task=task, data=_input_from(task, title="改掉"))
    assert fresh(task).title == "中韩街道老旧小区改造"
    assert len(journal(task)) == before


def test_more_files_than_the_page_takes_are_refused_not_dropped(program, cast, travel, client_for):
    """The report page read the first 10 files and silently left out the rest; now 11 are refused, nothing written."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    task = program["task_a"]
    with travel("2026-01-10"):
        services.task_acknowledge(by=cast["liaison_a"], task=task)
        before = len(journal(task))
        files = [SimpleUploadedFile(f"照片{i}.png", PNG, content_type="image/png") for i in range(11)]
        r = client_for(cast["liaison_a"]).post(reverse("task_report", args=[task.pk]),
                                               {"text": "附材料", "percent": "10", "files": files}, follow=True)
    assert "一次最多上传 10 个文件，您选择了 11 个" in r.content.decode()
    assert not ProgressReport.objects.filter(task=task).exists() and Attachment.objects.count() == 0
    assert len(journal(task)) == before
