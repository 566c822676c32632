"""Render task list pages of the bench city into a directory, to compare two versions of the code byte for byte
(issue #11, as bench/ledger_lists.py does for the ledger list): the city office, two district offices, a city leader,
two district leaders, three street liaisons and a department's liaison; two city programs and two districts'
programs; every status, pages 1, 2, the last and one past it; the unit (lead, own), 责任领导, category, text and
"mine" filters, refused values, the htmx partial; 中文 and English for some. CSRF tokens are blanked.

    .venv/bin/python bench/task_lists.py DIR          # then, with the other code on the same database:
    diff -r DIR_BEFORE DIR_AFTER
"""
import re
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import blank_csrf, setup_django, status_page_queries, write_list_pages  # noqa: E402

setup_django()

from django.test import Client  # noqa: E402

from luoshi.org.models import Person, Unit, UnitKind  # noqa: E402
from luoshi.programs.models import Program  # noqa: E402
from luoshi.tasks.models import Task, TaskAssignment  # noqa: E402

STATUSES = ("", "red", "yellow", "normal", "extended", "closed")
PROGRAMS = ("bench-city-1", "bench-city-2", "bench-d01-1", "bench-d05-1")


def people() -> dict[str, Person]:
    d01, d05 = Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("sort_order", "id")[:5:4]
    streets = list(Unit.objects.filter(kind=UnitKind.STREET, parent=d01).order_by("sort_order", "id"))
    dept = Unit.objects.filter(kind=UnitKind.DEPARTMENT).order_by("sort_order", "id").first()
    who = {"office": "bench_office", "office_d01": "office_d01", "office_d05": "office_d05",
           "leader_city": "leader_city_1", "leader_d01": "leader_d01_1", "leader_d05": "leader_d05_1",
           "liaison_0": f"liaison_u{streets[0].pk}", "liaison_3": f"liaison_u{streets[3].pk}",
           "liaison_last": f"liaison_u{streets[-1].pk}"}
    if dept is not None:
        who["liaison_dept"] = f"liaison_u{dept.pk}"
    out = {k: Person.objects.filter(username=v).first() for k, v in who.items()}
    return {k: v for k, v in out.items() if v is not None}


def queries(program: Program, total_pages) -> list[str]:
    out = status_page_queries(STATUSES, total_pages)
    task = Task.objects.filter(program=program, parent=None).exclude(category="").order_by("sort_order", "id").first()
    lead = TaskAssignment.objects.filter(program=program, role="lead").order_by("id").first()
    district = Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("sort_order", "id").first()
    leader = task.leaders.order_by("id").first() if task else None
    if lead is not None:
        out += [f"unit={lead.unit_id}&role=lead", f"unit={lead.unit_id}&role=own", f"unit={lead.unit_id}",
                f"unit={district.pk}&role=lead&status=red", f"unit={district.pk}&role=lead&page=3"]
    if leader is not None:
        out += [f"leader={leader.pk}", f"leader={leader.pk}&status=red", f"leader={leader.pk}&page=2"]
    if task is not None:
        out += [f"category={quote(task.category)}&top=1", f"category={quote(task.category)}&top=1&status=closed",
                f"q={quote(task.title[:4])}", f"q={task.code}"]
    out += ["mine=on", "mine=on&status=red", "mine=on&page=2", "page=0", "page=-3", "page=x", "page=99999999999999",
            "status=nonsense", "status=red&page=x", "unit=999999999", "leader=abc", "q=%3Cb%3E"]
    return out


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    programs = list(Program.objects.filter(code__in=PROGRAMS).order_by("code"))
    for who, user in people().items():
        c = Client()
        c.force_login(user)
        for program in programs:
            base = f"/programs/{program.code}/tasks/"

            def total_pages(status: str) -> int:
                c.cookies["django_language"] = "zh-hans"
                html = c.get(base + (f"?status={status}" if status else "")).content.decode()
                pager = re.search(r"第 1 / (\d+) 页", html)  # the pager, when there is more than one page
                return int(pager.group(1)) if pager else 1

            if c.get(base).status_code == 404:  # a program they do not read: once
                (out / f"{who}-{program.code}-404.html").write_text(blank_csrf(c.get(base).content.decode()))
                n += 1
                continue
            n += write_list_pages(c, out, f"{who}-{program.code}", base, queries(program, total_pages))
    print(n, "pages →", out)


if __name__ == "__main__":
    main()
