"""The whole 工单 path once, across the 2026 国庆 holiday: the limit counts working days only."""
import datetime as dt

from luoshi.core import workdays
from luoshi.intake.models import Outcome, RequestState


def test_request_through_holiday(req, travel, city):
    with travel("2026-09-30T10:00:00+08:00"):
        r = req.submit()
        assert r.region_path == city["street_a"].path and r.state == RequestState.RECEIVED
        req.dispatch(r)
        # dispatched Wed 30 Sep; 1–7 Oct holiday, Sat 10 Oct worked: 5 working days = 8, 9, 10, 12, 13 Oct
        assert workdays.add_workdays(dt.date(2026, 9, 30), 5) == dt.date(2026, 10, 13)
        assert r.due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date() == dt.date(2026, 10, 14)
    with travel("2026-10-08T09:00:00+08:00"):
        req.sign(r)
        assert r.signed_on_time is False
    with travel("2026-10-13T17:00:00+08:00"):
        req.reply(r)
        assert r.replied_on_time is True and r.state == RequestState.REPLIED
        req.rate(r, 2)
        assert r.state == RequestState.HANDLING and r.reopen_count == 1
        req.reply(r, "重新检修线路，已恢复。")
        req.rate(r, 5)
    assert r.state == RequestState.CLOSED and r.outcome == Outcome.SATISFIED
    assert [e.kind for e in r.events.all()] == ["received", "dispatched", "signed", "replied", "rated", "reopened",
                                                 "replied", "rated", "closed"]


def test_reply_mails_the_rating_link_to_a_requester_with_email(req, mailoutbox, django_capture_on_commit_callbacks, settings):
    settings.LUOSHI_PUBLIC_URL = "https://12345.example.gov.cn"
    r = req.submit(email="li.ming@example.org")
    req.dispatch(r)
    req.sign(r)
    with django_capture_on_commit_callbacks(execute=True):
        req.reply(r)
    (mail,) = mailoutbox
    assert mail.to == ["li.ming@example.org"] and r.number in mail.body
    assert f"https://12345.example.gov.cn/public/requests/rate/{r.tracking_code}/{r.rating_token}/" in mail.body
    # without an address nobody is mailed
    other = req.submit(description="沙子口街道路灯不亮", area="street_b")
    req.dispatch(other)
    req.sign(other)
    with django_capture_on_commit_callbacks(execute=True):
        req.reply(other)
    assert len(mailoutbox) == 1


def test_long_text_is_refused_not_cut(req, intake):
    """Nothing typed is silently dropped: an attribute over 500 characters is refused with its name."""
    import pytest

    from luoshi.core.errors import ServiceError
    from luoshi.intake.models import Request

    with pytest.raises(ServiceError, match="灯杆编号") as e:
        req.submit(attributes={"pole": "灯" * 501})
    assert e.value.field == "attribute[pole]" and not Request.objects.exists()
