"""Render ledger list pages of the bench city into a directory, to compare two versions of the code byte for byte
(issue #11, as bench/assessment_cards.py does for the score card): the city office, two district offices, a district
leader, an inspection group member and three street liaisons; every status, pages 1, 2, the last and one past it;
the unit, source, category, overdue, repeat, date and text filters, refused values, the htmx partial; 中文 and
English for some. CSRF tokens are blanked.

    .venv/bin/python bench/ledger_lists.py DIR          # then, with the other code on the same database:
    diff -r DIR_BEFORE DIR_AFTER

Needs bench/ledger_data.py's program (bench-ledger).
"""
import re
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django, status_page_queries, write_list_pages  # noqa: E402

setup_django()

from django.test import Client  # noqa: E402

from luoshi.ledger.models import Finding, InspectionGroup, ProblemCategory  # noqa: E402
from luoshi.org.models import Person, Unit, UnitKind  # noqa: E402

CODE = "bench-ledger"
STATUSES = ("", "recorded", "assigned", "rectifying", "submitted", "closed")


def people() -> dict[str, Person]:
    d01, d05 = Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("sort_order", "id")[:5:4]
    streets = list(Unit.objects.filter(kind=UnitKind.STREET, parent__in=[d01, d05]).order_by("sort_order", "id"))
    member = InspectionGroup.objects.filter(program__code=CODE, is_active=True).values_list("members", flat=True)
    who = {"office": "bench_office", "office_d01": "office_d01", "office_d05": "office_d05",
           "leader_d01": "leader_d01_1"} | {f"liaison_{i}": f"liaison_u{s.pk}" for i, s in
                                            enumerate([streets[0], streets[3], streets[-1]])}
    out = {k: Person.objects.filter(username=v).first() for k, v in who.items()}
    inspector = Person.objects.filter(pk__in=member).exclude(username__in=who.values()).order_by("pk").first()
    if inspector is not None:
        out["inspector"] = inspector
    return {k: v for k, v in out.items() if v is not None}


def queries(unit: Unit, category: ProblemCategory, total_pages) -> list[str]:
    out = status_page_queries(STATUSES, total_pages)
    out += [f"unit={unit.pk}", f"unit={unit.pk}&status=rectifying", f"unit={unit.pk}&source=inspection",
            f"unit={unit.pk}&page=3", f"category={category.pk}", "source=undercover&severity=major", "overdue=on",
            "status=rectifying&overdue=on", "repeat=on", "found_from=2026-11-01&found_to=2026-11-30",
            f"q={quote('垃圾')}", f"q={quote('垃圾')}&page=5", "q=%3Cb%3E", "status=nonsense&page=x",
            "found_from=0001-01-01&unit=999999999", "category=abc&source=x"]
    return out


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    unit = Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("sort_order", "id").first()
    category = ProblemCategory.objects.filter(program__code=CODE).order_by("sort_order", "id").first()
    n = 0
    for who, user in people().items():
        c = Client()
        c.force_login(user)

        def total_pages(status: str) -> int:
            html = c.get(f"/programs/{CODE}/ledger/" + (f"?status={status}" if status else "")).content.decode()
            pager = re.search(r"<span>1 / (\d+)</span>", html)  # the pager, when there is more than one page
            return int(pager.group(1)) if pager else 1

        n += write_list_pages(c, out, who, f"/programs/{CODE}/ledger/", queries(unit, category, total_pages))
    print(n, "pages →", out, "(findings:", Finding.objects.filter(program__code=CODE).count(), ")")


if __name__ == "__main__":
    main()
