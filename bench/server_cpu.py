"""What one request costs the real server (issue #11): gunicorn with one worker and one thread, pages requested one
after another (the synchronous worker answers each on its own connection), and the worker process's own CPU time
(user + system, from /proc/PID/stat) divided by the number of requests. Unlike the in-process figures (Django's test client keeps the
database connection open and skips the HTTP layer), this counts everything a production request pays: HTTP parsing,
WSGI, opening or reusing the database connection, the middleware, the view and the template.

    .venv/bin/python bench/server_cpu.py [--requests 60] [--rounds 3] [PAGE ...]

PAGE is USER:PATH (e.g. bench_office:/programs/bench-city-1/tasks/); without pages, the task list, 工作台, overview
and REST list of the bench users. Environment variables given as `--env NAME=VALUE` (repeatable) apply to the server
of an extra column, alternated round by round with the plain one, so two settings are compared on the same machine
state (e.g. `--env LUOSHI_CONN_MAX_AGE=0`: a new database connection for every request, as before ADR 0035).
"""
from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())

from bench.common import setup_django  # noqa: E402

setup_django()

from bench.pages import free_port, session_cookie, start_gunicorn, stop  # noqa: E402
from luoshi.org.models import Person  # noqa: E402

DEFAULT_PAGES = [
    "bench_office:/programs/bench-city-1/tasks/",
    "liaison_u52:/programs/bench-d01-1/tasks/",
    "bench_office:/programs/bench-city-1/",
    "office_d01:/",
    "bench_office:/api/programs/bench-city-1/tasks",
    "bench_office:/accounts/password/done/",
]
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """The process's user + system CPU seconds; 0 for one that has ended (a database backend of another client)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def worker_pid(master: int) -> int:
    for _ in range(100):
        with open(f"/proc/{master}/task/{master}/children") as f:
            children = f.read().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    sys.exit("gunicorn started no worker")


def database_backends() -> list[int]:
    """On PostgreSQL, the server processes serving the benchmark database other than this script's own: the
    worker's connection (their CPU is the database's share of a request, on the same two cores)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return [pid for (pid,) in cur.fetchall()]


def measure(env_extra: dict[str, str], pages: list[tuple[str, str, str]], n: int) -> dict[str, float]:
    """CPU ms per request of each page in a fresh server: 10 warm-up requests, then n timed ones (on PostgreSQL also
    the database server's CPU for those requests, as "… +db")."""
    port = free_port()
    proc = start_gunicorn(port, 1, 1, env_extra=env_extra, args=("--keep-alive", "30"), quiet=True)
    try:
        pid = worker_pid(proc.pid)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        out = {}
        for label, path, cookie in pages:
            def get():
                conn.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "zh-hans"})
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    sys.exit(f"{path} as {label}: HTTP {resp.status}")
            for _ in range(10):
                get()
            backends = database_backends()
            t0, d0 = cpu_seconds(pid), {b: cpu_seconds(b) for b in backends}
            for _ in range(n):
                get()
            out[f"{label} {path}"] = (cpu_seconds(pid) - t0) * 1000 / n
            if backends:  # a backend that ended meanwhile (another client's) counts nothing, not minus its past
                out[f"{label} {path} +db"] = sum(max(0.0, cpu_seconds(b) - d0[b]) for b in backends) * 1000 / n
        conn.close()
        return out
    finally:
        stop(proc)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("pages", nargs="*", default=DEFAULT_PAGES)
    p.add_argument("--requests", type=int, default=60)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--env", action="append", default=[], help="NAME=VALUE for the compared server (repeatable)")
    args = p.parse_args()
    pages = []
    for spec in args.pages:
        username, _, path = spec.partition(":")
        if not path.startswith("/"):
            sys.exit(f"页面写作 账号:路径，例如 bench_office:/programs/bench-city-1/tasks/（收到 {spec!r}）")
        person = Person.objects.filter(username=username).first()
        if person is None:
            sys.exit(f"没有账号 {username!r}：先用 bench/generate.py 生成压测数据，或换一个账号")
        pages.append((username, path, session_cookie(person)))
    variants = {"plain": {}}
    if args.env:
        variants[" ".join(args.env)] = dict(e.split("=", 1) for e in args.env)
    results: dict[str, dict[str, list[float]]] = {v: {} for v in variants}
    for r in range(args.rounds):
        for name, env_extra in variants.items():
            for page, ms in measure(env_extra, pages, args.requests).items():
                results[name].setdefault(page, []).append(ms)
        print(f"round {r + 1} done, load {os.getloadavg()[0]:.1f}", flush=True)
    print(f"\nserver CPU ms per request (gunicorn 1 worker × 1 thread, {args.requests} requests per page per round; "
          f"each round's value, then the median)")
    for page in results["plain"]:
        cells = "   ".join(f"{name}: " + " / ".join(f"{ms:.1f}" for ms in results[name][page])
                           + f" (p50 {statistics.median(results[name][page]):.1f})" for name in variants)
        print(f"{page:<58} {cells}")


if __name__ == "__main__":
    main()
