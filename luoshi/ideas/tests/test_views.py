import io
import re

import openpyxl
from django.test import Client
from django.urls import reverse

from luoshi.ideas import services
from luoshi.ideas.models import Decision, Idea, IdeaState
from luoshi.tasks.models import Task

from .conftest import PERSONAL

FORM = {"title": "推行“证照联办”一次办好", "topic": "营商环境", "source_kind": "enterprise",
        "content": "建议把开办企业涉及的营业执照、许可证和社保登记合并为一次申请，一窗受理、并联审批。",
        "name": PERSONAL["name"], "phone": PERSONAL["phone"], "email": PERSONAL["email"],
        "organisation": PERSONAL["organisation"], "province": "山东省", "city": "青岛市"}


# ---- public ---------------------------------------------------------------------------------------------

def test_public_submit_shows_the_code_once(client, campaign):
    resp = client.post(reverse("portal_idea_new"), FORM)
    assert resp.status_code == 302 and resp["Location"] == reverse("portal_idea_done")
    idea = Idea.objects.get()
    assert idea.submitter_phone == "13912345678" and idea.campaign == campaign and idea.state == IdeaState.SUBMITTED
    page = client.get(reverse("portal_idea_done")).content.decode()
    assert idea.tracking_code in page and "2026-0001" in page
    again = client.get(reverse("portal_idea_done"))
    assert again.status_code == 302 and idea.tracking_code not in again.content.decode()


def test_public_form_errors_are_in_chinese_next_to_the_fields_and_keep_the_input(client, campaign):
    data = {**FORM, "phone": "12345", "province": "", "title": ""}
    resp = client.post(reverse("portal_idea_new"), data)
    assert resp.status_code == 400
    page = resp.content.decode()
    assert "这个字段是必填项" in page  # title and province: Django's own message, in Chinese
    assert page.count('class="fielderror"') == 2 and not Idea.objects.exists()
    assert PERSONAL["email"] in page and "营业执照" in page  # what was typed is still there
    # the service's own check (phone format) lands next to the phone field
    resp = client.post(reverse("portal_idea_new"), {**FORM, "phone": "12345"})
    page = resp.content.decode()
    assert resp.status_code == 400
    assert re.search(r'data-field="phone">.*?联系电话“12345”格式不对', page, re.S)


def test_public_submit_is_rate_limited(client, campaign, settings):
    settings.LUOSHI_IDEAS_RATE = (5, 600)
    for i in range(5):
        assert client.post(reverse("portal_idea_new"), {**FORM, "title": f"建议{i}"}).status_code == 302
    resp = client.post(reverse("portal_idea_new"), {**FORM, "title": "第六条"})
    assert resp.status_code == 429
    page = resp.content.decode()
    assert "提交太频繁" in page and "10 分钟内最多提交 5 条" in page and "第六条" in page
    assert Idea.objects.count() == 5
    # another address is not affected
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(reverse("portal_idea_new"), FORM).status_code == 302


def test_honeypot_and_no_open_campaign(client, campaign, travel):
    assert client.post(reverse("portal_idea_new"), {**FORM, "website": "http://spam"}).status_code == 302
    assert not Idea.objects.exists()
    with travel("2026-08-01"):
        page = client.get(reverse("portal_idea_new")).content.decode()
        assert "目前没有正在征集的活动" in page
        assert client.post(reverse("portal_idea_new"), FORM).status_code == 200 and not Idea.objects.exists()


def test_track_page_shows_state_and_reply_only(client, reviewed, cast):
    services.idea_decide(by=cast["office"], idea=reviewed, decision=Decision.ADOPTED,
                         reply="已采纳。联系人电话 13800001111。")
    page = client.get(reverse("portal_idea_track"), {"code": reviewed.tracking_code.lower()}).content.decode()
    assert "已答复" in page and "采纳" in page and "138****1111" in page and "13800001111" not in page
    for value in PERSONAL.values():
        assert value not in page
    assert "77.00" not in page and "专家" not in page  # no scores
    assert client.get(reverse("portal_idea_track"), {"code": "JDNOTHERE"}).status_code == 404
    assert client.get(reverse("portal_idea_track")).status_code == 200


def test_public_list_shows_adopted_and_awarded_ideas(client, reviewed, submit, cast, django_assert_max_num_queries):
    services.idea_decide(by=cast["office"], idea=reviewed, decision=Decision.ADOPTED, reply="已采纳，纳入改革任务。")
    services.idea_award(by=cast["office"], idea=reviewed, award="second")
    hidden = submit(title="未处理的建议")
    with django_assert_max_num_queries(4):
        page = client.get(reverse("portal_ideas")).content.decode()
    assert reviewed.title in page and "二等奖" in page and "已采纳，纳入改革任务。" in page and "山东省" in page
    assert hidden.title not in page


# ---- staff ----------------------------------------------------------------------------------------------

def test_office_pages_and_query_counts(client_for, cast, campaign, submit, experts, django_assert_max_num_queries):
    for i in range(3):
        submit(title=f"建议{i}")
    c = client_for(cast["office"])
    assert "2026年改革创新金点子征集" in c.get(reverse("ideas_index")).content.decode()
    url = reverse("ideas_campaign", args=[campaign.pk])
    c.get(url)
    with django_assert_max_num_queries(12) as few:
        c.get(url)
    for i in range(30):
        submit(title=f"更多建议{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = c.get(url).content.decode()
    assert "更多建议29" in page
    assert c.get(url, {"order": "score"}).status_code == 200
    assert c.get(url, {"province": "山东省", "topic": "营商环境", "state": "submitted", "q": "建议"}).status_code == 200
    idea = Idea.objects.first()
    page = c.get(reverse("ideas_idea", args=[idea.pk])).content.decode()
    assert PERSONAL["phone"] in page and "初审" in page
    assert c.get(reverse("ideas_campaign_stats", args=[campaign.pk])).status_code == 200
    assert c.get(reverse("ideas_campaign_new")).status_code == 200
    assert c.get(reverse("ideas_campaign_edit", args=[campaign.pk])).status_code == 200


def test_other_units_are_refused(client_for, cast, campaign, submit, experts):
    idea = submit()
    for who in ("liaison_a", "liaison_b", "outsider", "evaluator"):
        c = client_for(cast[who])
        assert c.get(reverse("ideas_campaign", args=[campaign.pk])).status_code == 404
        assert c.get(reverse("ideas_idea", args=[idea.pk])).status_code == 404
        assert c.get(reverse("ideas_campaign_stats", args=[campaign.pk])).status_code == 404
        assert c.get(reverse("ideas_campaign_export", args=[campaign.pk])).status_code == 404
        assert c.post(reverse("ideas_screen", args=[idea.pk]), {"action": "pass"}).status_code == 404
        assert c.get(reverse("ideas_campaign_new")).status_code == 403
        assert "2026年改革创新金点子征集" not in c.get(reverse("ideas_index")).content.decode()
    idea.refresh_from_db()
    assert idea.state == IdeaState.SUBMITTED
    anon = Client()
    assert anon.get(reverse("ideas_idea", args=[idea.pk])).status_code == 302  # to the login page


def test_leader_reads_without_personal_data_and_cannot_act(client_for, cast, reviewed):
    c = client_for(cast["leader"])
    page = c.get(reverse("ideas_idea", args=[reviewed.pk])).content.decode()
    assert reviewed.title in page and PERSONAL["phone"] not in page and PERSONAL["name"] not in page
    assert c.post(reverse("ideas_decide", args=[reviewed.pk]), {"decision": "adopted", "reply": "好"}).status_code == 403
    data = c.get(reverse("ideas_campaign_export", args=[reviewed.campaign.pk])).content
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = {str(cell.value) for row in ws.iter_rows() for cell in row}
    assert reviewed.title in cells and PERSONAL["phone"] not in cells and "联系电话" not in cells


def test_office_export_has_personal_columns(client_for, cast, reviewed):
    data = client_for(cast["office"]).get(reverse("ideas_campaign_export", args=[reviewed.campaign.pk])).content
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in ws[3]]
    row = [c.value for c in ws[4]]
    assert "联系电话" in header and row[header.index("联系电话")] == PERSONAL["phone"]
    assert row[header.index("得分")] == 77.0 and row[header.index("创新性（均分/30）")] == 22.5


def test_expert_scores_blind_and_sees_others_after_scoring(client_for, cast, reviewed, experts):
    c = client_for(experts[2])
    page = c.get(reverse("ideas_idea", args=[reviewed.pk])).content.decode()
    assert PERSONAL["name"] not in page and PERSONAL["phone"] not in page
    assert "已有 2 位专家评分" in page and "专家1号" not in page
    resp = c.post(reverse("ideas_score", args=[reviewed.pk]), {"points.innovation": "40", "points.feasibility": "20",
                                                                "points.effect": "30", "note": "好"})
    assert resp.status_code == 400
    page = resp.content.decode()
    assert "“创新性”的分数须在 0 至 30 之间" in page and 'value="40"' in page
    resp = c.post(reverse("ideas_score", args=[reviewed.pk]), {"points.innovation": "28", "points.feasibility": "20",
                                                                "points.effect": "30"})
    assert resp.status_code == 302
    page = c.get(reverse("ideas_idea", args=[reviewed.pk])).content.decode()
    assert "我的评分" in page and "专家1" in page and "专家1号" not in page  # others unnamed
    # an expert cannot screen or decide, and sees no ideas waiting for 初审
    assert c.post(reverse("ideas_decide", args=[reviewed.pk]), {"decision": "adopted", "reply": "好"}).status_code == 403
    waiting = services.idea_submit(campaign=reviewed.campaign, data=services.IdeaInput(
        title="新建议", content="这是一条新的建议内容，足够二十个字，用来检查专家看不到待初审的建议。", topic="其他",
        source_kind="person", name="张三", phone="13900000000", province="北京市"))
    assert c.get(reverse("ideas_idea", args=[waiting.pk])).status_code == 404
    assert "新建议" not in c.get(reverse("ideas_campaign", args=[reviewed.campaign.pk])).content.decode()
    assert reviewed.title not in c.get(reverse("ideas_queue")).content.decode()  # scored: out of the queue
    assert reviewed.title in client_for(experts[3]).get(reverse("ideas_queue")).content.decode()


def test_office_screens_decides_awards_and_makes_a_task(client_for, cast, reviewed, submit, program):
    c = client_for(cast["office"])
    fresh = submit(title="待初审的建议")
    resp = c.post(reverse("ideas_screen", args=[fresh.pk]), {"action": "reject", "reason": ""})
    assert resp.status_code == 400 and "请写明不通过初审的理由" in resp.content.decode()
    resp = c.post(reverse("ideas_screen", args=[fresh.pk]), {"action": "duplicate"})
    assert resp.status_code == 400 and "请选择与之重复的建议" in resp.content.decode()
    assert c.post(reverse("ideas_screen", args=[fresh.pk]), {"action": "pass"}).status_code == 302
    fresh.refresh_from_db()
    assert fresh.state == IdeaState.REVIEWING
    resp = c.post(reverse("ideas_decide", args=[fresh.pk]), {"decision": "adopted", "reply": "采纳"})
    assert resp.status_code == 400 and "专家评分前不能作出处理决定" in resp.content.decode()
    assert c.post(reverse("ideas_decide", args=[reviewed.pk]),
                  {"decision": "adopted", "reply": "已采纳", "publish": "on"}).status_code == 302
    assert c.post(reverse("ideas_award", args=[reviewed.pk]), {"award": "first"}).status_code == 302
    resp = c.post(reverse("ideas_task", args=[reviewed.pk]), {"program": program["program"].pk,
                                                              "lead_unit": cast["liaison_a"].unit.pk, "deadline_phrase": ""})
    assert resp.status_code == 400 and "这个字段是必填项" in resp.content.decode()
    form = c.get(reverse("ideas_idea", args=[reviewed.pk])).context["task_form"]
    assert form.initial == {"title": reviewed.title, "measures": reviewed.content}  # the office edits before creating
    resp = c.post(reverse("ideas_task", args=[reviewed.pk]), {
        "program": program["program"].pk, "lead_unit": cast["liaison_a"].unit.pk, "deadline_phrase": "年底前",
        "measures": "x" * 5001})
    assert resp.status_code == 400 and not Task.objects.filter(program=program["program"], title=reviewed.title).exists()
    resp = c.post(reverse("ideas_task", args=[reviewed.pk]), {
        "program": program["program"].pk, "lead_unit": cast["liaison_a"].unit.pk, "deadline_phrase": "年底前",
        "title": "推广一窗通办", "measures": "  年内在三个街道试点一窗通办。 "})
    assert resp.status_code == 302
    reviewed.refresh_from_db()
    assert (reviewed.task.title, reviewed.task.measures) == ("推广一窗通办", "年内在三个街道试点一窗通办。")
    assert "已采纳" not in reviewed.task.measures
    assert reviewed.task is not None and reviewed.award == "first"
    page = c.get(reverse("ideas_idea", args=[reviewed.pk])).content.decode()
    assert "已转化为任务" in page and reviewed.task.code in page and "一等奖" in page
    task_page = c.get(reverse("task_detail", args=[reviewed.task.pk])).content.decode()
    assert "来源：金点子 2026-0001" in task_page


def test_office_creates_a_campaign_with_line_errors(client_for, cast, city):
    from .conftest import SCHEME

    c = client_for(cast["office"])
    data = {"name": "新征集", "owner_unit": city["district"].pk, "start_date": "2026-04-01", "end_date": "2026-05-01",
            "description": "欢迎建言", "scheme_text": SCHEME.replace("max: 40", "max: 0")}
    resp = c.post(reverse("ideas_campaign_new"), data)
    assert resp.status_code == 400
    page = resp.content.decode()
    assert "第17行" in page and "criteria.2.max" in page and "新征集" in page
    resp = c.post(reverse("ideas_campaign_new"), {**data, "scheme_text": SCHEME})
    assert resp.status_code == 302
    c2 = client_for(cast["liaison_a"])
    assert c2.post(reverse("ideas_campaign_new"), {**data, "scheme_text": SCHEME}).status_code == 403


def test_experts_are_assigned_by_username(client_for, cast, campaign):
    c = client_for(cast["office"])
    c.post(reverse("ideas_campaign_experts", args=[campaign.pk]), {"username": "evaluator"})
    assert campaign.experts.filter(username="evaluator").exists()
    resp = c.post(reverse("ideas_campaign_experts", args=[campaign.pk]), {"username": "nobody"}, follow=True)
    assert "找不到账号“nobody”" in resp.content.decode()
    c.post(reverse("ideas_campaign_experts", args=[campaign.pk]), {"username": "evaluator", "remove": "1"})
    assert not campaign.experts.exists()
    assert client_for(cast["leader"]).post(reverse("ideas_campaign_experts", args=[campaign.pk]),
                                           {"username": "evaluator"}).status_code == 403


def test_api_router_scopes_and_hides_personal_data(cast, reviewed, experts):
    """/api/ideas with token auth, as hotlines and scripts call it."""
    from django.test import Client

    from luoshi.api.auth import token_create

    def client_for(person):
        _token, key = token_create(by=None, person=person, name="测试")
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    campaign_id = reviewed.campaign.pk
    base = "/api/ideas"
    office = client_for(cast["office"]).get(f"{base}/campaigns/{campaign_id}/ideas").json()
    assert office["count"] == 1 and office["items"][0]["submitter_phone"] == PERSONAL["phone"]
    for who in (cast["leader"], experts[0]):
        items = client_for(who).get(f"{base}/campaigns/{campaign_id}/ideas").json()["items"]
        assert items[0]["number"] == "2026-0001" and items[0]["submitter_phone"] is None and items[0]["submitter_name"] is None
    other = client_for(cast["liaison_b"])
    assert other.get(f"{base}/campaigns").json() == []
    assert other.get(f"{base}/campaigns/{campaign_id}/ideas").status_code == 404
    assert client_for(cast["office"]).get(f"{base}/campaigns/{campaign_id}/stats").json()["total"] == 1
    assert client_for(experts[0]).get(f"{base}/campaigns/{campaign_id}/stats").status_code == 404

def test_bad_list_filters_give_a_message_not_a_500(client_for, cast, campaign, submit):
    """The campaign page's filters (ideas.filters): a refused value is said in Chinese and left out."""
    submit(title="推行证照联办")
    submit(title="优化营商环境")
    c = client_for(cast["office"])
    url = reverse("ideas_campaign", args=[campaign.pk])
    for params, message in [({"state": "bogus"}, "状态："), ({"order": "12345678901234567890"}, "排序："),
                            ({"province": "火星"}, "省份："), ({"topic": "x" * 200}, "领域：")]:
        resp = c.get(url, {"q": "证照", **params})
        page = resp.content.decode()
        assert resp.status_code == 200 and 'class="msg error"' in page and message in page
        assert "推行证照联办" in page and "优化营商环境" not in page
    resp = c.get(url, {"page": "9223372036854775809"})
    assert resp.status_code == 200 and "优化营商环境" in resp.content.decode()
