"""Render the 工作台 of every person of the bench city into a directory, to compare two versions of the code byte for
byte (issue #11, as bench/ledger_lists.py does for the ledger list): the administrator, the city office, the city and
district leaders, every district office, every street and department liaison and the other accounts (evaluators,
experts: `?board` shows them the page instead of sending them to 待办), in 中文 and English. CSRF tokens are blanked.

    .venv/bin/python bench/workbench_pages.py DIR          # then, with the other code on the same database:
    diff -r DIR_BEFORE DIR_AFTER
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import blank_csrf, setup_django  # noqa: E402

setup_django()

from django.test import Client  # noqa: E402

from luoshi.org.models import Person  # noqa: E402


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for user in Person.objects.filter(is_active=True).order_by("username"):
        c = Client()
        c.force_login(user)
        for lang in ("zh-hans", "en"):
            c.cookies["django_language"] = lang
            r = c.get("/?board")
            html = blank_csrf(r.content.decode())
            (out / f"{user.username}-{lang}.html").write_text(f"{r.status_code}\n{html}")
            n += 1
    print(n, "pages →", out)


if __name__ == "__main__":
    main()
