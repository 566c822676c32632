"""Where one page's CPU goes, in-process (issue #11, ADR 0034): the CPU time of N requests through Django's test
client (nothing cached across requests), split into the template's rendering, the database driver's execute
calls and the rest (view, middleware, ORM building), p50 of each; and the wall time p50 (the server time at 1
client, which on PostgreSQL includes the database server's work, not this process's CPU):

    .venv/bin/python bench/cpu_split.py USERNAME PATH [N]
    e.g. .venv/bin/python bench/cpu_split.py bench_office /programs/bench-city-1/tasks/ 30

To compare two versions of the code on the same database, export the other version (`git archive REV | tar -x -C
/tmp/base`) and run this script from each tree alternately (`cd /tmp/base && PYTHONPATH=/tmp/base ...`); the
spread of one page on a shared VM is as large as most differences, so run each side several times.
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())

from bench.common import setup_django  # noqa: E402

setup_django()

from django.db.backends import utils as db_utils  # noqa: E402
from django.template.backends import django as django_backend, jinja2 as jinja2_backend  # noqa: E402
from django.test import Client  # noqa: E402

from luoshi.org.models import Person  # noqa: E402

spent = {"template": 0.0, "sql": 0.0}
_execute = db_utils.CursorWrapper._execute
_depth = [0]


def _timed(render):
    """The backend's render, timed; an include rendered through a backend inside a page counts once, with its page."""
    def timed_render(self, *args, **kwargs):
        _depth[0] += 1
        t0 = time.process_time()
        try:
            return render(self, *args, **kwargs)
        finally:
            _depth[0] -= 1
            if _depth[0] == 0:
                spent["template"] += time.process_time() - t0
    return timed_render


def _timed_execute(self, *args, **kwargs):
    t0 = time.process_time()
    try:
        return _execute(self, *args, **kwargs)
    finally:
        spent["sql"] += time.process_time() - t0


def main() -> None:
    username, path = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    for backend in (django_backend, jinja2_backend):  # the pages are Jinja2 (ADR 0043); Django's engine for the admin
        backend.Template.render = _timed(backend.Template.render)
    db_utils.CursorWrapper._execute = _timed_execute
    client = Client()
    client.force_login(Person.objects.get(username=username))
    for _ in range(5):
        assert client.get(path).status_code == 200, path
    total, template, sql, wall = [], [], [], []
    for _ in range(n):
        spent.update(template=0.0, sql=0.0)
        t0, w0 = time.process_time(), time.perf_counter()
        client.get(path)
        total.append((time.process_time() - t0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        template.append(spent["template"] * 1000)
        sql.append(spent["sql"] * 1000)
    m = statistics.median
    print(f"{path} {username}: CPU p50 {m(total):.1f} ms = template {m(template):.1f} + SQL execute {m(sql):.1f} "
          f"+ rest {m(total) - m(template) - m(sql):.1f} ms; server (wall) p50 {m(wall):.1f} ms")


if __name__ == "__main__":
    main()
