"""The 工单 workflow through the services, with time travel across 春节, 中秋 and 国庆 2026: time limits in
working days, on-time flags, 退单 / 审定派单, 重办, 回访 rules, 延期, 催办 / 督办, 不予受理 / 重复, and the
personal-data retention. Every write leaves its journal entry and its timeline event."""
from __future__ import annotations

import datetime as dt

import pytest

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.models import JournalEntry, Notification
from luoshi.intake import services
from luoshi.intake.config import intake_settings
from luoshi.intake.models import (DecisionState, EventKind, ExtensionRequest, Outcome, Request, RequestEvent,
                                  RequestState, RevisitRule)

CST = dt.timezone(dt.timedelta(hours=8))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=CST) if "+" not in text else dt.datetime.fromisoformat(text)


def local_day_end(day: str) -> dt.datetime:
    """The end of a time limit whose last working day is the day before `day` (00:00 of `day`)."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), tzinfo=CST)


def verbs(r: Request) -> list[str]:
    return list(JournalEntry.objects.filter(object_type="intake.request", object_id=str(r.pk))
                .order_by("at", "id").values_list("verb", flat=True))


def kinds(r: Request) -> list[str]:
    return list(r.events.order_by("at", "id").values_list("kind", flat=True))


def fresh(r: Request) -> Request:
    return Request.objects.get(pk=r.pk)


# ---- the whole path across 春节 ------------------------------------------------------------------------------

def test_whole_path_on_time_across_chunjie(req, travel, cast, city, dispatcher):
    with travel("2026-02-13T09:00:00+08:00"):
        r = req.submit("中韩街道海尔路路灯不亮好几天了。晚上出行不安全")
        assert r.state == RequestState.RECEIVED and r.title == "中韩街道海尔路路灯不亮好几天了"
        assert r.dispatch_due == at("2026-02-14T09:00:00")  # 24 clock hours
    with travel("2026-02-13T10:00:00+08:00"):
        req.dispatch(r)
        assert r.state == RequestState.DISPATCHED and r.lead_unit == city["street_a"]
        assert r.sign_due == at("2026-02-14T10:00:00")
        # 5 working days after Fri 13 Feb: Sat 14 (调休), 24, 25, 26, 27 Feb → 24:00 of 27 Feb
        assert r.due_at == local_day_end("2026-02-28")
    with travel("2026-02-13T15:00:00+08:00"):
        req.sign(r)
        assert r.state == RequestState.HANDLING and r.signed_on_time is True
    with travel("2026-02-26T16:00:00+08:00"):
        services.request_note(by=cast["liaison_a"], request=r, text="已联系诉求人，安排维修。")
        req.reply(r)
        assert r.state == RequestState.REPLIED and r.replied_on_time is True and r.rating_token
        # 回访 within 3 working days: 27, 28 (调休), 2 Mar
        assert r.revisit_due == local_day_end("2026-03-03")
    with travel("2026-02-27T09:00:00+08:00"):
        req.rate(r, 5, comment="修好了，谢谢")
    r = fresh(r)
    assert r.state == RequestState.CLOSED and r.outcome == Outcome.SATISFIED and r.rating_source == "requester"
    assert r.rating_token == "" and r.closed_at == at("2026-02-27T09:00:00") and r.satisfaction == 5
    assert kinds(r) == ["received", "dispatched", "signed", "note", "replied", "rated", "closed"]
    assert list(r.events.filter(public=True).values_list("kind", flat=True)) == [
        "received", "dispatched", "signed", "replied", "rated", "closed"]  # the internal note is not public
    assert verbs(r) == ["request.submit", "request.dispatch", "request.sign", "request.note", "request.reply",
                        "request.rate"]
    actors = list(JournalEntry.objects.filter(object_id=str(r.pk), object_type="intake.request")
                  .order_by("at", "id").values_list("actor_id", flat=True))
    assert actors == [None, dispatcher.pk, cast["liaison_a"].pk, cast["liaison_a"].pk, cast["liaison_a"].pk, None]


def test_late_sign_and_late_reply(req, travel):
    with travel("2026-02-13T10:00:00+08:00"):
        r = req.submit()
        req.dispatch(r)
    with travel("2026-02-24T09:00:00+08:00"):  # after 春节; sign_due was Sat 14 Feb 10:00
        req.sign(r)
        assert r.signed_on_time is False
    with travel("2026-02-28T08:30:00+08:00"):  # the worked Saturday after the limit
        req.reply(r)
        assert r.replied_on_time is False
    events = {e.kind: e for e in r.events.all()}
    assert events["signed"].data["on_time"] is False and events["replied"].data["on_time"] is False


def test_reply_at_the_last_moment_is_on_time(req, travel):
    with travel("2026-02-13T10:00:00+08:00"):
        r = req.submit()
        req.dispatch(r)
        req.sign(r)
    with travel("2026-02-27T23:59:59+08:00"):
        req.reply(r)
    assert r.replied_on_time is True


def test_sign_within_hours_is_on_time_and_wrong_states_are_refused(req, travel, dispatcher):
    with travel("2026-03-02T10:00:00+08:00"):
        r = req.submit()
        with pytest.raises(PermissionDeniedError):
            req.sign(r, by=req.cast["liaison_a"])  # not dispatched yet: no unit, no liaison
        with pytest.raises(ServiceError, match="当前为“待派单”"):
            services.request_note(by=dispatcher, request=r, text="x")
        req.dispatch(r)
    with travel("2026-03-03T10:00:00+08:00"):
        req.sign(r)
        assert r.signed_on_time is True
        with pytest.raises(ServiceError, match="当前为“办理中”"):
            req.sign(r)
        with pytest.raises(ServiceError, match="当前为“办理中”"):
            services.request_dispatch(by=dispatcher, request=r, unit=req.city["street_b"])


# ---- 退单 and 审定派单 ---------------------------------------------------------------------------------------------

def test_return_then_locked_redispatch(req, travel, cast, city, dispatcher, django_capture_on_commit_callbacks):
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit("沙子口街道南姜码头附近路灯不亮", area="street_a")  # the citizen named the wrong street
        req.dispatch(r)
    with travel("2026-03-02T15:00:00+08:00"):
        req.sign(r)
        with django_capture_on_commit_callbacks(execute=True):
            services.request_return(by=cast["liaison_a"], request=r, reason="该路段属沙子口街道管辖。",
                                    suggested_unit=city["street_b"])
    r = fresh(r)
    assert r.state == RequestState.RETURNED and r.lead_unit is None and r.unit_path == ""
    assert r.due_at is None and r.dispatched_at is None and r.signed_at is None
    event = r.events.get(kind=EventKind.RETURNED)
    assert event.text == "该路段属沙子口街道管辖。" and event.unit == city["street_a"]
    assert event.data["suggested_unit"] == "沙子口街道"
    # back to the dispatcher: told, with the reason in the journal
    assert Notification.objects.filter(recipient=dispatcher, kind="request_returned").exists()
    assert JournalEntry.objects.get(verb="request.return", object_id=str(r.pk)).reason == "该路段属沙子口街道管辖。"
    # the returning unit no longer sees it
    from luoshi.intake.selectors import visible_requests
    assert not visible_requests(cast["liaison_a"]).filter(pk=r.pk).exists()

    with travel("2026-03-03T09:00:00+08:00"):
        services.request_dispatch(by=dispatcher, request=r, unit=city["street_b"], note="审定：属沙子口街道", lock=True)
        assert r.state == RequestState.DISPATCHED and r.return_locked
        # a new limit from the re-dispatch: 4, 5, 6, 9, 10 Mar
        assert r.due_at == local_day_end("2026-03-11")
    with travel("2026-03-03T10:00:00+08:00"), pytest.raises(ServiceError, match="审定派单，不能再退单"):
        services.request_return(by=cast["liaison_b"], request=r, reason="也不归我们")
    assert fresh(r).state == RequestState.DISPATCHED and fresh(r).lead_unit == city["street_b"]
    assert verbs(r) == ["request.submit", "request.dispatch", "request.sign", "request.return", "request.dispatch"]


def test_return_after_the_window_is_refused(req, travel, cast):
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit()
        req.dispatch(r)
    with travel("2026-03-03T09:00:01+08:00"), pytest.raises(ServiceError, match="24 小时内提出"):
        services.request_return(by=cast["liaison_a"], request=r, reason="不归我们")
    with travel("2026-03-03T09:00:00+08:00"):  # exactly at the limit: still allowed
        services.request_return(by=cast["liaison_a"], request=r, reason="不归我们")
    assert fresh(r).state == RequestState.RETURNED


def test_return_needs_a_reason(req, travel, cast):
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit()
        req.dispatch(r)
        with pytest.raises(ServiceError) as e:
            services.request_return(by=cast["liaison_a"], request=r, reason="  ")
    assert e.value.field == "reason" and e.value.message == "请填写退单理由。"


def test_a_pending_extension_of_the_returning_unit_is_closed(req, travel, cast, city, dispatcher):
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit()
        req.dispatch(r)
        req.sign(r)
        ext = services.extension_ask(by=cast["liaison_a"], request=r, days=3, reason="需协调供电公司")
        services.request_return(by=cast["liaison_a"], request=r, reason="该路灯归沙子口街道")
        services.request_dispatch(by=dispatcher, request=r, unit=city["street_b"])
        req.sign(r)
    ext.refresh_from_db()
    assert ext.state == DecisionState.REFUSED
    with travel("2026-03-03T09:00:00+08:00"):  # the new unit may ask its own
        services.extension_ask(by=cast["liaison_b"], request=r, days=2, reason="需采购灯具")


# ---- 回访, 重办 ----------------------------------------------------------------------------------------------

def test_unsatisfied_reopens_up_to_max_then_closes_unsatisfied(req, travel, cast):
    with travel("2026-09-21T09:00:00+08:00"):
        r = req.submit()
        req.dispatch(r)
        req.sign(r)
        req.reply(r)
        req.rate(r, 2, resolved=False, comment="还是不亮")
    assert r.state == RequestState.HANDLING and r.reopen_count == 1
    # the new limit runs from the 重办: 22, 23, 24, 28, 29 Sep (25 Sep 中秋)
    assert r.due_at == local_day_end("2026-09-30") and r.replied_at is None and r.rating_token == ""
    with travel("2026-09-22T09:00:00+08:00"):
        req.reply(r, "已再次检修。")
        req.rate(r, 1, resolved=False)
    assert r.state == RequestState.HANDLING and r.reopen_count == 2
    with travel("2026-09-23T09:00:00+08:00"):
        req.reply(r, "第三次检修，已更换线路。")
        req.rate(r, 2, resolved=False)
    r = fresh(r)
    assert r.state == RequestState.CLOSED and r.outcome == Outcome.UNSATISFIED and r.reopen_count == 2
    assert kinds(r).count("reopened") == 2 and kinds(r)[-1] == "closed"
    assert verbs(r).count("request.rate") == 3


def test_satisfied_from_threshold(req, travel):
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit()
        req.dispatch(r)
        req.sign(r)
        req.reply(r)
        req.rate(r, 3)  # 基本满意 counts as satisfied
    assert r.state == RequestState.CLOSED and r.outcome == Outcome.SATISFIED


def test_rating_twice_or_with_a_wrong_token_is_refused(req, travel):
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit()
        req.dispatch(r)
        req.sign(r)
        req.reply(r)
        token = r.rating_token
        for bad in ("", "X" * 20, token[:-1], "评价" * 10):
            with pytest.raises(ServiceError, match="评价链接无效或已过期"):
                services.request_rate(request=r, token=bad, satisfaction=5, resolved=True)
        with pytest.raises(ServiceError, match="1～5") as e:
            services.request_rate(request=r, token=token, satisfaction=6, resolved=True)
        assert e.value.field == "satisfaction"
        assert fresh(r).state == RequestState.REPLIED
        services.request_rate(request=r, token=token, satisfaction=5, resolved=True)
        with pytest.raises(ServiceError, match="评价链接无效或已过期"):
            services.request_rate(request=fresh(r), token=token, satisfaction=1, resolved=False)
    assert fresh(r).satisfaction == 5 and verbs(r).count("request.rate") == 1


def _replied(req, travel, when="2026-03-02T09:00:00+08:00"):
    with travel(when):
        r = req.submit()
        req.dispatch(r)
        req.sign(r)
        req.reply(r)
    return r


def test_revisit_no_answer_close_unrated(req, travel):
    r = _replied(req, travel)  # revisit_due: 3, 4, 5 Mar → 6 Mar 00:00
    assert r.revisit_due == local_day_end("2026-03-06")
    with travel("2026-03-05T23:00:00+08:00"):
        assert services.revisits_run() == {"closed": 0, "waiting_phone": 0}
    with travel("2026-03-06T01:00:00+08:00"):
        assert services.revisits_run() == {"closed": 1, "waiting_phone": 0}
        assert services.revisits_run() == {"closed": 0, "waiting_phone": 0}
    r = fresh(r)
    assert r.state == RequestState.CLOSED and r.outcome == Outcome.UNRATED and r.satisfaction is None
    assert r.rating_source == "rule" and r.rating_token == ""
    assert kinds(r)[-1] == "closed" and verbs(r)[-1] == "request.close_unrated"


def test_revisit_no_answer_counts_as_satisfied(req, travel):
    settings_row = intake_settings()
    settings_row.no_answer = RevisitRule.SATISFIED
    settings_row.save()
    r = _replied(req, travel)
    with travel("2026-03-09T09:00:00+08:00"):
        assert services.revisits_run()["closed"] == 1
    r = fresh(r)
    assert r.outcome == Outcome.SATISFIED and r.satisfaction == 4 and r.rating_source == "rule"


def test_revisit_no_answer_goes_to_the_dispatchers_phone(req, travel, dispatcher, cast):
    settings_row = intake_settings()
    settings_row.no_answer = RevisitRule.OFFICE
    settings_row.save()
    r = _replied(req, travel)
    with travel("2026-03-09T09:00:00+08:00"):
        assert services.revisits_run() == {"closed": 0, "waiting_phone": 1}
        assert fresh(r).state == RequestState.REPLIED
        with pytest.raises(PermissionDeniedError):
            services.request_rate(request=r, by=cast["liaison_a"], satisfaction=5, resolved=True)
        services.request_rate(request=r, by=dispatcher, satisfaction=4, resolved=True, comment="电话回访：满意")
    r = fresh(r)
    assert r.state == RequestState.CLOSED and r.rating_source == "phone" and r.outcome == Outcome.SATISFIED
    assert JournalEntry.objects.filter(verb="request.rate", object_id=str(r.pk), actor=dispatcher).exists()


# ---- 延期 ----------------------------------------------------------------------------------------------------

@pytest.fixture
def handling(req, travel):
    """Dispatched Wed 23 Sep 2026: 5 working days = 24, 28, 29, 30 Sep, 8 Oct (中秋 25–27, 国庆 1–7)."""
    with travel("2026-09-23T09:00:00+08:00"):
        r = req.submit()
        req.dispatch(r)
        req.sign(r)
    assert r.due_at == local_day_end("2026-10-09")
    return r


def test_extension_approved_moves_the_limit_by_working_days(handling, travel, cast, dispatcher):
    r = handling
    with travel("2026-09-29T09:00:00+08:00"):
        ext = services.extension_ask(by=cast["liaison_a"], request=r, days=3, reason="需更换整段电缆")
        assert ext.state == DecisionState.PENDING and kinds(r)[-1] == EventKind.EXTENSION_ASKED
        services.extension_decide(by=dispatcher, extension=ext, approve=True)
    r = fresh(r)
    # after 8 Oct: 9, 10 (调休), 12 Oct
    assert r.due_at == local_day_end("2026-10-13") and r.extension_days == 3
    ext.refresh_from_db()
    assert ext.state == DecisionState.APPROVED and ext.decided_by == dispatcher
    decided = r.events.get(kind=EventKind.EXTENSION_DECIDED)
    assert decided.public and decided.data == {"approve": True, "days": 3}
    entry = JournalEntry.objects.get(verb="request.extension_decide", object_id=str(r.pk))
    assert entry.changes["due_at"][1].startswith("2026-10-13")
    with travel("2026-10-12T17:00:00+08:00"):
        services.request_reply(by=cast["liaison_a"], request=r, text="已更换电缆。")
    assert fresh(r).replied_on_time is True


def test_extension_refused_keeps_the_limit(handling, travel, cast, dispatcher):
    r = handling
    with travel("2026-09-29T09:00:00+08:00"):
        ext = services.extension_ask(by=cast["liaison_a"], request=r, days=3, reason="需更换整段电缆")
        with pytest.raises(ServiceError) as e:
            services.extension_decide(by=dispatcher, extension=ext, approve=False)
        assert e.value.field == "note"
        services.extension_decide(by=dispatcher, extension=ext, approve=False, note="备件库有现货，无需延期")
        with pytest.raises(ServiceError, match="已审批"):
            services.extension_decide(by=dispatcher, extension=ext, approve=True)
    r = fresh(r)
    assert r.due_at == local_day_end("2026-10-09") and r.extension_days == 0
    assert not r.events.get(kind=EventKind.EXTENSION_DECIDED).public
    assert verbs(r)[-2:] == ["request.extension_ask", "request.extension_decide"]


def test_extension_after_the_deadline_or_twice_is_refused(handling, travel, cast, dispatcher):
    r = handling
    with travel("2026-09-29T09:00:00+08:00"):
        services.extension_ask(by=cast["liaison_a"], request=r, days=2, reason="协调中")
        with pytest.raises(ServiceError, match="已有一份延期申请在审批中"):
            services.extension_ask(by=cast["liaison_a"], request=r, days=3, reason="再延")
        for days in (0, 31, "三"):
            with pytest.raises(ServiceError, match="1～30") as e:
                services.extension_ask(by=cast["liaison_a"], request=r, days=days, reason="x")
            assert e.value.field == "days"
        with pytest.raises(PermissionDeniedError):
            services.extension_ask(by=cast["liaison_b"], request=r, days=2, reason="x")
        with pytest.raises(PermissionDeniedError):
            services.extension_decide(by=cast["liaison_a"], extension=r.extensions.get(), approve=True)
    with travel("2026-10-09T00:00:00+08:00"), pytest.raises(ServiceError, match=r"办理时限（2026-10-08）之前申请"):
        ExtensionRequest.objects.filter(request=r).update(state=DecisionState.REFUSED)
        services.extension_ask(by=cast["liaison_a"], request=r, days=2, reason="来不及")
    assert r.extensions.count() == 1


# ---- 催办 / 督办 ------------------------------------------------------------------------------------------------

def test_urge_and_supervise(handling, travel, cast, dispatcher):
    r = handling
    with travel("2026-09-30T09:00:00+08:00"):
        services.request_urge(by=dispatcher, request=r, note="请抓紧办理")
        assert r.supervised_at is None
        with pytest.raises(PermissionDeniedError):
            services.request_urge(by=cast["liaison_a"], request=r, note="自己催自己")
        with pytest.raises(ServiceError) as e:
            services.request_urge(by=dispatcher, request=r, note="")
        assert e.value.field == "note"
        services.request_urge(by=cast["office"], request=r, note="区委办督办：限期办结", supervise=True)
    r = fresh(r)
    assert r.supervised_at == at("2026-09-30T09:00:00")
    assert kinds(r)[-2:] == ["urged", "supervised"]
    assert verbs(r)[-2:] == ["request.urge", "request.supervise"]


def test_overdue_run_supervises_once_per_limit(handling, travel, cast, dispatcher):
    r = handling
    with travel("2026-10-08T20:00:00+08:00"):
        services.extension_ask(by=cast["liaison_a"], request=r, days=2, reason="需协调电力公司")
        assert services.overdue_run() == {"supervised": 0}  # not yet past the limit
    with travel("2026-10-09T08:00:00+08:00"):
        assert services.overdue_run() == {"supervised": 1}
        assert services.overdue_run() == {"supervised": 0}  # once only
    assert fresh(r).supervised_at == at("2026-10-09T08:00:00")
    auto = fresh(r).events.get(kind=EventKind.SUPERVISED)
    assert auto.actor is None and "系统自动督办" in auto.text
    with travel("2026-10-09T10:00:00+08:00"):  # the extension asked in time is approved late: a new limit
        services.extension_decide(by=dispatcher, extension=r.extensions.get(), approve=True)
        assert fresh(r).due_at == local_day_end("2026-10-11")  # 9, 10 Oct (调休)
        assert services.overdue_run() == {"supervised": 0}
    with travel("2026-10-11T08:00:00+08:00"):  # past the extended limit: supervised again, once
        assert services.overdue_run() == {"supervised": 1}
        assert services.overdue_run() == {"supervised": 0}
    assert fresh(r).events.filter(kind=EventKind.SUPERVISED).count() == 2
    assert verbs(r).count("request.supervise") == 2


def test_overdue_run_leaves_replied_and_closed_alone(req, travel):
    r = _replied(req, travel)
    with travel("2026-04-01T09:00:00+08:00"):
        assert services.overdue_run() == {"supervised": 0}
    assert fresh(r).supervised_at is None


# ---- 不予受理 / 重复 ---------------------------------------------------------------------------------------------

def test_close_invalid_and_duplicate(req, travel, dispatcher, cast):
    with travel("2026-03-02T09:00:00+08:00"):
        first = req.submit("中韩街道海尔路路灯不亮")
        second = req.submit("海尔路路灯坏了，中韩街道")
        junk = req.submit("测试测试")
        with pytest.raises(ServiceError) as e:
            services.request_close_invalid(by=dispatcher, request=junk, outcome=Outcome.INVALID, reason="")
        assert e.value.field == "reason"
        with pytest.raises(ServiceError) as e:
            services.request_close_invalid(by=dispatcher, request=junk, outcome=Outcome.SATISFIED, reason="x")
        assert e.value.field == "outcome"
        with pytest.raises(PermissionDeniedError):
            services.request_close_invalid(by=cast["liaison_a"], request=junk, outcome=Outcome.INVALID, reason="x")
        services.request_close_invalid(by=dispatcher, request=junk, outcome=Outcome.INVALID, reason="非诉求内容，不予受理")
        with pytest.raises(ServiceError) as e:
            services.request_close_invalid(by=dispatcher, request=second, outcome=Outcome.DUPLICATE, reason="重复")
        assert e.value.field == "duplicate_of"
        services.request_close_invalid(by=dispatcher, request=second, outcome=Outcome.DUPLICATE,
                                       reason="与先前工单重复，合并办理", duplicate_of=first)
        with pytest.raises(ServiceError, match="当前为“已办结”"):
            services.request_dispatch(by=dispatcher, request=junk, unit=req.city["street_a"])
    junk, second = fresh(junk), fresh(second)
    assert junk.state == RequestState.CLOSED and junk.outcome == Outcome.INVALID and junk.reply_text == "非诉求内容，不予受理"
    assert second.outcome == Outcome.DUPLICATE and second.duplicate_of_id == first.pk
    closed = second.events.get(kind=EventKind.CLOSED)
    assert closed.public and closed.text == "与先前工单重复，合并办理" and closed.data["duplicate_of"] == first.pk
    assert verbs(junk)[-1] == "request.close_invalid" and verbs(second)[-1] == "request.close_invalid"
    assert fresh(first).state == RequestState.RECEIVED


# ---- 个人信息保留期 ---------------------------------------------------------------------------------------------

def test_personal_purge_after_retention(req, travel):
    with travel("2026-03-02T09:00:00+08:00"):
        old = req.through(email="liming@example.com")
        open_one = req.submit(name="王五", phone="13900001111")
    with travel("2026-12-01T09:00:00+08:00"):
        recent = req.through(name="赵四", phone="13700002222")
    with travel("2027-03-02T08:59:00+08:00"):  # not yet 365 days after it closed (2 Mar 2026 09:00)
        assert services.personal_purge() == 0
    with travel("2027-03-02T09:01:00+08:00"):
        assert services.personal_purge() == 1
        assert services.personal_purge() == 0
    old = fresh(old)
    assert (old.requester_name, old.requester_phone, old.requester_email) == ("", "", "")
    assert old.personal_purged_at == at("2027-03-02T09:01:00")
    assert old.description and old.reply_text  # only the personal fields go
    purged = old.events.get(kind=EventKind.PURGED)
    assert not purged.public and "清除" in purged.text
    entry = JournalEntry.objects.get(verb="request.purge_personal")
    assert entry.changes["count"] == 1
    assert fresh(open_one).requester_phone == "13900001111"
    assert fresh(recent).requester_name == "赵四"
    assert RequestEvent.objects.filter(kind=EventKind.PURGED).count() == 1


# ---- every write leaves a journal entry ------------------------------------------------------------------------

def test_every_service_write_is_journaled(req, travel, cast, dispatcher):
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit()
        req.dispatch(r)
        req.sign(r)
        services.request_note(by=cast["liaison_a"], request=r, text="现场查看")
        ext = services.extension_ask(by=cast["liaison_a"], request=r, days=1, reason="等待配件")
        services.extension_decide(by=dispatcher, extension=ext, approve=True)
        services.request_urge(by=dispatcher, request=r, note="请尽快")
        services.request_urge(by=dispatcher, request=r, note="督办", supervise=True)
        req.reply(r)
        req.rate(r, 1)
        req.reply(r)
        services.request_rate(request=r, by=dispatcher, satisfaction=5, resolved=True)
    assert verbs(r) == ["request.submit", "request.dispatch", "request.sign", "request.note",
                        "request.extension_ask", "request.extension_decide", "request.urge", "request.supervise",
                        "request.reply", "request.rate", "request.reply", "request.rate"]
    scopes = set(JournalEntry.objects.filter(object_id=str(r.pk), object_type="intake.request")
                 .values_list("scope_path", flat=True))
    assert scopes == {req.city["street_a"].path}
    assert len(kinds(r)) == 14  # one event per write; a rating adds 重办 or 办结
