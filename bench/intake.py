"""The intake benchmarks (issue #5) on the dataset of bench/intake_data.py:

    .venv/bin/python bench/intake.py                    # everything: metrics, hot topics, GET pages, Open311 POST
    .venv/bin/python bench/intake.py --only metrics,hot # in-process only (no server)
    .venv/bin/python bench/intake.py --only post --posts 3000 --clients 8
    .venv/bin/python bench/intake.py --explain          # + the metrics query's plan

metrics  a month's unit figures (luoshi.intake.metrics.unit_metrics) for the last complete month and the
         current one, as the city office; best and median of --repeat runs; the trend of one street.
hot      hot topics of the last complete month: by category, keyword counts cold (cache cleared) and
         warm (cached), the whole hot_keywords() with examples.
get      p50/p95 under load (bench/pages.py's client: --requests per URL, --concurrency clients) against
         gunicorn (-w 2 --threads 4, started here on a free port unless --url): Open311 GET requests (the
         default list, filtered by service_code and status, by date range) and GET request by id, the
         dispatcher's list /requests/ (as bench_dispatcher), the metrics page (as bench_office).
post     Open311 POST requests.json with the bench api key from --clients concurrent clients for --posts
         posts; reports requests/s and latency. The posted requests stay in the database (requester
         李基准; --clean deletes them).
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("LUOSHI_DEBUG", "0")
from bench.common import CpuMeter, db_label, require_migrated, setup_django, wait_until_quiet  # noqa: E402

setup_django()

from django.core.cache import cache  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402

from bench.intake_data import OPEN311_KEY, PLACES, TEMPLATES  # noqa: E402
from bench.pages import free_port, run_load, session_cookie, start_gunicorn, stop  # noqa: E402
from luoshi.core import clock  # noqa: E402
from luoshi.intake import hot, metrics  # noqa: E402
from luoshi.intake.models import Request  # noqa: E402
from luoshi.org.models import Person, Unit, UnitKind  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default="metrics,hot,get,post")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--explain", action="store_true")
    p.add_argument("--url", help="a running server (loopback) instead of starting gunicorn")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--requests", type=int, default=300, help="GET requests per URL")
    p.add_argument("--concurrency", type=int, default=10, help="GET clients")
    p.add_argument("--posts", type=int, default=2000)
    p.add_argument("--clients", type=int, default=8, help="POST clients")
    p.add_argument("--clean", action="store_true", help="delete requests posted by earlier runs and stop")
    return p.parse_args()


def timed(fn, repeat: int) -> tuple[float, float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return min(times), statistics.median(times), out


def last_months() -> tuple[metrics.Period, metrics.Period]:
    today = clock.today()
    current = metrics.Period.month(today.year, today.month)
    return current.previous(), current


def bench_metrics(args) -> None:
    office = Person.objects.get(username="bench_office")
    street = Unit.objects.filter(kind=UnitKind.STREET).order_by("path").first()
    done, current = last_months()
    n = Request.objects.filter(dispatched_at__gte=done.bounds()[0], dispatched_at__lt=done.bounds()[1]).count()
    print(f"metrics: {Request.objects.count():,} requests; {n:,} dispatched in {done.label}", flush=True)
    for label, period in ((done.label, done), (current.label + "（当月）", current)):
        wait_until_quiet(20, 60)
        best, med, rows = timed(lambda: metrics.unit_metrics(office, period), args.repeat)
        ranked = sum(1 for r in rows if r.rank)
        print(f"  unit_metrics {label:<14} best {best:7.1f} ms  median {med:7.1f} ms  "
              f"({len(rows)} units, {ranked} ranked)", flush=True)
    best, med, _ = timed(lambda: metrics.unit_trend(office, street, months=12), args.repeat)
    print(f"  unit_trend 12 months         best {best:7.1f} ms  median {med:7.1f} ms", flush=True)
    liaison = Person.objects.get(username=f"liaison_u{street.pk}")
    best, med, rows = timed(lambda: metrics.unit_metrics(liaison, done), args.repeat)
    print(f"  unit_metrics as a liaison    best {best:7.1f} ms  median {med:7.1f} ms  ({len(rows)} row)", flush=True)
    best, med, data = timed(lambda: metrics.metrics_xlsx(office, done), max(1, args.repeat // 2))
    print(f"  Excel export                 best {best:7.1f} ms  median {med:7.1f} ms  "
          f"({len(data):,} bytes)", flush=True)
    if args.explain:
        start, end = done.bounds()
        qs = (Request.objects.filter(dispatched_at__gte=start, dispatched_at__lt=end, counted=True,
                                     lead_unit__isnull=False).order_by()
              .values("lead_unit_id").annotate(**metrics._aggregates(clock.now(), 3)))
        opts = {"analyze": True, "buffers": True} if connection.vendor == "postgresql" else {}
        print(qs.explain(**opts))


def bench_hot(args) -> None:
    office = Person.objects.get(username="bench_office")
    done, _current = last_months()
    n = Request.objects.filter(received_at__gte=done.bounds()[0], received_at__lt=done.bounds()[1]).count()
    print(f"hot topics: {n:,} requests received in {done.label}", flush=True)
    best, med, cats = timed(lambda: hot.hot_categories(office, done), args.repeat)
    print(f"  by category                  best {best:7.1f} ms  median {med:7.1f} ms  "
          f"({len(cats)} categories)", flush=True)

    def cold():
        cache.clear()
        return hot.keyword_counts(office, done)
    best, med, counts = timed(cold, max(1, args.repeat // 2))
    print(f"  keyword counts, cold         best {best:7.1f} ms  median {med:7.1f} ms  "
          f"({len(counts):,} words)", flush=True)
    best, med, _ = timed(lambda: hot.keyword_counts(office, done), args.repeat)
    print(f"  keyword counts, cached       best {best:7.1f} ms  median {med:7.1f} ms", flush=True)
    cache.clear()
    best_c, _m, _ = timed(lambda: hot.hot_keywords(office, done, 30), 1)
    best, med, top = timed(lambda: hot.hot_keywords(office, done, 30), args.repeat)
    print(f"  hot_keywords top 30 + examples: first {best_c:7.1f} ms (both periods cold), then best {best:7.1f} ms "
          f"median {med:7.1f} ms", flush=True)
    print("  top: " + "、".join(f"{k['word']} {k['count']}" for k in top[:10]), flush=True)


def start_server(args):
    if args.url:
        u = urllib.parse.urlsplit(args.url)
        return None, u.hostname, u.port or 80
    port = free_port()
    proc = start_gunicorn(port, args.workers, args.threads)

    def on_term(signum, frame):
        stop(proc)
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    return proc, "127.0.0.1", port


def bench_get(args, host, port, proc) -> None:
    dispatcher = Person.objects.get(username="bench_dispatcher")
    office = Person.objects.get(username="bench_office")
    recent = Request.objects.exclude(kind="report").order_by("-id").values_list("id", flat=True)[500]
    done, _current = last_months()
    urls = [
        ("Open311 GET requests (default)", "/open311/v2/requests.json", ""),
        ("Open311 GET requests service+status", "/open311/v2/requests.json?service_code=0401&status=open", ""),
        ("Open311 GET requests date range",
         f"/open311/v2/requests.json?start_date={done.start.isoformat()}T00:00:00%2B08:00"
         f"&end_date={done.start.isoformat()}T23:59:59%2B08:00", ""),
        ("Open311 GET request by id", f"/open311/v2/requests/{recent}.json", ""),
        ("Open311 GET requests XML", "/open311/v2/requests.xml", ""),
        ("dispatcher list /requests/", "/requests/", session_cookie(dispatcher)),
        ("metrics page (office)", f"/requests/metrics/?{done.query}", session_cookie(office)),
    ]
    print(f"GET: {args.requests} requests per URL, {args.concurrency} concurrent clients, "
          f"gunicorn -w {args.workers} --threads {args.threads}", flush=True)
    print("| URL | p50 ms | p95 ms | max ms | req/s | errors | other CPU % |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, path, cookie in urls:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        conn.request("GET", path, headers={"Cookie": cookie})
        resp = conn.getresponse()
        resp.read()
        conn.close()
        if resp.status != 200:
            print(f"| {label} `{path}` | HTTP {resp.status} | | | | | |", flush=True)
            continue
        wait_until_quiet(20, 60)
        meter = CpuMeter([os.getpid()] + ([proc.pid] if proc else []),
                         connection.settings_dict["NAME"] if connection.vendor == "postgresql" else None).start()
        run = run_load(host, port, path, cookie, args.requests, args.concurrency, 300, 60)
        run.update(meter.stop())
        print(f"| {label} | {run['p50']:.0f} | {run['p95']:.0f} | {run['max']:.0f} | {run['rps']:.1f} | "
              f"{run['errors']} | {run.get('cpu_other_pct', float('nan')):.0f} |", flush=True)


def post_body(rng: random.Random, n: int) -> bytes:
    code = rng.choice([c for c in TEMPLATES if c != "0401"])
    street = rng.choice(STREETS)
    text = rng.choice(TEMPLATES[code]).format(p=rng.choice(PLACES))
    fields = {"api_key": OPEN311_KEY, "service_code": code, "description": f"{street}{text}。",
              "address_string": f"{street}{rng.choice(PLACES)}", "first_name": "基准", "last_name": "李",
              "phone": f"139{rng.randrange(10**8):08d}", "device_id": f"bench-post-{n}"}
    if rng.random() < 0.5:
        fields["lat"], fields["long"] = f"{36 + rng.random() * 0.5:.6f}", f"{120 + rng.random() * 0.5:.6f}"
    return urllib.parse.urlencode(fields).encode()


STREETS: list[str] = []
POSTED_NAME = "李基准"   # what the Open311 view makes of first_name 基准 + last_name 李; the generator never writes it


def bench_post(args, host, port, proc) -> None:
    STREETS[:] = list(Unit.objects.filter(kind=UnitKind.STREET).values_list("name", flat=True))
    before = Request.objects.count()
    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    issued = [0]

    def worker(seed):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection(host, port, timeout=60)
        while True:
            with lock:
                if issued[0] >= args.posts:
                    break
                issued[0] += 1
                n = issued[0]
            body = post_body(rng, n)
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/open311/v2/requests.json", body=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
                with lock:
                    errors.append(type(e).__name__)
                continue
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                if resp.status in (200, 201):
                    lat.append(ms)
                else:
                    errors.append(f"{resp.status} {data[:120]!r}")
        conn.close()

    wait_until_quiet(20, 60)
    meter = CpuMeter([os.getpid()] + ([proc.pid] if proc else []),
                     connection.settings_dict["NAME"] if connection.vendor == "postgresql" else None).start()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    cpu = meter.stop()
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))] if lat else float("nan")  # noqa: E731
    print(f"POST /open311/v2/requests.json: {len(lat)} created, {len(errors)} errors in {wall:.1f} s → "
          f"{len(lat) / wall:.1f} requests/s with {args.clients} clients; p50 {pct(50):.0f} ms, p95 {pct(95):.0f} ms, "
          f"max {lat[-1] if lat else float('nan'):.0f} ms; CPU busy {cpu.get('cpu_busy_pct', float('nan')):.0f}% "
          f"(other {cpu.get('cpu_other_pct', float('nan')):.0f}%)", flush=True)
    if errors:
        print("  errors:", sorted(set(errors))[:5], flush=True)
    print(f"  requests in the database: {before:,} → {Request.objects.count():,}", flush=True)


def main() -> None:
    args = parse_args()
    require_migrated()
    if args.clean:
        n, _ = Request.objects.filter(requester_name=POSTED_NAME).delete()
        print(f"deleted {n} rows")
        return
    only = {x.strip() for x in args.only.split(",")}
    print(f"luoshi bench intake → {db_label()}  ({os.cpu_count()} CPUs)", flush=True)
    reset_queries()
    if "metrics" in only:
        bench_metrics(args)
    if "hot" in only:
        bench_hot(args)
    if only & {"get", "post"}:
        proc, host, port = start_server(args)
        try:
            if "get" in only:
                bench_get(args, host, port, proc)
            if "post" in only:
                bench_post(args, host, port, proc)
        finally:
            stop(proc)


if __name__ == "__main__":
    main()
