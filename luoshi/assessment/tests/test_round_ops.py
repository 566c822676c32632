"""The office's round operations without the admin site or the round page: create / advance / publish /
finalize, evaluator assignment, consequence proposals list / confirm — in the REST API and the `luoshi assess`
commands, through the same services (the same refusals, the same journal)."""
from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from luoshi.assessment.models import Consequence, EvaluatorAssignment, Round, RoundUnit
from luoshi.core.models import JournalEntry

from .test_api import API, api, post, refused  # noqa: F401  (api is a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposals(assess, city, travel):
    """Two published months with 中韩街道 last of the streets both times: one 通报批评 proposed in round 2."""
    for name, start, end, when in (("2026年1月", "2026-01-01", "2026-01-31", "2026-02-02"),
                                   ("2026年2月", "2026-02-01", "2026-02-28", "2026-03-02")):
        with travel(when):
            rnd = assess.round(name=name, start=start, end=end)
            assess.score_all(rnd, {"street_a": {"A1": "5"}, "street_b": {}, "dept": {}})
            rnd = assess.publish(rnd)
    return rnd


# ---- REST API ---------------------------------------------------------------------------------------------------

def test_openapi_documents_every_status_of_the_new_operations(client):
    schema = client.get("/api/openapi.json").json()
    ops = {("post", "/schemes/{scheme_id}/rounds"): "201", ("post", "/rounds/{round_id}/advance"): "200",
           ("post", "/rounds/{round_id}/publish"): "200", ("post", "/rounds/{round_id}/finalize"): "200",
           ("post", "/rounds/{round_id}/evaluators"): "201",
           ("post", "/consequences/{consequence_id}/decision"): "200"}
    for (method, path), ok in ops.items():
        responses = schema["paths"][f"{API}{path}"][method]["responses"]
        assert set(responses) == {ok, "400", "401", "403", "404", "422"}, (path, sorted(responses))
    for path in ("/rounds/{round_id}/evaluators", "/rounds/{round_id}/consequences"):
        # a malformed or refused id (422, 400) is documented too (luoshi/api/api.py, LuoshiAPI)
        assert set(schema["paths"][f"{API}{path}"]["get"]["responses"]) == {"200", "400", "401", "404", "422"}


def test_create_round_by_the_office(scheme, cast, city, api, travel):
    with travel("2026-01-05"):
        r = post(api(cast["office"]), f"/schemes/{scheme.pk}/rounds",
                 {"name": "2026年1月", "period_start": "2026-01-01", "period_end": "2026-01-31"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["state"], body["units"], body["name"]) == ("draft", 4, "2026年1月")
    assert JournalEntry.objects.filter(verb="assessment.round.create", object_id=str(body["id"])).exists()


def test_create_round_with_chosen_units(scheme, cast, city, api):
    r = post(api(cast["office"]), f"/schemes/{scheme.pk}/rounds",
             {"name": "专项", "period_start": "2026-01-01", "period_end": "2026-01-31",
              "unit_ids": [city["street_a"].pk, city["street_b"].pk]})
    assert r.status_code == 201, r.content
    assert set(RoundUnit.objects.filter(round_id=r.json()["id"]).values_list("unit_id", flat=True)) == {
        city["street_a"].pk, city["street_b"].pk}


@pytest.mark.parametrize("who, status", [("leader", 403), ("evaluator", 403), ("liaison_a", 403),
                                         ("outsider", 404)])
def test_create_round_refused_to_others(scheme, cast, api, who, status):
    r = post(api(cast[who]), f"/schemes/{scheme.pk}/rounds",
             {"name": "x", "period_start": "2026-01-01", "period_end": "2026-01-31"})
    refused(r, status)
    assert not Round.objects.exists()


@pytest.mark.parametrize("body, status, field", [
    ({"name": "x", "period_start": "2026-02-01", "period_end": "2026-01-31"}, 400, "period_end"),
    ({"name": "x", "period_start": "2026-01-01", "period_end": "2026-01-31", "unit_ids": [987654]}, 400, "unit_ids"),
    ({"name": "x", "period_start": "2026-01-01", "period_end": "2026-01-31", "compare_to_id": 987654}, 400,
     "compare_to_id"),
    ({"name": "x", "period_start": "1月1日", "period_end": "2026-01-31"}, 422, "period_start"),
    ({"period_start": "2026-01-01", "period_end": "2026-01-31"}, 422, "name"),
])
def test_create_round_bad_requests(scheme, cast, api, body, status, field):
    refused(post(api(cast["office"]), f"/schemes/{scheme.pk}/rounds", body), status, field)
    assert not Round.objects.exists()


def test_create_round_with_a_unit_outside_the_region(scheme, cast, city, api):
    r = post(api(cast["office"]), f"/schemes/{scheme.pk}/rounds",
             {"name": "x", "period_start": "2026-01-01", "period_end": "2026-01-31",
              "unit_ids": [city["other_district"].pk]})
    refused(r, 400, "units", "市南区")


def test_no_token_is_401(scheme, client):
    r = client.post(f"{API}/schemes/{scheme.pk}/rounds", "{}", content_type="application/json")
    assert r.status_code == 401


def test_advance_step_by_step_then_publish_and_finalize(assess, cast, city, api, travel):
    office = api(cast["office"])
    with travel("2026-02-02"):
        rnd = assess.round(state="draft")
        for expected in ("collecting", "scoring"):
            r = post(office, f"/rounds/{rnd.pk}/advance", {})
            assert r.status_code == 200 and r.json()["state"] == expected, r.content
        assess.score_all(rnd, {"street_a": {}, "street_b": {}, "dept": {}, "office_unit": {}})
        refused(post(office, f"/rounds/{rnd.pk}/publish", {}), 400, match="审核中")
        r = post(office, f"/rounds/{rnd.pk}/advance", {"to": "review", "note": "评分结束"})
        assert r.json()["state"] == "review"
        refused(post(office, f"/rounds/{rnd.pk}/advance", {}), 400, match="公布")   # published has its own call
        refused(post(office, f"/rounds/{rnd.pk}/publish", {}), 400, match="未审核")
        assert post(office, f"/rounds/{rnd.pk}/approve", {}).status_code == 200
        r = post(office, f"/rounds/{rnd.pk}/publish", {"note": "第一版"})
        assert r.status_code == 200 and r.json()["revision"] == 1
        refused(post(office, f"/rounds/{rnd.pk}/finalize", {}), 400, match="申诉期")
    with travel("2026-02-20"):
        r = post(office, f"/rounds/{rnd.pk}/finalize", {"note": "定稿"})
        assert r.status_code == 200 and r.json()["state"] == "final"
    verbs = list(JournalEntry.objects.filter(object_id=str(rnd.pk), verb__startswith="assessment.round.")
                 .values_list("verb", flat=True))
    assert verbs.count("assessment.round.advance") == 3
    assert "assessment.round.publish" in verbs and "assessment.round.finalize" in verbs


def test_advance_refusals(assess, cast, api, travel):
    with travel("2026-02-02"):
        rnd = assess.round(state="draft")
    refused(post(api(cast["office"]), f"/rounds/{rnd.pk}/advance", {"to": "review"}), 400, match="不能从")
    refused(post(api(cast["leader"]), f"/rounds/{rnd.pk}/advance", {}), 403)
    refused(post(api(cast["evaluator"]), f"/rounds/{rnd.pk}/finalize", {}), 403)
    refused(post(api(cast["outsider"]), f"/rounds/{rnd.pk}/advance", {}), 404)
    rnd.refresh_from_db()
    assert rnd.state == "draft"


def test_assign_and_list_evaluators(assess, second_evaluator, cast, city, api, travel):
    with travel("2026-02-02"):
        rnd = assess.round(state="draft")
    office = api(cast["office"])
    r = post(office, f"/rounds/{rnd.pk}/evaluators", {"username": "evaluator2", "unit_ids": [city["street_a"].pk],
                                                      "indicators": ["A1", "B1"]})
    assert r.status_code == 201 and r.json() == {"assigned": 2}, r.content
    listed = office.get(f"{API}/rounds/{rnd.pk}/evaluators").json()
    assert {(e["username"], e["unit_id"], e["indicator"]) for e in listed} >= {
        ("evaluator2", city["street_a"].pk, "A1"), ("evaluator2", city["street_a"].pk, "B1")}
    # a liaison does not read a draft round at all (Round.objects.visible_to), so not who evaluates in it
    assert api(cast["liaison_a"]).get(f"{API}/rounds/{rnd.pk}/evaluators").status_code == 404
    assert JournalEntry.objects.filter(verb="assessment.evaluator.assign", changes__person=second_evaluator.pk).exists()


def test_assign_evaluator_refusals(assess, second_evaluator, cast, city, api, travel):
    with travel("2026-02-02"):
        rnd = assess.round(state="draft")
    before = EvaluatorAssignment.objects.count()
    refused(post(api(cast["evaluator"]), f"/rounds/{rnd.pk}/evaluators", {"username": "evaluator2"}), 403)
    refused(post(api(cast["outsider"]), f"/rounds/{rnd.pk}/evaluators", {"username": "evaluator2"}), 404)
    office = api(cast["office"])
    refused(post(office, f"/rounds/{rnd.pk}/evaluators", {"username": "nobody"}), 400, "username")
    refused(post(office, f"/rounds/{rnd.pk}/evaluators", {"username": "evaluator2",
                                                          "unit_ids": [city["other_district"].pk]}), 400, "unit_ids")
    refused(post(office, f"/rounds/{rnd.pk}/evaluators", {"username": "evaluator2", "indicators": ["A"]}), 400,
            "indicator")
    assert EvaluatorAssignment.objects.count() == before


def test_consequences_list_and_confirm(proposals, cast, city, api):
    office = api(cast["office"])
    listed = office.get(f"{API}/rounds/{proposals.pk}/consequences?state=proposed").json()
    assert [(c["unit_id"], c["action"], c["state"]) for c in listed] == [(city["street_a"].pk, "通报批评", "proposed")]
    cid = listed[0]["id"]
    # the unit's own liaison sees it; another street's does not
    assert [c["id"] for c in api(cast["liaison_a"]).get(f"{API}/rounds/{proposals.pk}/consequences").json()] == [cid]
    assert api(cast["liaison_b"]).get(f"{API}/rounds/{proposals.pk}/consequences").json() == []
    refused(post(api(cast["liaison_a"]), f"/consequences/{cid}/decision", {"confirm": True}), 403)
    refused(post(api(cast["liaison_b"]), f"/consequences/{cid}/decision", {"confirm": True}), 404)
    refused(post(api(cast["leader"]), f"/consequences/{cid}/decision", {"confirm": True}), 403)
    refused(post(office, "/consequences/987654/decision", {"confirm": True}), 404)
    r = post(office, f"/consequences/{cid}/decision", {"confirm": True, "note": "已通报"})
    assert r.status_code == 200 and r.json()["state"] == "confirmed" and r.json()["decided_by"] == "刘晓燕"
    refused(post(office, f"/consequences/{cid}/decision", {"confirm": False}), 400, match="已处理")
    assert JournalEntry.objects.filter(verb="assessment.consequence.confirm", object_id=str(cid)).exists()


# ---- luoshi assess … ------------------------------------------------------------------------------------------

def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_rounds_commands_create_advance_publish(assess, scheme, cast, city, travel):
    with travel("2026-02-02"):
        out = run("assess_rounds", "create", "--scheme", "test-scheme", "--name", "2026年1月", "--start",
                  "2026-01-01", "--end", "2026-01-31", "--unit", "各街道", "--unit", "区审批局")
        rnd = Round.objects.get()
        assert f"已新建考核期次 {rnd.pk}“2026年1月”" in out and "参评单位 3 个" in out
        assert "2026年1月" in run("assess_rounds", "list", "--scheme", "test-scheme")
        run("assess_evaluators", "assign", "--round", str(rnd.pk), "--person", "evaluator")
        assert "evaluator" in run("assess_evaluators", "list", "--round", str(rnd.pk))
        assert "材料报送" in run("assess_rounds", "advance", "--round", str(rnd.pk))
        assert "评分中" in run("assess_rounds", "advance", "--round", str(rnd.pk), "--to", "评分中")
        rnd.refresh_from_db()
        assess.score_all(rnd, {"street_a": {}, "street_b": {}, "dept": {}})
        run("assess_rounds", "advance", "--round", str(rnd.pk))
        with pytest.raises(CommandError, match="未审核"):
            run("assess_rounds", "publish", "--round", str(rnd.pk))
        from luoshi.assessment import services

        services.scores_approve(by=cast["office"], round=rnd)
        assert "第1版结果" in run("assess_rounds", "publish", "--round", str(rnd.pk), "--note", "公布")
    rnd.refresh_from_db()
    assert rnd.state == "published"
    entry = JournalEntry.objects.get(verb="assessment.round.create")
    assert entry.actor == cast["office"]   # the office of the owner unit acts when --as is not given


def test_rounds_command_refusals(assess, scheme, cast, travel):
    with pytest.raises(CommandError, match="不存在"):
        run("assess_rounds", "create", "--scheme", "nope", "--name", "x", "--start", "2026-01-01",
            "--end", "2026-01-31")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("assess_rounds", "create", "--scheme", "test-scheme", "--name", "x", "--start", "1月", "--end", "2026-01-31")
    with pytest.raises(CommandError, match="找不到单位"):
        run("assess_rounds", "create", "--scheme", "test-scheme", "--name", "x", "--start", "2026-01-01",
            "--end", "2026-01-31", "--unit", "火星街道")
    with pytest.raises(CommandError, match="只有主办单位的督查室/办公室可以建立考核期次"):
        run("assess_rounds", "create", "--scheme", "test-scheme", "--name", "x", "--start", "2026-01-01",
            "--end", "2026-01-31", "--as", "leader")
    assert not Round.objects.exists()
    with travel("2026-02-02"):
        rnd = assess.round(state="draft")
    with pytest.raises(CommandError, match="未知的状态"):
        run("assess_rounds", "advance", "--round", str(rnd.pk), "--to", "done")
    with pytest.raises(CommandError, match="不能从"):
        run("assess_rounds", "advance", "--round", str(rnd.pk), "--to", "review")
    with pytest.raises(CommandError, match="只有主办单位"):
        run("assess_rounds", "advance", "--round", str(rnd.pk), "--as", "evaluator")
    with pytest.raises(CommandError, match="不是本期次的参评单位"):
        run("assess_evaluators", "assign", "--round", str(rnd.pk), "--person", "evaluator", "--unit", "市南区")
    with pytest.raises(CommandError, match="末级标准"):
        run("assess_evaluators", "assign", "--round", str(rnd.pk), "--person", "evaluator", "--indicator", "Z9")
    rnd.refresh_from_db()
    assert rnd.state == "draft"


def test_consequences_commands(proposals, cast, city):
    out = run("assess_consequences", "list", "--round", str(proposals.pk))
    c = Consequence.objects.get(round=proposals)
    assert out.startswith(f"{c.pk}\t中韩街道\t连续两期街道末位\t通报批评\t第1次\t待确认")
    with pytest.raises(CommandError, match="只有主办单位的督查室/办公室可以确认后果措施"):
        run("assess_consequences", "confirm", str(c.pk), "--as", "leader")
    assert "已确认：中韩街道 通报批评" in run("assess_consequences", "confirm", str(c.pk), "--note", "已通报")
    with pytest.raises(CommandError, match="已处理"):
        run("assess_consequences", "dismiss", str(c.pk))
    with pytest.raises(CommandError, match="不存在"):
        run("assess_consequences", "confirm", "987654")
    assert run("assess_consequences", "list", "--round", str(proposals.pk), "--state", "proposed") == ""
    c.refresh_from_db()
    assert (c.state, c.decided_by, c.decision_note) == ("confirmed", cast["office"], "已通报")


def test_luoshi_assess_rounds_through_main(assess, monkeypatch, capsys, travel):
    from luoshi import cli

    monkeypatch.setattr(connections, "close_all", lambda: None)
    with travel("2026-02-02"):
        rnd = assess.round(state="draft")
        assert cli.main(["assess", "rounds", "advance", "--round", str(rnd.pk)]) == 0
        assert "材料报送" in capsys.readouterr().out
        with pytest.raises(SystemExit) as exc:
            cli.main(["assess", "rounds", "advance", "--round", str(rnd.pk), "--to", "final"])
    assert exc.value.code == 1
    assert "请使用" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli.main(["assess", "rounds", "frob"])
    assert exc.value.code == 2


def test_proposals_made_and_withdrawn_are_journalled(proposals, cast, city, travel):
    """Publishing proposed 通报批评 and an appeal that lifts the unit off the bottom withdrew it, with no journal row
    on the proposal for either; now each is journalled, with who published / decided the appeal."""
    from luoshi.assessment import services
    from luoshi.assessment.models import Indicator

    c = Consequence.objects.get(round=proposals)
    made = JournalEntry.objects.get(verb="assessment.consequence.propose", object_id=str(c.pk))
    assert made.actor == cast["office"] and made.changes["action"] == "通报批评"
    assert made.scope_path == city["street_a"].path
    leaf = Indicator.objects.get(version=proposals.version_id, code="A1")
    with travel("2026-03-03"):
        appeal = services.appeal_file(by=cast["liaison_a"], round=proposals, unit=city["street_a"], indicator=leaf,
                                      reason="组织领导材料漏评")
        services.appeal_decide(by=cast["office"], appeal=appeal, revise=True, value="20", decision="核实后改为20分")
    c.refresh_from_db()
    assert c.state == "dismissed"
    withdrawn = JournalEntry.objects.get(verb="assessment.consequence.withdraw", object_id=str(c.pk))
    assert withdrawn.actor == cast["office"] and withdrawn.changes["state"] == ["proposed", "dismissed"]


def test_a_decision_is_found_exactly_where_the_list_shows_the_row(proposals, cast, api):
    """POST …/decision answers 404 exactly for those whose consequence list lacks the row (one queryset,
    Consequence.objects.visible_to, for both)."""
    cid = Consequence.objects.get(round=proposals).pk
    for who in sorted(cast, key=lambda k: k == "office"):  # the office last: it decides
        c = api(cast[who])
        listed = c.get(f"{API}/rounds/{proposals.pk}/consequences")
        in_list = listed.status_code == 200 and cid in [row["id"] for row in listed.json()]
        status = post(c, f"/consequences/{cid}/decision", {"confirm": False, "note": "核对"}).status_code
        assert (status != 404) == in_list, (who, status, in_list)
