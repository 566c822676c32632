"""Key projects at city scale (issue #13): 5,000 projects × 36 monthly reports; the project list and the figures page
for the whole city, one client, nothing cached, p95 ≤ 60 ms; a 1,000-row project sheet imported in ≤ 3 s.

    LUOSHI_VAR_DIR=/tmp/bench_projects .venv/bin/python manage.py migrate
    LUOSHI_VAR_DIR=/tmp/bench_projects .venv/bin/python bench/projects.py [--requests 60]

Builds its data once (program bench-projects in the 青岛 unit tree, written in bulk, then the figures rebuilt and the
daily lights run), then times each page in-process with django.test.Client (the same code path as the server,
without the network) and the import of a generated 1,000-row sheet into a second program (bench-projects-import).
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402

setup_django()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from luoshi.core import clock  # noqa: E402
from luoshi.core.presets import preset_load  # noqa: E402
from luoshi.org.models import Person, Role, Unit  # noqa: E402
from luoshi.org.services import grant_role, person_create  # noqa: E402
from luoshi.projects import figures, services  # noqa: E402
from luoshi.projects.models import Project, ProjectConfig, ProjectMonth, ProjectUnit, UnitRole  # noqa: E402

CODE, IMPORT_CODE, N, MONTHS = "bench-projects", "bench-projects-import", 5000, 36


def _program(code: str, year: int):
    existing = ProjectConfig.objects.filter(program__code=code).select_related("program").first()
    if existing:
        return existing.program
    if not Unit.objects.filter(name="青岛市").exists():
        preset_load(by=None, name="qingdao")
    program = preset_load(by=None, name="xiangmu-luodi", year=year)["program"]
    program.code = code
    program.save(update_fields=["code"])
    return program


def build(year: int):
    program = _program(CODE, year)
    office = Person.objects.filter(username="bench_projects_office").first()
    if office is None:
        office = person_create(by=None, username="bench_projects_office", full_name="项目办",
                               unit=program.owner_unit)
        grant_role(by=None, person=office, role=Role.OFFICE, unit=program.owner_unit)
    if Project.objects.filter(program=program).count() >= N:
        return program, office
    rng = random.Random(5)
    districts = list(Unit.objects.filter(kind="district").order_by("path"))
    streets = {d.pk: list(Unit.objects.filter(parent=d, kind="street")) or [d] for d in districts}
    types = [t["code"] for t in program.projects_config.types]
    now = clock.now()
    first = dt.date(year - 2, 1, 1)
    t0 = time.perf_counter()
    with transaction.atomic():
        rows = []
        for i in range(N):
            d = districts[i % len(districts)]
            plan_start = first + dt.timedelta(days=rng.randint(0, 3 * 365))
            started = plan_start + dt.timedelta(days=rng.randint(-20, 90))
            produce = plan_start + dt.timedelta(days=rng.randint(200, 500))
            rows.append(Project(
                program=program, code=f"B{i:05d}", name=f"项目{i}", type=types[i % len(types)], district=d,
                street=rng.choice(streets[d.pk]), lead_unit=d, builder_name=f"建设单位{i % 300}",
                total_investment=Decimal(50000), annual_plan=Decimal(12000), plan_sign=plan_start - dt.timedelta(days=60),
                plan_start=plan_start, plan_produce=produce, sign_on=plan_start - dt.timedelta(days=55),
                start_on=started if started < clock.today() else None,
                produce_on=produce if produce < clock.today() - dt.timedelta(days=60) else None,
                created_at=now, updated_at=now))
        Project.objects.bulk_create(rows, batch_size=1000)
        projects = list(Project.objects.filter(program=program).select_related("street"))
        paths = dict(Unit.objects.values_list("pk", "path"))
        ProjectUnit.objects.bulk_create(
            [ProjectUnit(project=p, unit_id=p.lead_unit_id, unit_path=paths[p.lead_unit_id], role=UnitRole.LEAD)
             for p in projects] +
            [ProjectUnit(project=p, unit_id=p.street_id, unit_path=paths[p.street_id], role=UnitRole.LOCATION)
             for p in projects], batch_size=2000)
        months = []
        for p in projects:
            for k in range(MONTHS):
                m = dt.date(first.year + k // 12, k % 12 + 1, 1)
                months.append(ProjectMonth(project=p, month=m, planned=Decimal(1000),
                                           actual=Decimal(rng.randint(600, 1200)) if m < clock.today() else None))
            if len(months) >= 20000:
                ProjectMonth.objects.bulk_create(months, batch_size=5000)
                months = []
        ProjectMonth.objects.bulk_create(months, batch_size=5000)
    print(f"built {N} projects × {MONTHS} months in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    services.lights_run(notify=False)
    print(f"daily lights and figures rebuild: {time.perf_counter() - t0:.1f} s")
    return program, office


def _street_liaison(program):
    """A liaison of the first district's first street: reads that street's projects and their figures (`unit` rows)."""
    person = Person.objects.filter(username="bench_projects_street").first()
    if person is None:
        street = Unit.objects.filter(kind="street", parent__kind="district").order_by("path").first()
        person = person_create(by=None, username="bench_projects_street", full_name="街道联络员", unit=street)
        grant_role(by=None, person=person, role=Role.LIAISON, unit=street)
    return person


def time_pages(program, office, n: int) -> None:
    client = Client()
    client.force_login(office)
    base = f"/projects/{program.code}/"
    pages = [("project list", base), ("project list, page 40", base + "?page=40"),
             ("list behind 开工率", base + f"?figure=start_met&period={clock.today().year}Q1"),
             ("list red", base + "?light=red"),
             ("figures by district", base + "figures/"), ("figures by type", base + "figures/?by=type"),
             ("figures, a year", base + f"figures/?period={clock.today().year}")]
    print(f"{connection.vendor}: {n} requests per page, 1 client, nothing cached")
    street_client = Client()
    street_client.force_login(_street_liaison(program))
    for label, url in pages + [("figures, a 镇街 liaison", base + "figures/"), ("list, a 镇街 liaison", base)]:
        client_for_page = street_client if "liaison" in label else client
        assert client_for_page.get(url).status_code == 200, url
        times, cpu = [], []
        for _ in range(n):
            t0, c0 = time.perf_counter(), time.process_time()
            r = client_for_page.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            assert r.status_code == 200
        times.sort()
        cpu.sort()
        p95, cpu95 = times[int(len(times) * 0.95) - 1], cpu[int(len(cpu) * 0.95) - 1]
        # wall time waits for a core on a loaded machine; CPU time (SQLite runs in this process) is the page's own cost
        print(f"  {label:<22} wall p50 {statistics.median(times):6.1f} p95 {p95:6.1f} ms · "
              f"CPU p50 {statistics.median(cpu):6.1f} p95 {cpu95:6.1f} ms")


def _sheet(districts, *, total: str, monthly: int) -> bytes:
    from luoshi.core.excel import workbook_new

    wb = workbook_new()
    ws = wb.active
    ws.append(["项目编号", "项目名称", "项目类型", "所在区市", "主抓单位", "建设单位", "总投资（万元）", "年度计划投资（万元）",
               "计划开工", "计划投产"] + [f"{m}月计划" for m in range(1, 13)])
    for i in range(1000):
        d = districts[i % len(districts)]
        ws.append([f"I{i:05d}", f"导入项目{i}", "产业项目", d.name, d.name, f"企业{i}", total, "12000万元", "二季度",
                   "年底前"] + [monthly] * 12)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def time_import(year: int) -> None:
    """A first import of 1,000 new rows (or, when the program has them from an earlier run, an update of all), then
    a re-import of the same 1,000 projects with every amount changed, then one with nothing changed."""
    from luoshi.projects.excel import projects_import_xlsx

    program = _program(IMPORT_CODE, year)
    office = Person.objects.get(username="bench_projects_office")  # office over the same owner unit
    districts = list(Unit.objects.filter(kind="district").order_by("path"))
    first = Project.objects.filter(program=program).exists()
    sheets = [("first" if not first else "again", _sheet(districts, total="2亿元", monthly=1000 + first)),
              ("all existing, amounts changed", _sheet(districts, total="3亿元", monthly=1100)),
              ("all existing, nothing changed", _sheet(districts, total="3亿元", monthly=1100))]
    for label, data in sheets:
        t0, c0 = time.perf_counter(), time.process_time()
        report = projects_import_xlsx(by=office, program=program, data=data, source="bench.xlsx")
        print(f"import of 1,000 rows, {label} ({report.created} created, {report.updated} updated, "
              f"{report.unchanged} unchanged): wall {time.perf_counter() - t0:.2f} s, "
              f"CPU {time.process_time() - c0:.2f} s")
    assert figures.program_check(program.pk) == []


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()
    year = clock.today().year
    program, office = build(year)
    time_pages(program, office, args.requests)
    if not args.skip_import:
        time_import(year)


if __name__ == "__main__":
    main()
