"""Render score card pages of the bench assessment into a directory, to compare two versions of the code byte for
byte (issue #11, ADR 0022): every 150th unit of rounds 2 and 3, as the city office and as the unit's street
liaison, in 中文 and English, with the CSRF tokens blanked.

    .venv/bin/python bench/assessment_cards.py DIR          # then, with the other code on the same database:
    diff -r DIR_BEFORE DIR_AFTER
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import blank_csrf, setup_django  # noqa: E402

setup_django()

from django.test import Client  # noqa: E402

from luoshi.assessment.models import Round, RoundUnit  # noqa: E402
from luoshi.org.models import Person, Unit  # noqa: E402


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    rounds = list(Round.objects.filter(scheme__code="bench-assess").order_by("period_end"))
    office = Person.objects.get(username="bench_office")
    n = 0
    for rnd in rounds[1:]:
        ids = list(RoundUnit.objects.filter(round=rnd).order_by("unit__path").values_list("unit_id", flat=True))[::150]
        for uid in ids:
            unit = Unit.objects.get(pk=uid)
            liaison = Person.objects.filter(username=f"liaison_u{unit.parent_id}").first()
            for who, user in (("office", office), ("liaison", liaison)):
                if user is None:
                    continue
                for lang in ("zh-hans", "en"):
                    c = Client()
                    c.force_login(user)
                    c.cookies["django_language"] = lang
                    r = c.get(f"/assess/rounds/{rnd.pk}/units/{uid}/")
                    html = blank_csrf(r.content.decode())
                    (out / f"r{rnd.pk}-u{uid}-{who}-{lang}.html").write_text(f"{r.status_code}\n{html}")
                    n += 1
    print(n, "pages →", out)


if __name__ == "__main__":
    main()
