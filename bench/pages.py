"""Page latency under concurrent load, and SQL queries per page.

    .venv/bin/python bench/pages.py [--requests 200 --concurrency 20] [--url http://127.0.0.1:8000]

Without --url it starts `.venv/bin/gunicorn config.wsgi -w 2 --threads 4` on a free loopback port (the
environment, DATABASE_URL included, is passed through; LUOSHI_DEBUG=0) and stops it at the end.
Users are logged in by writing Django sessions straight into the database, so the server and this
script must use the same database. Query counts are measured separately, in-process, with
django.test.Client + CaptureQueriesContext.

Works on the dataset made by bench/generate.py (usernames bench_office, office_d01, leader_d01_1,
liaison_u{street id}; programs bench-city-1, bench-d01-1).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
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

from bench.common import CITY_PROGRAMS, ROOT, db_label, district_program_code, setup_django  # noqa: E402

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


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", help="base URL of a running server (loopback); default: start gunicorn")
    p.add_argument("--port", type=int, default=0, help="port for the gunicorn started here (default: a free one)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--requests", type=int, default=200, help="requests per page")
    p.add_argument("--concurrency", type=int, default=20)
    p.add_argument("--max-seconds", type=float, default=180, help="stop a page's run after this long")
    p.add_argument("--timeout", type=float, default=60, help="per-request timeout")
    p.add_argument("--warmup", type=int, default=3, help="unmeasured requests per page first")
    p.add_argument("--only", default="", help="comma-separated page labels to run (e.g. 'overview')")
    p.add_argument("--slow", type=int, default=3, help="print this many slowest SQL statements per page")
    p.add_argument("--explain", action="store_true", help="EXPLAIN the slowest statement of each page")
    p.add_argument("--json", help="also write the results here")
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
        ("workbench", "/", "city office"),
        ("task list", f"/programs/{city}/tasks/", "city office"),
        ("task list red", f"/programs/{city}/tasks/?status=red", "city office"),
        ("task list", f"/programs/{dist}/tasks/", "street liaison"),
        ("task list red", f"/programs/{dist}/tasks/?status=red", "street liaison"),
        ("overview", f"/programs/{city}/", "city office"),
        ("overview", f"/programs/{dist}/", "district office"),
        ("overview", f"/programs/{dist}/", "city office"),
    ]
    people = {p.username: p for p in Person.objects.filter(username__in=users.values())}
    missing = set(users.values()) - set(people)
    if missing:
        sys.exit(f"Missing users {sorted(missing)}: run bench/generate.py first.")
    return [{"label": label, "path": path, "role": role, "user": people[users[role]]} for label, path, role in pages]


def session_cookie(user) -> str:
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return f"{settings.SESSION_COOKIE_NAME}={s.session_key}"


# ---- the server ----------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int, threads: int) -> subprocess.Popen:
    env = dict(os.environ, LUOSHI_DEBUG="0", DJANGO_SETTINGS_MODULE="config.settings")
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-w", str(workers), "--threads", str(threads),
           "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "120"]
    print("starting:", " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.time() + 60
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
    sys.exit("gunicorn did not answer within 60 s")


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

def get(conn: http.client.HTTPConnection, path: str, cookie: str) -> tuple[int, int]:
    conn.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "zh-hans"})
    resp = conn.getresponse()
    body = resp.read()
    return resp.status, len(body)


def run_load(host: str, port: int, path: str, cookie: str, n: int, concurrency: int, max_seconds: float,
             timeout: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    issued = [0]
    stop_at = time.perf_counter() + max_seconds

    def worker():
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        while True:
            with lock:
                if issued[0] >= n or time.perf_counter() > stop_at:
                    break
                issued[0] += 1
            t0 = time.perf_counter()
            try:
                status, _ = get(conn, path, cookie)
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
                with lock:
                    errors.append(type(e).__name__)
                continue
            dt_ms = (time.perf_counter() - t0) * 1000
            with lock:
                if status == 200:
                    latencies.append(dt_ms)
                else:
                    errors.append(str(status))
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat = sorted(latencies)

    def pct(p):
        return lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))] if lat else float("nan")

    return {"ok": len(lat), "errors": len(errors), "error_kinds": sorted(set(errors)), "p50": pct(50), "p95": pct(95),
            "max": lat[-1] if lat else float("nan"), "mean": statistics.fmean(lat) if lat else float("nan"),
            "rps": len(lat) / wall if wall else 0.0, "wall": wall}


# ---- queries -------------------------------------------------------------------------------------------

def count_queries(page: dict, slow: int, explain: bool) -> dict:
    client = Client()
    client.force_login(page["user"])
    client.get(page["path"])  # warm caches (content types, templates)
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        resp = client.get(page["path"])
        ms = (time.perf_counter() - t0) * 1000
    queries = [{"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in ctx.captured_queries]
    slowest = sorted(queries, key=lambda q: -q["ms"])[:slow]
    out = {"status": resp.status_code, "queries": len(queries), "sql_ms": sum(q["ms"] for q in queries),
           "inproc_ms": ms, "slowest": slowest}
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


# ---- main ----------------------------------------------------------------------------------------------

def main() -> None:
    args = parse_args()
    pages = pick_pages()
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
    print(f"luoshi bench pages → {db_label()}  server {host}:{port}  {args.requests} requests/page, "
          f"{args.concurrency} concurrent clients, {os.cpu_count()} CPUs", flush=True)
    results = []
    try:
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
            serial = []
            for _ in range(max(args.warmup, 5)):
                t0 = time.perf_counter()
                get(conn, page["path"], cookie)
                serial.append((time.perf_counter() - t0) * 1000)
            conn.close()
            row["single_ms"] = statistics.median(serial)
            row.update(run_load(host, port, page["path"], cookie, args.requests, args.concurrency, args.max_seconds,
                                args.timeout))
            row.update(count_queries(page, args.slow, args.explain))
            row["target_ms"] = TARGETS_MS.get(page["label"])
            results.append(row)
            print(f"  {row['page']:<14} {row['user']:<34} p50 {row['p50']:7.0f}  p95 {row['p95']:7.0f}  "
                  f"max {row['max']:7.0f} ms  {row['rps']:6.1f} req/s  {row['queries']:3d} queries", flush=True)
    finally:
        stop(proc)
    print_table(results, args)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))


def print_table(results: list[dict], args) -> None:
    print()
    print(f"| page | path | user | 1 client p50 ms | p50 ms | p95 ms | max ms | req/s | errors | SQL queries | "
          f"SQL ms (in-proc) | target p95 |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        if r.get("status") != 200:
            print(f"| {r['page']} | `{r['path']}` | {r['user']} | HTTP {r['status']} — skipped |||||||||")
            continue
        ok = "✅" if r["p95"] <= r["target_ms"] else "❌"
        print(f"| {r['page']} | `{r['path']}` | {r['user']} | {r['single_ms']:.0f} | {r['p50']:.0f} | {r['p95']:.0f} | "
              f"{r['max']:.0f} | {r['rps']:.1f} | {r['errors']} | {r['queries']} | {r['sql_ms']:.0f} | "
              f"≤ {r['target_ms']} {ok} |")
    if args.slow:
        print()
        for r in results:
            if r.get("status") != 200:
                continue
            print(f"-- {r['page']} {r['path']} as {r['user']}: {r['queries']} queries, {r['sql_ms']:.0f} ms SQL "
                  f"(in-process request {r['inproc_ms']:.0f} ms)")
            for q in r["slowest"]:
                print(f"   {q['ms']:8.1f} ms  {q['sql'][:600]}")
            if r.get("plan"):
                print("   plan of the slowest:")
                for line in r["plan"].splitlines():
                    print("     " + line)


if __name__ == "__main__":
    main()
