"""The REST API of key projects: scoped lists and details, figures, reports, and the documented refusals."""
import datetime as dt

from luoshi.projects.models import ProjectMonth


def test_api_lists_only_what_the_user_sees(proj, cast, client_for):
    code = proj["program"].code
    r = client_for(proj["builder_liaison"]).get(f"/api/projects/programs/{code}/projects")
    assert r.status_code == 200
    assert [p["code"] for p in r.json()["items"]] == ["LS-02"]
    assert client_for(proj["builder_liaison"]).get(f"/api/projects/projects/{proj['a'].pk}").status_code == 404
    r = client_for(proj["city_office"]).get(f"/api/projects/programs/{code}/projects?figure=start_due&period=2026Q1")
    assert {p["code"] for p in r.json()["items"]} == {"LS-01", "LS-02", "SN-01"}
    r = client_for(proj["city_office"]).get(f"/api/projects/programs/{code}/projects?figure=nope")
    assert r.status_code == 400 and r.json()["field"] == "figure"


def test_api_figures_and_cockpit(proj, cast, client_for, travel):
    code = proj["program"].code
    with travel("2026-03-05"):
        r = client_for(proj["city_office"]).get(f"/api/projects/programs/{code}/figures?period=2026Q1&by=type")
        assert r.status_code == 200 and r.json()["total"]["start_due"] == 3
        assert client_for(proj["city_office"]).get(f"/api/projects/programs/{code}/figures?period=xx").status_code == 400
        cockpit = client_for(cast["office"]).get("/api/projects/cockpit").json()
    assert cockpit["period"] == "2026Q1"
    [row] = cockpit["programs"]
    assert row["start_due"] == 2 and row["projects"] == 3  # the 崂山区 office: its district only
    assert row["urls"]["start_due"].startswith(f"/projects/{code}/?")


def test_api_month_report_and_refusals(proj, cast, client_for, travel):
    a = proj["a"]
    with travel("2026-02-11"):
        r = client_for(cast["liaison_a"]).post(f"/api/projects/projects/{a.pk}/months",
                                               {"month": "2026-01", "actual": "800.5"}, content_type="application/json")
        assert r.status_code == 200 and r.json()["actual_year"] == "800.50"
        r = client_for(cast["liaison_dept"]).post(f"/api/projects/projects/{a.pk}/months",
                                                  {"month": "2026-01", "actual": "1"}, content_type="application/json")
        assert r.status_code == 403  # the 审批部门 reads the project (and is told) but does not report for it
        r = client_for(cast["liaison_b"]).post(f"/api/projects/projects/{a.pk}/months",
                                               {"month": "2026-01", "actual": "1"}, content_type="application/json")
        assert r.status_code == 404
        r = client_for(cast["liaison_a"]).post(f"/api/projects/projects/{a.pk}/months",
                                               {"month": "2026-05", "actual": "1"}, content_type="application/json")
        assert r.status_code == 400 and r.json()["field"] == "month"
        r = client_for(cast["liaison_a"]).post(f"/api/projects/projects/{a.pk}/phases",
                                               {"phase": "start", "on": "2026-02-10", "text": "x"},
                                               content_type="application/json")
        assert r.status_code == 400 and "签约" in r.json()["detail"]
    assert ProjectMonth.objects.get(project=a, month=dt.date(2026, 1, 1)).actual == 800.5


def test_the_cockpit_shows_the_projects_panel_and_each_count_opens_its_list(proj, cast, client_for, travel):
    """The projects panel (projects/cockpit.py) on the leaders' cockpit: the period maps to the projects' own period,
    and every count opens a project list with exactly that many rows."""
    import datetime as dt

    from luoshi.core.cockpit import panel, period_for
    from luoshi.projects.cockpit import period_code

    quarter = period_for("quarter", dt.date(2026, 3, 5))
    assert (period_code(quarter), period_code(period_for("month", dt.date(2026, 3, 5))),
            period_code(period_for("year", dt.date(2026, 3, 5)))) == ("2026Q1", "2026-03", "2026")
    with travel("2026-03-05"):
        office = cast["office"]
        district = office.unit if office.unit.kind == "district" else office.unit.parent
        data = panel("projects").figures(office, district, quarter)
        assert data is not None
        figures = {f.key: f for f in data.figures}
        assert figures["start_rate"].suffix == "%"
        client = client_for(office)
        checked = 0
        for key in ("start_new", "produce_new", "red", "yellow"):
            f = figures[key]
            page = client.get(f.url)
            assert page.status_code == 200
            assert len(page.context["rows"]) == f.value, key
            checked += f.value
        assert client.get(f"/cockpit/?unit={district.pk}").status_code == 200
