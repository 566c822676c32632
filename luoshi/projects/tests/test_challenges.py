"""揭榜挂帅: deadlines and states enforced (no application after the close, no selection before scoring ends), the
winner's commitments become tasks, the applicants' contact details stay private."""
import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.presets import preset_path
from luoshi.projects import challenges as ch
from luoshi.projects.models import ChallengeState
from luoshi.tasks.models import Task

SCHEME = preset_path("jiebang-pingshen").read_text(encoding="utf-8")


@pytest.fixture
def challenge(city, cast, program, travel):
    with travel("2026-03-01"):
        c = ch.challenge_create(
            by=cast["office"], owner_unit=city["office_unit"], title="海洋传感器国产化攻关", problem="核心传感器依赖进口",
            goals="两年内完成样机并小批量应用", conditions="具有相关研发基础的单位或团队", apply_until=dt.date(2026, 3, 31),
            review_until=dt.date(2026, 4, 15), scheme_text=SCHEME, program=program["program"],
            experts=[cast["evaluator"], cast["leader"]])
        ch.challenge_publish(by=cast["office"], challenge=c)
    return c


def apply(c, person, unit=None, name="攻关团队"):
    return ch.challenge_apply(by=person, challenge=c, team_name=name, contact_name="张工", contact_phone="13800001234",
                              plan="分三阶段研制", unit=unit,
                              commitments=[{"title": "完成样机", "due": "2026-09-30"},
                                           {"title": "小批量应用", "due": "2026-12-31"}])


def test_the_whole_call_with_its_deadlines(challenge, city, cast, travel):
    c = challenge
    with travel("2026-03-31"):  # the deadline day still counts
        a1 = apply(c, cast["liaison_a"], unit=city["street_a"], name="中韩街道联合团队")
        with pytest.raises(ServiceError, match="不能重复"):
            apply(c, cast["liaison_a"])
        with pytest.raises(ServiceError, match="评审"):
            ch.challenge_review(by=cast["office"], challenge=c)  # not before the close
    with travel("2026-04-01"):
        with pytest.raises(ServiceError, match="截止"):
            apply(c, cast["liaison_b"])
        with pytest.raises(ServiceError, match="揭榜中|评审阶段"):
            ch.application_score(by=cast["evaluator"], application=a1, values={"plan": 30})
        ch.challenge_review(by=cast["office"], challenge=c)
        with pytest.raises(PermissionDeniedError):
            ch.application_score(by=cast["liaison_b"], application=a1, values={"plan": 30})
        with pytest.raises(ServiceError, match="方案可行性.*0–40"):
            ch.application_score(by=cast["evaluator"], application=a1,
                                 values={"plan": "45", "ability": "20", "goals": "15", "support": "5"})
        ch.application_score(by=cast["evaluator"], application=a1,
                             values={"plan": "36", "ability": "25", "goals": "18", "support": "8"})
        with pytest.raises(ServiceError, match="评审尚未结束"):
            ch.challenge_select(by=cast["office"], challenge=c, application=a1, result_text="由中韩街道联合团队挂帅")
    with travel("2026-04-16"):
        with pytest.raises(ServiceError, match="评审已于"):
            ch.application_score(by=cast["leader"], application=a1,
                                 values={"plan": "30", "ability": "25", "goals": "18", "support": "8"})
        c = ch.challenge_select(by=cast["office"], challenge=c, application=a1, result_text="由中韩街道联合团队挂帅")
    a1.refresh_from_db()
    assert c.state == ChallengeState.SELECTED and c.winner == a1 and a1.total == 87
    tasks = list(Task.objects.filter(pk__in=a1.task_ids).order_by("deadline"))
    assert [t.title for t in tasks] == ["【揭榜挂帅】完成样机", "【揭榜挂帅】小批量应用"]
    assert tasks[0].deadline == dt.date(2026, 9, 30)
    assert list(tasks[0].assignments.values_list("unit__name", flat=True)) == ["中韩街道"]


def test_contact_details_stay_private(challenge, city, cast, client, client_for, travel):
    with travel("2026-03-10"):
        apply(challenge, cast["liaison_a"])
    with travel("2026-04-01"):
        ch.challenge_review(by=cast["office"], challenge=challenge)
        expert_page = client_for(cast["evaluator"]).get(reverse("projects_challenge", args=[challenge.pk])).content.decode()
        office_page = client_for(cast["office"]).get(reverse("projects_challenge", args=[challenge.pk])).content.decode()
        other = client_for(cast["liaison_b"]).get(reverse("projects_challenge", args=[challenge.pk])).content.decode()
        public = client.get(reverse("projects_public_challenge", args=[challenge.pk])).content.decode()
    assert "13800001234" in office_page
    assert "攻关团队" in expert_page and "13800001234" not in expert_page
    assert "攻关团队" not in other and "13800001234" not in public


def test_a_draft_is_not_public(city, cast, travel, client):
    with travel("2026-03-01"):
        c = ch.challenge_create(by=cast["office"], owner_unit=city["office_unit"], title="草稿榜单", problem="x", goals="y",
                                apply_until=dt.date(2026, 3, 31), review_until=dt.date(2026, 4, 15), scheme_text=SCHEME)
        with pytest.raises(ServiceError, match="尚未发布"):
            apply(c, cast["liaison_a"])
        with pytest.raises(ServiceError, match="评审截止日期不能早于"):
            ch.challenge_create(by=cast["office"], owner_unit=city["office_unit"], title="t", problem="x", goals="y",
                                apply_until=dt.date(2026, 3, 31), review_until=dt.date(2026, 3, 1), scheme_text=SCHEME)
        with pytest.raises(PermissionDeniedError):
            ch.challenge_create(by=cast["liaison_a"], owner_unit=city["office_unit"], title="t", problem="x", goals="y",
                                apply_until=dt.date(2026, 3, 31), review_until=dt.date(2026, 4, 1), scheme_text=SCHEME)
    assert client.get(reverse("projects_public_challenge", args=[c.pk])).status_code == 404
    assert not ch.challenge_list(cast["liaison_a"]).filter(pk=c.pk).exists()


def test_public_application_with_a_verified_email(challenge, cast, client, client_for, travel, mailoutbox):
    import re

    url = reverse("projects_public_challenge", args=[challenge.pk])
    form = {"team_name": "青岛某科技有限公司", "contact_name": "赵工", "contact_phone": "13900001111", "channel": "email",
            "contact_email": "zhao@example.com", "plan": "联合高校攻关", "c_title": ["完成样机"], "c_due": ["2026-10-31"]}
    with travel("2026-03-20T10:00:00+08:00"):
        r = client.post(url, {**form, "contact_email": "not-an-email"})
        assert "有效的电子邮箱" in r.content.decode() and not mailoutbox
        r = client.post(url, form)
        assert r.status_code == 302
        verify_url = r["Location"]
        code = re.search(r"验证码：(\d{6})", mailoutbox[0].subject).group(1)
        # not confirmed yet: the office does not see it
        office_page = client_for(cast["office"]).get(reverse("projects_challenge", args=[challenge.pk])).content.decode()
        assert "青岛某科技有限公司" not in office_page
        assert Client().get(verify_url).status_code == 404  # another browser cannot enter the code
        r = client.post(verify_url, {"code": "000000" if code != "000000" else "111111"})
        assert "验证码不正确" in r.content.decode()
    with travel("2026-03-20T10:20:00+08:00"):
        r = client.post(verify_url, {"code": code})
        assert "已过期" in r.content.decode()  # 15 minutes
    with travel("2026-04-01"):
        r = client.post(verify_url, {"action": "resend"})
        assert "截止" in r.content.decode()  # too late: the deadline applies to the confirmation too
    app = challenge.applications.get(team_name="青岛某科技有限公司")
    assert app.verified_at is None
    with travel("2026-03-31T09:00:00+08:00"):
        client.post(verify_url, {"action": "resend"})
        assert len(mailoutbox) == 2
        r = client.post(verify_url, {"code": code})
        assert "验证码不正确" in r.content.decode()  # a new code replaced the old one
        code = re.search(r"验证码：(\d{6})", mailoutbox[1].subject).group(1)
        r = client.post(verify_url, {"code": code}, follow=True)
        assert "已确认提交" in r.content.decode()
    office_page = client_for(cast["office"]).get(reverse("projects_challenge", args=[challenge.pk])).content.decode()
    assert "青岛某科技有限公司" in office_page and "13900001111" in office_page
    public = client.get(url).content.decode()
    assert "13900001111" not in public and "zhao@example.com" not in public


def test_overlong_texts_are_refused_not_cut(challenge, cast, client, client_for, travel, mailoutbox):
    """Each text the applicant typed is kept whole or refused with the field named; nothing is stored on refusal."""
    page = reverse("projects_challenge", args=[challenge.pk])
    public = reverse("projects_public_challenge", args=[challenge.pk])
    form = {"team_name": "攻关团队", "contact_name": "张工", "contact_phone": "13800001234", "plan": "分三阶段研制",
            "c_title": ["完成样机"], "c_due": ["2026-09-30"]}
    with travel("2026-03-10"):
        for field, value, words in (("team_name", "团" * 201, "揭榜主体最多 200 字，现有 201 字"),
                                    ("contact_name", "张" * 51, "联系人最多 50 字，现有 51 字"),
                                    ("c_title", ["样" * 201], "第1项承诺的内容最多 200 字，现有 201 字")):
            r = client_for(cast["liaison_a"]).post(page, {**form, "action": "apply", field: value}, follow=True)
            assert words in r.content.decode()
            r = client.post(public, {**form, "channel": "email", "contact_email": "zhao@example.com", field: value})
            assert words in r.content.decode()
        r = client.post(public, {**form, "channel": "email", "contact_email": "z" * 250 + "@example.com"})
        assert "电子邮箱最多 254 字" in r.content.decode()
        assert not challenge.applications.exists() and not mailoutbox
        long_title = "样" * 200  # exactly the limit: kept whole
        app = ch.challenge_apply(by=cast["liaison_a"], challenge=challenge, team_name="团" * 200, contact_name="张工",
                                 contact_phone="13800001234", plan="方案", commitments=[{"title": long_title,
                                                                                          "due": "2026-09-30"}])
    assert app.team_name == "团" * 200 and app.commitments[0]["title"] == long_title
