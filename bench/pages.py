"""Page latency under concurrent load, and SQL queries per page.

    .venv/bin/python bench/pages.py [--requests 200 --concurrency 20] [--url http://127.0.0.1:8000]

Without --url it starts `.venv/bin/gunicorn config.wsgi` with gunicorn.conf.py's workers (as `make serve`) on a free loopback port (the
environment, DATABASE_URL included, is passed through; LUOSHI_DEBUG=0) and stops it at the end.
Users are logged in by writing Django sessions straight into the database, so the server and this
script must use the same database. Query counts are measured separately, in-process, with
django.test.Client + CaptureQueriesContext.

Works on the dataset made by bench/generate.py (usernames bench_office, office_d01, leader_d01_1,
liaison_u{street id}; programs bench-city-1, bench-d01-1).

With --miss N it runs the "miss pattern" of issue #11 instead: N requests that are all different (program ×
status × page × user, over the task list, 工作台, overview, ledger list and score card; see bench/miss.py) from
--concurrency clients, and reports p50/p95/max and req/s overall and per page.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import runpy
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.clients import Request, drive, get, summary  # noqa: E402
from bench.common import (  # noqa: E402
    CITY_PROGRAMS, ROOT, CpuMeter, db_label, district_program_code, postgres_dead_rows, require_migrated,
    setup_django, wait_until_quiet,
)

os.environ.setdefault("LUOSHI_DEBUG", "0")
setup_django()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from luoshi.org.models import Person, Unit, UnitKind  # noqa: E402

TARGETS_MS = {"workbench": 150, "task list": 150, "task list red": 150, "overview": 300}
# issue #11: at 1 client, server time p50 (in-process, cache off); with --miss: p95 and throughput at 20 clients
SERVER_TARGETS_MS = {"task list": 8, "task list red": 8, "workbench": 12, "overview": 12, "ledger list": 12,
                     "score card": 12, "rest task list": 8}
MISS_P95_MS, MISS_RPS = 150, 150


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", help="base URL of a running server (loopback); default: start gunicorn")
    p.add_argument("--port", type=int, default=0, help="port for the gunicorn started here (default: a free one)")
    served = runpy.run_path(str(ROOT / "gunicorn.conf.py"))  # what `make serve` runs (LUOSHI_WEB_WORKERS/THREADS)
    p.add_argument("--workers", type=int, default=served["workers"], help="default: gunicorn.conf.py's")
    p.add_argument("--threads", type=int, default=served["threads"], help="default: gunicorn.conf.py's")
    p.add_argument("--requests", type=int, default=200, help="requests per page (0: only count and time queries)")
    p.add_argument("--concurrency", type=int, default=20)
    p.add_argument("--think", type=float, default=0.0, metavar="SECONDS",
                   help="mean pause of each client between its requests (exponential; default 0: every client "
                        "sends its next request as soon as the last one is answered, the saturation test the "
                        "targets are judged by)")
    p.add_argument("--max-seconds", type=float, default=180, help="stop a page's run after this long")
    p.add_argument("--timeout", type=float, default=60, help="per-request timeout")
    p.add_argument("--warmup", type=int, default=3, help="unmeasured requests per page first")
    p.add_argument("--only", default="", help="comma-separated page labels to run (e.g. 'overview')")
    p.add_argument("--slow", type=int, default=3, help="print this many slowest SQL statements per page")
    p.add_argument("--explain", action="store_true", help="EXPLAIN the slowest statement of each page")
    p.add_argument("--profile", action="store_true",
                   help="profile one in-process request per page (cProfile) and print the top functions")
    p.add_argument("--json", help="also write the results here")
    p.add_argument("--noisy", type=float, default=10, metavar="PCT",
                   help="measure a page again when other processes used more than PCT %% of the CPU meanwhile")
    p.add_argument("--attempts", type=int, default=3,
                   help="at most this many load runs per page (the quietest one counts)")
    p.add_argument("--quiet", type=float, default=20, metavar="PCT",
                   help="before each load run wait (up to 120 s) until the machine's CPU is less than PCT %% busy")
    p.add_argument("--samples", type=int, default=20,
                   help="in-process requests per page (cache off) for the 1-client server time and CPU time")
    p.add_argument("--miss", type=int, default=0, metavar="N",
                   help="run the miss pattern instead: N requests, no two the same (bench/miss.py)")
    p.add_argument("--seed", type=int, default=11, help="seed of the --miss requests")
    return p.parse_args()


# ---- who and what ------------------------------------------------------------------------------------

def pick_pages() -> list[dict]:
    d01 = Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("sort_order", "id").first()
    if d01 is None:
        sys.exit("No districts: run bench/generate.py first.")
    street = Unit.objects.filter(kind=UnitKind.STREET, parent=d01).order_by("sort_order", "id").first()
    users = {
        "city office": "bench_office",
        "district office": "office_d01",
        "district leader": "leader_d01_1",
        "street liaison": f"liaison_u{street.pk}",
    }
    city, dist = CITY_PROGRAMS[0], district_program_code(1, 1)
    pages = [
        ("workbench", "/", "street liaison"),
        ("workbench", "/", "district leader"),
        ("workbench", "/", "district office"),
        ("workbench", "/", "city office"),
        ("task list", f"/programs/{city}/tasks/", "city office"),
        ("task list red", f"/programs/{city}/tasks/?status=red", "city office"),
        ("task list", f"/programs/{dist}/tasks/", "district office"),
        ("task list", f"/programs/{dist}/tasks/", "district leader"),
        ("task list", f"/programs/{dist}/tasks/", "street liaison"),
        ("task list red", f"/programs/{dist}/tasks/?status=red", "street liaison"),
        ("overview", f"/programs/{city}/", "city office"),
        ("overview", f"/programs/{dist}/", "district office"),
        ("overview", f"/programs/{dist}/", "city office"),
        # the REST task list, 100 rows a page (the API's page size), signed in by the session as a browser script is
        ("rest task list", f"/api/programs/{city}/tasks", "city office"),
        ("rest task list", f"/api/programs/{dist}/tasks", "district office"),
    ]
    people = {p.username: p for p in Person.objects.filter(username__in=users.values())}
    missing = set(users.values()) - set(people)
    if missing:
        sys.exit(f"Missing users {sorted(missing)}: run bench/generate.py first.")
    return [{"label": label, "path": path, "role": role, "user": people[users[role]]} for label, path, role in pages]


def session_cookie(user) -> str:
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return f"{settings.SESSION_COOKIE_NAME}={s.session_key}"


# ---- the server ----------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int, threads: int, *, env_extra: dict[str, str] | None = None,
                   args: tuple[str, ...] = (), quiet: bool = False) -> subprocess.Popen:
    env = dict(os.environ, LUOSHI_DEBUG="0", DJANGO_SETTINGS_MODULE="config.settings", LUOSHI_ALLOW_DEMO_KEY="1",
               **(env_extra or {}))
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-w", str(workers), "--threads", str(threads),
           "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "120", *args]
    if not quiet:
        print("starting:", " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.time() + 300  # a worker loads every view and template first (config/wsgi.py): slow on a busy machine
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited with {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/accounts/login/")
            c.getresponse().read()
            c.close()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    sys.exit("gunicorn did not answer within 300 s")


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# ---- load ----------------------------------------------------------------------------------------------

def run_load(host: str, port: int, path: str, cookie: str, n: int, concurrency: int, max_seconds: float,
             timeout: float, think: float = 0.0) -> dict:
    """`n` GETs of one page from `concurrency` clients (bench.clients.drive)."""
    result = drive([(host, port)], [Request(path, path, cookie)], n=n, concurrency=concurrency, timeout=timeout,
                   max_seconds=max_seconds, think=think)
    return {**summary(result.every()), "ok": result.ok, "errors": len(result.errors),
            "error_kinds": sorted(set(result.errors)), "rps": result.rps, "wall": result.wall}


def warm_all(host, port, path, cookie, connections: int, timeout: float) -> None:
    def one():
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            for _ in range(2):
                get(conn, path, cookie)
        finally:
            conn.close()

    threads = [threading.Thread(target=one, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# ---- queries -------------------------------------------------------------------------------------------

def retime(sql: str) -> float | None:
    """Run a captured SELECT again and time execute + fetch (the captured time is execute() only, and
    SQLite does most of its work while rows are fetched). Best of two runs, in ms."""
    if not sql.lstrip().upper().startswith("SELECT"):
        return None
    best = None
    try:
        with connection.cursor() as cur:
            for _ in range(2):
                t0 = time.perf_counter()
                cur.execute(sql)
                cur.fetchall()
                took = (time.perf_counter() - t0) * 1000
                best = took if best is None else min(best, took)
    except Exception:  # noqa: BLE001 - the logged SQL of some statements cannot be re-run verbatim
        return None
    return best


def count_queries(page: dict, slow: int, explain: bool, samples: int = 20) -> dict:
    """The page rendered in-process with nothing cached across requests: the median wall and CPU time of
    `samples` requests (the server time at 1 client), its queries and their SQL time."""
    client = Client()
    client.force_login(page["user"])
    out: dict = {}
    client.get(page["path"])  # warm: templates, URL resolver, the database's pages
    wall, cpu = [], []
    for _ in range(max(1, samples)):
        t0, c0 = time.perf_counter(), time.process_time()
        client.get(page["path"])
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        resp = client.get(page["path"])
        ms = (time.perf_counter() - t0) * 1000
        captured = list(ctx.captured_queries)
    queries = []
    for q in captured:
        again = retime(q["sql"])
        queries.append({"ms": again if again is not None else float(q["time"]) * 1000, "sql": q["sql"]})
    slowest = sorted(queries, key=lambda q: -q["ms"])[:slow]
    out.update({"status": resp.status_code, "queries": len(queries), "sql_ms": sum(q["ms"] for q in queries),
                "inproc_ms": ms, "server_p50_ms": statistics.median(wall), "cpu_p50_ms": statistics.median(cpu),
                "slowest": slowest})
    if explain and slowest:
        sql = slowest[0]["sql"]
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
        try:
            with connection.cursor() as cur:
                cur.execute(prefix + sql)
                out["plan"] = "\n".join(" | ".join(str(c) for c in row) for row in cur.fetchall())
        except Exception as e:  # noqa: BLE001 - the captured SQL may not be re-executable verbatim
            out["plan"] = f"(EXPLAIN failed: {e})"
    return out


def profile_page(page: dict, top: int = 30) -> str:
    """cProfile of one in-process request (after a warm-up), sorted by cumulative and by own time."""
    import cProfile
    import io
    import pstats

    client = Client()
    client.force_login(page["user"])
    client.get(page["path"])
    prof = cProfile.Profile()
    prof.enable()
    client.get(page["path"])
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def code_fingerprint() -> str:
    """Short hashes of the files that decide these pages, since they change while we measure."""
    import hashlib

    parts = []
    for rel in ("luoshi/tasks/selectors.py", "luoshi/tasks/views.py", "luoshi/org/scopes.py"):
        f = ROOT / rel
        if f.exists():
            parts.append(f"{f.name}:{hashlib.sha1(f.read_bytes()).hexdigest()[:8]}")
    templates = sorted((ROOT / "luoshi").glob("*/templates/**/*.html"))
    h = hashlib.sha1(b"".join(t.read_bytes() for t in templates)).hexdigest()[:8]
    parts.append(f"templates:{h}")
    return " ".join(parts)


# ---- the miss pattern -------------------------------------------------------------------------------------

def run_requests(host: str, port: int, requests: list[dict], cookies: dict[int, str], concurrency: int,
                 timeout: float) -> dict:
    """Send every request once, from `concurrency` clients that each take the next one as soon as their last is
    answered (bench.clients.drive). Latencies per label."""
    plan = [Request(r["label"], r["path"], cookies[r["user"].pk], r["user"].username) for r in requests]
    result = drive([(host, port)], plan, n=len(plan), concurrency=concurrency, timeout=timeout)
    return {"wall": result.wall, "ok": result.ok, "errors": result.errors, "rps": result.rps,
            "all": summary(result.every()),
            "by_label": {label: summary(v) for label, v in result.latencies.items()}}


def metered(args, proc, run) -> dict:
    """`run()` once the machine is quiet enough, with the CPU used by this process, the server and everything else
    measured around it (CpuMeter)."""
    busy_before = wait_until_quiet(args.quiet, 120)
    meter = CpuMeter([os.getpid()] + ([proc.pid] if proc else []),
                     connection.settings_dict["NAME"] if connection.vendor == "postgresql" else None)
    meter.start()
    result = run()
    result.update(meter.stop(), busy_before=busy_before)
    return result


def add_cookies(requests, cookies: dict) -> None:
    """A session cookie for each user of `requests` that has none in `cookies` yet."""
    for r in requests:
        if r["user"].pk not in cookies:
            cookies[r["user"].pk] = session_cookie(r["user"])


def run_miss(host: str, port: int, args, proc) -> None:
    from bench.miss import describe, miss_requests

    print(f"luoshi bench pages, miss pattern → {db_label()}  server {host}:{port}  {args.miss} requests, no two the "
          f"same, {args.concurrency} concurrent clients, {os.cpu_count()} CPUs"
          , flush=True)
    print(f"code measured: {code_fingerprint()}", flush=True)
    t0 = time.perf_counter()
    requests, sizes = miss_requests(args.miss, seed=args.seed)
    print(f"requests drawn in {time.perf_counter() - t0:.1f} s: {describe(requests, sizes)}", flush=True)
    cookies: dict = {}
    add_cookies(requests, cookies)
    connection.close()  # the server needs the database more than this process now
    best = None
    for attempt in range(1, args.attempts + 1):
        run = metered(args, proc, lambda: run_requests(host, port, requests, cookies, args.concurrency, args.timeout))
        run["attempt"] = attempt
        other = run.get("cpu_other_pct", 0.0)
        if best is None or other < best.get("cpu_other_pct", 0.0):
            best = run
        if not other > args.noisy or attempt == args.attempts:
            break
        print(f"  (other processes used {other:.0f}% of the CPU, p95 {run['all']['p95']:.0f} ms: measuring again "
              f"with new requests)", flush=True)
        requests, _ = miss_requests(args.miss, seed=args.seed + attempt)  # no request seen by the server before
        add_cookies(requests, cookies)
        connection.close()
    a = best["all"]
    ok = "✅" if a["p95"] <= MISS_P95_MS and best["rps"] >= MISS_RPS else "❌"
    print()
    print("| pages | requests | errors | p50 ms | p95 ms | max ms | req/s | clients' CPU % | other CPU % | target |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    print(f"| all (miss pattern) | {a['n']} | {len(best['errors'])} | {a['p50']:.0f} | {a['p95']:.0f} | {a['max']:.0f} | "
          f"{best['rps']:.1f} | {best.get('cpu_client_pct', float('nan')):.0f} | "
          f"{best.get('cpu_other_pct', float('nan')):.0f} | p95 ≤ {MISS_P95_MS}, ≥ {MISS_RPS} req/s {ok} |")
    for label, v in sorted(best["by_label"].items()):
        print(f"| {label} | {v['n']} | | {v['p50']:.0f} | {v['p95']:.0f} | {v['max']:.0f} | | | | |")
    for e in best["errors"][:10]:
        print("  error:", e)
    if args.json:
        Path(args.json).write_text(json.dumps({"miss": best, "sizes": sizes}, ensure_ascii=False, indent=2, default=str))
    if best["errors"]:
        sys.exit(f"{len(best['errors'])} requests did not answer 200")


# ---- main ----------------------------------------------------------------------------------------------

def main() -> None:
    args = parse_args()
    require_migrated()
    if postgres_dead_rows():
        sys.exit(postgres_dead_rows())
    pages = [] if args.miss else pick_pages()
    if args.only:
        wanted = {x.strip() for x in args.only.split(",")}
        pages = [p for p in pages if p["label"] in wanted]
    proc = None
    if args.url:
        u = urllib.parse.urlsplit(args.url)
        host, port = u.hostname, u.port or 80
        if host not in ("127.0.0.1", "localhost", "::1"):
            sys.exit("--url must be a loopback address")
    else:
        host, port = "127.0.0.1", args.port or free_port()
        proc = start_gunicorn(port, args.workers, args.threads)

        def on_term(signum, frame):  # stop our gunicorn on Ctrl-C / `timeout` too
            stop(proc)
            sys.exit(128 + signum)

        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGINT, on_term)
    if args.miss:
        try:
            run_miss(host, port, args, proc)
        finally:
            stop(proc)
        return
    results = []
    try:
        print(f"luoshi bench pages → {db_label()}  server {host}:{port}  {args.requests} requests/page, "
              f"{args.concurrency} concurrent clients"
              f"{f' (mean think time {args.think:g} s)' if args.think else ' (no think time)'}, {os.cpu_count()} CPUs",
              flush=True)
        print(f"code measured: {code_fingerprint()}", flush=True)
        for page in pages:
            cookie = session_cookie(page["user"])
            conn = http.client.HTTPConnection(host, port, timeout=args.timeout)
            status, size = get(conn, page["path"], cookie)
            row = {"page": page["label"], "path": page["path"], "user": f"{page['role']} ({page['user'].username})",
                   "status": status, "bytes": size}
            if status != 200:
                print(f"SKIP {page['label']} {page['path']} as {page['user'].username}: HTTP {status}", flush=True)
                results.append(row)
                conn.close()
                continue
            # Warm every server process (several connections at once, so the processes each accept some: templates,
            # imports), then time the page alone.
            warm_all(host, port, page["path"], cookie, 4 * args.workers, args.timeout)
            conn.close()  # idle during the warm-up: gunicorn may have closed it (keep-alive 2 s)
            conn = http.client.HTTPConnection(host, port, timeout=args.timeout)
            serial = []
            for _ in range(max(args.warmup, 5)):
                t0 = time.perf_counter()
                get(conn, page["path"], cookie)
                serial.append((time.perf_counter() - t0) * 1000)
            conn.close()
            row["single_ms"] = statistics.median(serial)
            if args.requests > 0:
                best = None
                for attempt in range(1, args.attempts + 1):
                    run = metered(args, proc, lambda: run_load(host, port, page["path"], cookie, args.requests,
                                                               args.concurrency, args.max_seconds, args.timeout,
                                                               args.think))
                    run["attempt"] = attempt
                    other = run.get("cpu_other_pct", 0.0)
                    if best is None or other < best.get("cpu_other_pct", 0.0):
                        best = run
                    if not other > args.noisy:
                        break
                    print(f"  ({page['label']} as {page['user'].username}: other processes used {other:.0f}% of the "
                          f"CPU, p95 {run['p95']:.0f} ms: measuring again)", flush=True)
                row.update(best)
            else:
                row.update({k: float("nan") for k in ("p50", "p95", "max", "mean", "rps")}, errors=0)
            row.update(count_queries(page, args.slow, args.explain, args.samples))
            if args.profile:
                row["profile"] = profile_page(page)
            row["target_ms"] = TARGETS_MS.get(page["label"])
            results.append(row)
            print(f"  {row['page']:<14} {row['user']:<34} server {row['server_p50_ms']:6.1f} ms (CPU "
                  f"{row['cpu_p50_ms']:5.1f})  p50 {row['p50']:7.0f}  p95 {row['p95']:7.0f}  "
                  f"max {row['max']:7.0f} ms  {row['rps']:6.1f} req/s  {row['queries']:3d} queries  "
                  f"CPU busy {row.get('cpu_busy_pct', float('nan')):3.0f}% (other {row.get('cpu_other_pct', float('nan')):3.0f}%)",
                  flush=True)
    finally:
        stop(proc)
    print_table(results, args)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    failed = [f"{r['path']} as {r['user']}: HTTP {r['status']}" for r in results if r.get("status") != 200]
    if failed:
        sys.exit("Pages that did not answer 200:\n  " + "\n  ".join(failed))


def server_target(label: str) -> float | None:
    return next((ms for name, ms in SERVER_TARGETS_MS.items() if label == name or label.startswith(name + " ")), None)


def print_table(results: list[dict], args) -> None:
    print()
    print("At 1 client, in-process, nothing cached across requests (median of --samples requests):")
    print()
    print("| page | path | user | server p50 ms | CPU p50 ms | SQL queries | SQL ms | target p50 |")
    print("|---|---|---|---:|---:|---:|---:|---|")
    for r in results:
        if r.get("status") != 200:
            print(f"| {r['page']} | `{r['path']}` | {r['user']} | HTTP {r['status']} — skipped ||||||")
            continue
        target = server_target(r["page"])
        ok = "" if target is None else "✅" if r["server_p50_ms"] <= target else "❌"
        print(f"| {r['page']} | `{r['path']}` | {r['user']} | {r['server_p50_ms']:.1f} | {r['cpu_p50_ms']:.1f} | "
              f"{r['queries']} | {r['sql_ms']:.1f} | {'' if target is None else f'≤ {target:g}'} {ok} |")
    if args.requests > 0:
        print()
        print(f"Under load: {args.concurrency} clients, {args.requests} requests per page, over HTTP:")
        print()
        print("| page | path | user | 1 client p50 ms | p50 ms | p95 ms | max ms | req/s | errors | "
              + "other CPU % | target p95 |")
        print("|---|---|---|---:|---:|---:|---:|---:|---:|" + "---:|---|")
        for r in results:
            if r.get("status") != 200:
                continue
            target = r.get("target_ms")
            ok = "" if r["p95"] != r["p95"] or target is None else "✅" if r["p95"] <= target else "❌"
            print(f"| {r['page']} | `{r['path']}` | {r['user']} | {r['single_ms']:.0f} | {r['p50']:.0f} | {r['p95']:.0f} | "
                  f"{r['max']:.0f} | {r['rps']:.1f} | {r['errors']} | "
                  f"{r.get('cpu_other_pct', float('nan')):.0f} | {'' if target is None else f'≤ {target}'} {ok} |")
    if args.slow:
        print()
        for r in results:
            if r.get("status") != 200:
                continue
            print(f"-- {r['page']} {r['path']} as {r['user']}: {r['queries']} queries, {r['sql_ms']:.0f} ms SQL "
                  f"(in-process request {r['inproc_ms']:.0f} ms)")
            for q in r["slowest"]:
                print(f"   {q['ms']:8.1f} ms  {q['sql'][:600]}")
            if r.get("profile"):
                print(r["profile"])
            if r.get("plan"):
                print("   plan of the slowest:")
                for line in r["plan"].splitlines():
                    print("     " + line)


if __name__ == "__main__":
    main()
