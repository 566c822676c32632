"""Throughput and latency of one app server against two (issue 17 §6).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/luoshi_cluster .venv/bin/python bench/cluster.py \
        [--requests 600 --concurrency 16] [--front nginx|clients]

Both runs start the same gunicorn servers (`-w 2 --threads 4`, as `scripts/cluster.sh`) on the
same PostgreSQL database and send the same mix of logged-in pages (工作台, a task list, the request queue, the
cockpit) and public pages from --concurrency clients. "one" is one server; "two" is two servers, reached through
`scripts/cluster.sh` (nginx in front, two workers beside) with --front nginx, or with --front clients (the
default when Debian's nginx is not installed; it is looked for in /usr/sbin too) by giving each client one of the two servers in turn. It prints
requests/s, p50/p95/max, the errors, and the machine's load average before and after each run.

Users are logged in by writing sessions into the database (as bench/pages.py does), so the servers get this
script's SECRET_KEY. Works on the demo data (`luoshi demo`: users office, dispatcher, leader).
"""
from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("SECRET_KEY", "bench-cluster-" + secrets.token_urlsafe(32))
os.environ.setdefault("LUOSHI_DEBUG", "0")

from bench.clients import Request, drive, summary  # noqa: E402
from bench.common import ROOT, setup_django  # noqa: E402

setup_django()

from bench.pages import free_port, session_cookie, start_gunicorn, stop  # noqa: E402
from luoshi.org.models import Person  # noqa: E402
from luoshi.programs.models import Program  # noqa: E402


def pages() -> list[tuple[str, str, str | None]]:
    program = Program.objects.order_by("id").values_list("code", flat=True).first()
    return [("workbench", "/", "office"), ("task list", f"/programs/{program}/tasks/", "office"),
            ("overview", f"/programs/{program}/", "leader"), ("requests", "/requests/", "dispatcher"),
            ("cockpit", "/cockpit/", "leader"), ("public projects", "/public/projects/", None),
            ("public request form", "/public/requests/new/", None)]


def load(targets: list[tuple[str, int]], plan: list[Request], n: int, concurrency: int, timeout: float) -> dict:
    """n GETs spread over `plan` from `concurrency` clients; client i talks to targets[i % k] (bench.clients.drive,
    the loop bench/pages.py uses too)."""
    result = drive(targets, plan, n=n, concurrency=concurrency, timeout=timeout)
    return {**summary(result.every()), "ok": result.ok, "errors": len(result.errors),
            "error_kinds": sorted(set(result.errors))[:5], "rps": result.rps, "wall": result.wall}


def wait_http(port: int, limit: float = 120) -> None:
    """Until the sign-in page answers on `port` without a server error (nginx answers 502 while nothing is behind)."""
    deadline = time.time() + limit
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/accounts/login/")
            response = c.getresponse()
            response.read()
            c.close()
            if response.status < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit(f"nothing answered on port {port} within {limit:.0f} s")


def run(name: str, targets, plan, args) -> dict:
    warm = load(targets, plan, min(len(plan) * 4, args.requests), args.concurrency, args.timeout)  # every process
    if warm["errors"]:
        print(f"{name}: warming up: {warm['errors']} errors {warm['error_kinds']}", flush=True)
    before = os.getloadavg()
    result = load(targets, plan, args.requests, args.concurrency, args.timeout)
    result |= {"name": name, "load_before": before, "load_after": os.getloadavg()}
    print(f"{name:<28} {result['rps']:7.1f} req/s  p50 {result['p50']:7.0f} ms  p95 {result['p95']:7.0f} ms  "
          f"max {result['max']:7.0f} ms  errors {result['errors']} {result['error_kinds']}  "
          f"load {before[0]:.1f} → {result['load_after'][0]:.1f}", flush=True)
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=600)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--timeout", type=float, default=120)
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    p.add_argument("--front", choices=["nginx", "clients"], default="nginx" if nginx else "clients")
    args = p.parse_args()
    users = {u.username: u for u in Person.objects.filter(username__in=["office", "leader", "dispatcher"])}
    if len(users) < 3:
        sys.exit("Users office, leader, dispatcher missing: load the demo (`luoshi demo`) into this database first.")
    plan = [Request(label, path, session_cookie(users[who]) if who else "", who or "")
            for label, path, who in pages()]
    print(f"{os.cpu_count()} CPUs; {args.requests} requests from {args.concurrency} clients over {len(plan)} pages; "
          f"front: {args.front}", flush=True)

    one = start_gunicorn(free_port(), 2, 4)
    try:
        port = int(one.args[one.args.index("-b") + 1].rsplit(":", 1)[1])
        run("one server (-w 2 --threads 4)", [("127.0.0.1", port)], plan, args)
    finally:
        stop(one)

    if args.front == "nginx":
        front, apps = free_port(), [free_port(), free_port()]
        cluster = subprocess.Popen([str(ROOT / "scripts" / "cluster.sh")], cwd=ROOT, start_new_session=True,
                                   env=dict(os.environ, CLUSTER_PORT=str(front),
                                            CLUSTER_APP_PORTS=" ".join(map(str, apps))))
        try:
            for port in (*apps, front):
                wait_http(port)
            run("two servers behind nginx", [("127.0.0.1", front)], plan, args)
        finally:
            os.killpg(cluster.pid, signal.SIGTERM)
            cluster.wait(timeout=60)
    else:
        servers = [start_gunicorn(free_port(), 2, 4) for _ in range(2)]
        try:
            ports = [int(s.args[s.args.index("-b") + 1].rsplit(":", 1)[1]) for s in servers]
            run("two servers (clients split)", [("127.0.0.1", q) for q in ports], plan, args)
        finally:
            for s in servers:
                stop(s)


if __name__ == "__main__":
    main()
