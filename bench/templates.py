"""What rendering the task list's rows costs, per template approach (docs/adr/0043-jinja2-templates.md, 0009).

    .venv/bin/python bench/templates.py [--rows 100] [--renders 200] [--program bench-city-1] [--language zh-hans]

Reads the first `--rows` tasks of a program of the bench dataset (bench/generate.py) once, then renders the same
rows, with the same markup, `--renders` times in-process with each approach and prints the milliseconds of one
render (CPU time of the process, best of 5 runs of `--renders`, so that other work on the machine counts as little as
possible):

- jinja2, the project's partial tasks/_task_table.html through the project's engine (luoshi.core.jinja: `t.code`
  looks a dict's key up first), fed with the plain values of tasks.views.task_table_rows; "prepare" is the time of
  building those values from the selector's dicts.
- jinja2, stock lookups: the same partial in a plain Jinja2 environment, where `t.code` tries an attribute before
  the key (what `luoshi.core.jinja.LuoshiEnvironment.getattr` saves).
- django templates: the same partial as it was written for Django's templates before ADR 0043 (cached, plain values).
- python: the rows as one f-string per row with escape() (the floor; the project does not build HTML in Python).

Every approach must produce the same HTML as the project's partial (compared with whitespace squeezed), or the
script stops: a faster template that says something else is no result.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CITY_PROGRAMS, setup_django  # noqa: E402

setup_django()

from django.template import engines  # noqa: E402
from django.template.loader import get_template  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import translation  # noqa: E402
from django.utils.html import escape  # noqa: E402

from luoshi.programs.models import Program  # noqa: E402
from luoshi.tasks import selectors  # noqa: E402
from luoshi.tasks.models import Task  # noqa: E402
from luoshi.tasks.views import task_table_rows  # noqa: E402

# tasks/_task_table.html as it was written for Django's templates before ADR 0043 (same markup, same msgids)
DJANGO_PLAIN = """{% load i18n %}{% translate "进度" as progress_label %}{% translate "子任务：" as subtasks_label %}
<table class="table tasks"><thead><tr><th>{% translate "编号" %}</th><th>{% translate "任务内容" %}</th><th>{% translate "牵头单位" %}</th><th>{% translate "责任领导" %}</th><th>{% translate "完成时限" %}</th><th class="num">{% translate "进度" %}</th><th>{% translate "状态" %}</th></tr></thead><tbody>
{% for t in tasks %}<tr><td class="code">{{ t.code }}</td><td>{% if t.child %}<span class="muted">↳ </span>{% endif %}<a href="{{ t.url }}">{{ t.title }}</a>{% if t.category %}<br><small class="muted">{{ t.category }}</small>{% endif %}{% if t.rollup %}<br><small class="rollup">{{ subtasks_label }}{% for css, text in t.rollup %}{% if css %}<span class="{{ css }}">{{ text }}</span>{% else %}{{ text }}{% endif %}{% if not forloop.last %} {% endif %}{% endfor %}</small>{% endif %}</td><td>{{ t.units }}</td><td>{{ t.leaders }}</td><td>{{ t.deadline }}{% if t.extended %}<br><small>{{ t.extended }}</small>{% endif %}</td><td class="num"><progress max="100" value="{{ t.progress }}" aria-label="{{ progress_label }}">{{ t.progress }}%</progress> {{ t.progress }}%</td><td><span class="pill {{ t.status }}" title="{{ t.reason }}">{{ t.label }}</span>{% if t.note %}<br><small class="muted">{{ t.note }}</small>{% endif %}</td></tr>
{% empty %}<tr><td colspan="7" class="muted">{% translate "没有符合条件的任务。" %}</td></tr>{% endfor %}
</tbody></table>
"""


NUM = ' class="num"'


def python_rows(rows: list[dict]) -> str:
    """The floor: the same markup as one f-string per row."""
    from django.utils.translation import gettext as _

    head = "".join(f"<th{NUM if h == '进度' else ''}>{escape(_(h))}</th>"
                   for h in ("编号", "任务内容", "牵头单位", "责任领导", "完成时限", "进度", "状态"))
    progress, subtasks = escape(_("进度")), escape(_("子任务："))
    out = [f'<table class="table tasks"><thead><tr>{head}</tr></thead><tbody>']
    for t in rows:
        cell = ['<span class="muted">↳ </span>' if t["child"] else "", f'<a href="{escape(t["url"])}">{escape(t["title"])}</a>']
        if t["category"]:
            cell.append(f'<br><small class="muted">{escape(t["category"])}</small>')
        if t["rollup"]:
            parts = " ".join(f'<span class="{css}">{escape(text)}</span>' if css else escape(text) for css, text in t["rollup"])
            cell.append(f'<br><small class="rollup">{subtasks}{parts}</small>')
        ext = f'<br><small>{escape(t["extended"])}</small>' if t["extended"] else ""
        note = f'<br><small class="muted">{escape(t["note"])}</small>' if t["note"] else ""
        out.append(f'<tr><td class="code">{escape(t["code"])}</td><td>{"".join(cell)}</td><td>{escape(t["units"])}</td>'
                   f'<td>{escape(t["leaders"])}</td><td>{escape(t["deadline"])}{ext}</td><td class="num">'
                   f'<progress max="100" value="{t["progress"]}" aria-label="{progress}">{t["progress"]}%</progress> '
                   f'{t["progress"]}%</td><td><span class="pill {escape(t["status"])}" title="{escape(t["reason"])}">'
                   f'{escape(t["label"])}</span>{note}</td></tr>')
    out.append("</tbody></table>")
    return "\n".join(out)


def stock_jinja2_template():
    """The project's partial (without its pager) in a stock Jinja2 environment with the same gettext."""
    import jinja2
    from django.utils.translation import gettext, ngettext

    env = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"], auto_reload=False)
    env.install_gettext_callables(gettext, ngettext, newstyle=False)
    source = Path(__file__).resolve().parent.parent.joinpath("luoshi/tasks/templates/tasks/_task_table.html").read_text()
    return env.from_string(source.replace('{% include "core/_pager.html" %}', ""))


def squeeze(html: str) -> str:
    """Whitespace between tags and before a closing tag does not show."""
    return re.sub(r"\s+</", "</", re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html)))).strip()


def best_ms(fn, renders: int) -> float:
    """CPU time of this process (not wall time), so that other processes on a busy machine count less."""
    return min(timeit.repeat(fn, number=renders, repeat=5, timer=time.process_time)) / renders * 1000


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=100)
    p.add_argument("--renders", type=int, default=200)
    p.add_argument("--program", default=CITY_PROGRAMS[0])
    p.add_argument("--language", default="zh-hans")
    args = p.parse_args()
    program = Program.objects.filter(code=args.program).first()
    if program is None:
        sys.exit(f"No program {args.program}: run bench/generate.py first (or pass --program).")
    translation.activate(args.language)
    # the first rows, as the page reads them; tasks with subtasks, extended deadlines and reasons are among them
    values = list(Task.objects.filter(program=program, is_archived=False).order_by("sort_order", "id")
                  .values(*selectors.TASK_ROW_FIELDS)[:args.rows])
    rollups = selectors.children_rollup(r["id"] for r in values)
    objects = list(Task.objects.filter(pk__in=[r["id"] for r in values]).order_by("sort_order", "id"))
    for t in objects:
        t.rollup = rollups.get(t.pk)
    plain = task_table_rows(values, rollups)
    print(f"{len(plain)} rows of {program.code} ({sum(1 for r in plain if r['rollup'])} with subtasks, "
          f"{sum(1 for r in plain if r['extended'])} extended, {sum(1 for r in plain if r['note'])} with a reason), "
          f"language {args.language}, best of 5 × {args.renders} renders")

    partial = get_template("tasks/_task_table.html")
    stock, django_partial = stock_jinja2_template(), engines["django"].from_string(DJANGO_PLAIN)
    reference = squeeze(partial.render({"tasks": plain}).replace(squeeze(get_template("core/_pager.html").render({})), ""))
    approaches = {
        "jinja2, the project's (tasks/_task_table.html)": lambda: partial.render({"tasks": plain}),
        "jinja2, stock lookups (t.code: attribute first)": lambda: stock.render(tasks=plain),
        "django templates (the partial before ADR 0043)": lambda: django_partial.render({"tasks": plain}),
        "python f-strings (floor)": lambda: python_rows(plain),
    }
    reverse("task_detail", args=[1])  # warm the URL resolver
    print(f"{'approach':<52} {'ms/render':>10} {'µs/row':>8}")
    prepare = best_ms(lambda: task_table_rows(values, rollups), args.renders)
    print(f"{'prepare plain values (tasks.views.task_table_rows)':<52} {prepare:10.3f} {prepare * 1000 / len(plain):8.1f}")
    for name, fn in approaches.items():
        out = squeeze(squeeze(fn()).replace(squeeze(get_template("core/_pager.html").render({})), ""))
        if out != reference:
            at = next((i for i, (a, b) in enumerate(zip(out, reference)) if a != b), min(len(out), len(reference)))
            sys.exit(f"{name}: renders different HTML than the project's partial from character {at}:\n"
                     f"{out[max(0, at - 300):at + 300]}\n---\n{reference[max(0, at - 300):at + 300]}")
        ms = best_ms(fn, args.renders)
        print(f"{name:<52} {ms:10.3f} {ms * 1000 / len(plain):8.1f}")
    samples = [best_ms(lambda: partial.render({"tasks": plain}), 20) for _ in range(5)]
    print(f"(the project's partial, 5 × 20 renders: median {statistics.median(samples):.3f} ms)")

if __name__ == "__main__":
    main()
