"""Phase and investment rules with time travel, and the figures against a hand-computed fixture."""
import datetime as dt
from decimal import Decimal

import pytest

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.models import JournalEntry
from luoshi.projects import figures, selectors, services
from luoshi.projects.models import Light, Project

D = Decimal


def report_history(proj, cast, travel):
    """a: 签约 1-20, 落地 2-01, 开工 2-10 (plan 2-28); d (市南): 开工 3-10 (plan 2-15, late). Monthly investment:
    a 800 + 1200 (+ March 2000 reported in April), b 500, d 3000 + 1000."""
    a, b, d = proj["a"], proj["b"], proj["d"]
    la, lb, out = cast["liaison_a"], cast["liaison_b"], cast["outsider"]
    with travel("2026-02-11"):
        for phase, day in (("sign", "2026-01-20"), ("land", "2026-02-01"), ("start", "2026-02-10")):
            services.phase_report(by=la, project=a, phase=phase, on=dt.date.fromisoformat(day), text="现场照片见附件",
                                  files=[("开工.pdf", b"%PDF-1.4 test")])
        services.month_report(by=la, project=a, month=dt.date(2026, 1, 1), actual=D(800))
        services.month_report(by=lb, project=b, month=dt.date(2026, 1, 1), actual=D(500))
        services.month_report(by=out, project=d, month=dt.date(2026, 1, 1), actual=D(3000))
    with travel("2026-03-05"):
        services.month_report(by=la, project=a, month=dt.date(2026, 2, 1), actual=D(1200), note="设备进场")
        services.month_report(by=out, project=d, month=dt.date(2026, 2, 1), actual=D(1000))
    with travel("2026-03-10"):
        for phase in ("sign", "land", "start"):
            services.phase_report(by=out, project=d, phase=phase, on=dt.date(2026, 3, 10), text="开工仪式")
    with travel("2026-04-02"):
        services.month_report(by=la, project=a, month=dt.date(2026, 3, 1), actual=D(2000))


def test_figures_match_the_hand_computed_fixture(proj, cast, travel):
    report_history(proj, cast, travel)
    program = proj["program"]
    q1 = figures.period_parse("2026Q1", today=dt.date(2026, 4, 2))
    total = figures.figures_by_key(program.pk, "all", q1)[""]
    # due by 3-31: a (2-28), b (3-31), d (2-15); met by 3-31: a, d; new in Q1: a (2-10), d (3-10)
    assert (total.start_due, total.start_met, total.start_new) == (3, 2, 2)
    assert total.start_rate == D("66.7")
    # plan Q1: a 4000, b 1500, d 6000; actual: a 4000, b 500, d 4000
    assert (total.plan, total.actual) == (D(11500), D(8500))
    assert total.invest_rate == D("73.9")
    assert total.projects == 4
    feb = figures.period_parse("2026-02", today=dt.date(2026, 4, 2))
    f = figures.figures_by_key(program.pk, "all", feb)[""]
    assert (f.start_due, f.start_met, f.start_new, f.start_rate) == (2, 1, 1, D("50.0"))
    laoshan = figures.figures_by_key(program.pk, "district", q1)[str(proj["a"].district_id)]
    assert (laoshan.start_due, laoshan.start_met, laoshan.projects) == (2, 1, 3)
    assert (laoshan.plan, laoshan.actual, laoshan.invest_rate) == (D(5500), D(4500), D("81.8"))
    by_type = figures.figures_by_key(program.pk, "type", q1)
    assert by_type["livelihood"].start_due == 1 and by_type["industry"].start_met == 2
    assert figures.figures_by_key(program.pk, "leader", q1)[str(proj["city_leader"].pk)].start_met == 1
    assert figures.figures_by_key(program.pk, "area", q1)[str(proj["zone"].pk)].projects == 1
    assert figures.program_check(program.pk) == []


def test_every_number_equals_the_list_behind_it(proj, cast, travel):
    report_history(proj, cast, travel)
    program, config = proj["program"], proj["config"]
    with travel("2026-04-02"):
        services.lights_run(notify=False)
        q1 = figures.period_parse("2026Q1", today=dt.date(2026, 4, 2))
        for dim in ("district", "type", "leader", "area"):
            table = selectors.figure_table(proj["city_office"], program, config, dim, q1)
            for row in table["rows"] + [table["total"]]:
                for figure in selectors.LIST_FIGURES:
                    listed = selectors.project_list(proj["city_office"], program, selectors.ListFilter(
                        dim=table["dim"] if row["key"] else "", key=row["key"], figure=figure, period=q1)).count()
                    assert listed == row[figure], (dim, row["label"], figure)
    assert figures.program_check(program.pk) == []


def test_lights_follow_the_clock(proj, cast, travel):
    b = proj["b"]
    with travel("2026-03-31"):
        services.lights_run(notify=False)
        b.refresh_from_db()
        # January and February planned 1,000, nothing reported: below 70% → 红
        assert b.light == Light.RED and "投资完成 0.0%" in b.light_reason
    with travel("2026-03-31"):
        services.month_report(by=cast["liaison_b"], project=b, month=dt.date(2026, 1, 1), actual=D(500))
        services.month_report(by=cast["liaison_b"], project=b, month=dt.date(2026, 2, 1), actual=D(450))
        b.refresh_from_db()
        assert b.light == Light.GREEN  # 950 of 1,000 = 95%; the start date (3-31) is today, not past
    with travel("2026-04-01"):
        services.lights_run(notify=False)
        b.refresh_from_db()
        # March's 500 is now due too (950 of 1,500 = 63.3% → 红), and the start date passed by one day
        assert b.light == Light.RED
        assert "计划开工日期2026-03-31已过 1 天" in b.light_reason
        services.month_report(by=cast["liaison_b"], project=b, month=dt.date(2026, 3, 1), actual=D(500))
        b.refresh_from_db()
        assert b.light == Light.YELLOW  # investment fine (97%), start late by 1 day
    with travel("2026-05-02"):
        services.lights_run(notify=False)
        b.refresh_from_db()
        assert b.light == Light.RED and "已过 32 天" in b.light_reason
    assert figures.program_check(proj["program"].pk) == []


def test_turning_red_tells_the_units_concerned(proj, cast, travel):
    from luoshi.core.models import Notification

    with travel("2026-03-31"):
        services.lights_run(notify=True)
    told = set(Notification.objects.filter(kind="projects_behind", url__endswith=f"/p/{proj['b'].pk}/")
               .values_list("recipient__username", flat=True))
    # 主抓单位 沙子口街道, 建设单位 金家岭控股 and its 主管部门 区审批局
    assert {"liaison_b", "builder_liaison", "liaison_dept"} <= told
    assert "liaison_a" not in told and "outsider" not in told


def test_phase_rules_refuse_out_of_order_and_future(proj, cast, travel):
    a = proj["a"]
    with travel("2026-02-11"):
        with pytest.raises(ServiceError, match="请先报送“签约、落地”"):
            services.phase_report(by=cast["liaison_a"], project=a, phase="start", on=dt.date(2026, 2, 10), text="x")
        with pytest.raises(ServiceError, match="不能晚于今天"):
            services.phase_report(by=cast["liaison_a"], project=a, phase="sign", on=dt.date(2026, 2, 12), text="x")
        with pytest.raises(ServiceError, match="佐证材料"):
            services.phase_report(by=cast["liaison_a"], project=a, phase="sign", on=dt.date(2026, 2, 1))
        services.phase_report(by=cast["liaison_a"], project=a, phase="sign", on=dt.date(2026, 2, 1), text="签约")
        with pytest.raises(ServiceError, match="不能早于签约日期"):
            services.phase_report(by=cast["liaison_a"], project=a, phase="land", on=dt.date(2026, 1, 30), text="x")
        with pytest.raises(ServiceError, match="未来月份"):
            services.month_report(by=cast["liaison_a"], project=a, month=dt.date(2026, 3, 1), actual=D(1))
        with pytest.raises(ServiceError, match="超过项目总投资"):
            services.month_report(by=cast["liaison_a"], project=a, month=dt.date(2026, 1, 1), actual=D(60000))
        with pytest.raises(PermissionDeniedError):
            services.month_report(by=cast["liaison_b"], project=a, month=dt.date(2026, 1, 1), actual=D(1))
    a.refresh_from_db()
    assert a.sign_on == dt.date(2026, 2, 1) and a.start_on is None


def test_writes_journal(proj, cast, travel):
    with travel("2026-02-11"):
        services.month_report(by=cast["liaison_a"], project=proj["a"], month=dt.date(2026, 1, 1), actual=D(700))
        services.month_report(by=cast["liaison_a"], project=proj["a"], month=dt.date(2026, 1, 1), actual=D(800))
    rows = list(JournalEntry.objects.filter(verb="projects.month_report", object_id=str(proj["a"].pk)).order_by("id"))
    assert [r.changes["actual"] for r in rows] == [[None, "700.00"], ["700.00", "800.00"]]
    assert JournalEntry.objects.filter(verb="projects.project_save").count() == 4


def test_light_rule_is_pure(proj):
    config = proj["config"]
    p = Project(plan_start=dt.date(2026, 3, 1), plan_sign=dt.date(2026, 1, 1), sign_on=dt.date(2026, 1, 2))
    months = [(dt.date(2026, 1, 1), D(100), D(95)), (dt.date(2026, 2, 1), D(100), D(80))]
    r = figures.project_light(p, config, months, today=dt.date(2026, 3, 1))
    # the start date is today (not past); 175 of 200 = 87.5%: below 90% → 黄
    assert (r.light, r.plan_to_date, r.actual_to_date) == (Light.YELLOW, D(200), D(175))
    r = figures.project_light(p, config, months, today=dt.date(2026, 3, 31))
    assert r.light == Light.YELLOW and "已过 30 天" in r.reason  # 30 days late is still 黄 (red after 30)
    r = figures.project_light(p, config, months, today=dt.date(2026, 4, 1))
    assert r.light == Light.RED and "已过 31 天" in r.reason


def test_period_parse_refuses_nonsense():
    with pytest.raises(ValueError, match="无法识别"):
        figures.period_parse("2026Q5", today=dt.date(2026, 1, 1))
    assert figures.period_parse("", today=dt.date(2026, 5, 1)).code == "2026Q2"
    assert figures.period_parse("2026-3", today=dt.date(2026, 5, 1)).code == "2026-03"
