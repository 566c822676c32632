"""Function calls per request (cProfile: deterministic, unlike times on a busy machine) and statements of the 工作台
for the bench city's four 工作台 users (issue #11, session 11, ADR 0064). In-process, nothing cached across requests:
each user's page is requested 6 times, then its statements counted once and its calls profiled over 10 requests.

    DATABASE_URL=... .venv/bin/python bench/workbench_calls.py [USER ...]
"""
import cProfile
import os
import pstats
import sys

sys.path.insert(0, os.getcwd())

from bench.common import setup_django  # noqa: E402

setup_django()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from luoshi.org.models import Person  # noqa: E402

N = 10


def main() -> None:
    for user in sys.argv[1:] or ["liaison_u52", "leader_d01_1", "office_d01", "bench_office"]:
        c = Client()
        c.force_login(Person.objects.get(username=user))
        for _ in range(6):
            assert c.get("/").status_code == 200
        sent: list[str] = []

        def count(execute, sql, params, many, context):
            sent.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            c.get("/")
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(N):
            c.get("/")
        profile.disable()
        calls = pstats.Stats(profile).total_calls / N  # type: ignore[attr-defined]
        print(f"{connection.vendor:10} {user:14} calls/request {calls:9.0f}  statements {len(sent)}")


if __name__ == "__main__":
    main()
