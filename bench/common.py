"""Shared helpers of the bench scripts: Django setup and fixed names of the generated dataset."""
from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PASSWORD = "bench-pass-123"
CITY_PROGRAMS = ("bench-city-1", "bench-city-2")


def district_program_code(district_no: int, k: int) -> str:
    """district_no is 1..10 in creation order, k is 1 or 2."""
    return f"bench-d{district_no:02d}-{k}"


def setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def require_migrated() -> None:
    """Stop with a hint when the database lacks migrations of the code being measured."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
        sys.exit(f"The database lacks migrations ({names}{' …' if len(plan) > 5 else ''}): "
                 "run `.venv/bin/luoshi migrate` with the same DATABASE_URL first.")


def postgres_dead_rows() -> str:
    """On PostgreSQL with autovacuum off, a warning when the task tables carry many dead rows (left by
    bench/jobs.py, say), which would make every page slower than on a server that vacuums; else ""."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cur:
        cur.execute("SHOW autovacuum")
        if cur.fetchone()[0] == "on":
            return ""
        cur.execute("SELECT relname, n_live_tup, n_dead_tup FROM pg_stat_user_tables "
                    "WHERE relname IN ('tasks_task', 'tasks_taskassignment') AND n_dead_tup > n_live_tup / 10")
        rows = cur.fetchall()
    if not rows:
        return ""
    return ("autovacuum is off and " + ", ".join(f"{r[0]} has {r[2]:,} dead rows ({r[1]:,} live)" for r in rows)
            + ": run VACUUM ANALYZE first, as autovacuum would have")


def db_label() -> str:
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite {s['NAME']}"
    return f"{connection.vendor} {s.get('HOST') or 'local'}:{s.get('PORT') or ''}/{s['NAME']}"


# ---- noise: how busy the machine was with things other than the benchmark ----------------------------

def _read_proc(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid → (parent pid, CPU ticks used so far (utime + stime of all its threads), command line)."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        raw = _read_proc(f"/proc/{entry}/stat")
        if not raw:
            continue
        fields = raw.rsplit(")", 1)[1].split()
        cmd = _read_proc(f"/proc/{entry}/cmdline").replace("\0", " ")
        out[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]), cmd)
    return out


def _ours(procs: dict[int, tuple[int, int, str]], roots: list[int], db_name: str | None) -> set[int]:
    """The given processes, their descendants, the PostgreSQL backends serving `db_name`, and the
    parallel workers of those backends."""
    ours = set(roots)
    if db_name:
        ours |= {pid for pid, (_, _, cmd) in procs.items() if cmd.startswith("postgres: ") and f" {db_name} " in cmd}
    changed = True
    while changed:
        changed = False
        for pid, (ppid, _, cmd) in procs.items():
            if pid in ours:
                continue
            leader = cmd.rsplit("parallel worker for PID ", 1)[1].strip() if "parallel worker for PID " in cmd else ""
            if ppid in ours or (leader.isdigit() and int(leader) in ours):
                ours.add(pid)
                changed = True
    return ours


class CpuMeter:
    """Busy CPU of the whole machine, and the share other people's processes took, between start() and
    stop(), so a result taken while someone else was compiling or running tests on the same box can be
    recognised. A thread looks at every process each `interval` seconds, so a process that lived
    longer than that is seen even if it ended before stop(); shorter ones (a PostgreSQL parallel worker
    of one query, say) are not. Linux only; elsewhere it reports nothing."""

    def __init__(self, roots: list[int] | None = None, db_name: str | None = None, interval: float = 1.0):
        self.roots = roots or [os.getpid()]
        self.db_name = db_name
        self.interval = interval
        self.available = os.path.exists("/proc/stat")

    def _sample(self) -> None:
        for pid, (ppid, ticks, cmd) in _processes().items():
            first = self.first.setdefault(pid, 0)  # a process new since start() used all its ticks meanwhile
            if ticks >= first:
                self.last[pid] = (ppid, ticks, cmd)

    def _watch(self) -> None:
        while not self.done.wait(self.interval):
            self._sample()

    def start(self):
        if self.available:
            import threading

            self.t0 = time.monotonic()
            self.busy0, _ = _busy_ticks()
            self.first = {pid: ticks for pid, (_, ticks, _) in _processes().items()}
            self.last: dict[int, tuple[int, int, str]] = {}
            self.done = threading.Event()
            self.thread = threading.Thread(target=self._watch, daemon=True)
            self.thread.start()
        return self

    def stop(self) -> dict:
        if not self.available:
            return {}
        self.done.set()
        self.thread.join()
        self._sample()
        busy, _ = _busy_ticks()
        wall = time.monotonic() - self.t0
        ours = _ours(self.last, self.roots, self.db_name)
        other = sum(max(0, ticks - self.first.get(pid, 0)) for pid, (_, ticks, _) in self.last.items()
                    if pid not in ours)
        capacity = wall * os.sysconf("SC_CLK_TCK") * (os.cpu_count() or 1)
        # the first root is the measuring process itself (the load's clients): its share is the part of the
        # machine a real deployment would not spend on the server
        client = sum(max(0, ticks - self.first.get(pid, 0)) for pid, (_, ticks, _) in self.last.items()
                     if pid == self.roots[0])
        return {"cpu_busy_pct": 100 * (busy - self.busy0) / capacity if capacity else 0.0,
                "cpu_other_pct": 100 * other / capacity if capacity else 0.0,
                "cpu_client_pct": 100 * client / capacity if capacity else 0.0,
                "loadavg": os.getloadavg()[0]}


def _busy_ticks() -> tuple[int, int]:
    vals = [int(x) for x in _read_proc("/proc/stat").split("\n", 1)[0].split()[1:9]]
    return sum(vals) - vals[3] - vals[4], sum(vals)


def wait_until_quiet(max_busy_pct: float = 20.0, max_wait: float = 120.0, window: float = 3.0) -> float:
    """Wait (up to max_wait s) until the whole machine's CPU was less than max_busy_pct % busy over the
    last `window` seconds, so a measurement does not start while someone else is compiling or running
    tests. Returns the busy % last seen (nan where /proc/stat is missing). Unlike the load average,
    this forgets our own previous run within seconds."""
    if not os.path.exists("/proc/stat"):
        return float("nan")
    deadline = time.monotonic() + max_wait
    while True:
        busy0, total0 = _busy_ticks()
        time.sleep(window)
        busy1, total1 = _busy_ticks()
        pct = 100 * (busy1 - busy0) / max(1, total1 - total0)
        if pct < max_busy_pct or time.monotonic() > deadline:
            return pct


def blank_csrf(html: str) -> str:
    """A rendered page with its CSRF tokens blanked (they differ at every request), to compare two versions of the
    code byte for byte (bench/assessment_cards.py, ledger_lists.py, task_lists.py, workbench_pages.py)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": ""', html)


def status_page_queries(statuses, total_pages) -> list[str]:
    """The query strings of a list's every status (`""` for all) at pages 1, 2, the last and one past it;
    `total_pages(status)` says how many pages that status has."""
    out = []
    for status in statuses:
        last = total_pages(status)
        for page in sorted({1, 2, last, last + 1}):
            out.append("&".join(p for p in (f"status={status}" if status else "", f"page={page}" if page > 1 else "")
                                if p))
    return out


def write_list_pages(client, out, prefix: str, url: str, queries: list[str]) -> int:
    """Render `url?query` for each query into `out` (CSRF blanked), as `prefix-LANG[-htmx]-NN-QUERY.html`: every 5th
    query also in English, every 7th also as the htmx partial. Returns how many pages were written."""
    n = 0
    for i, query in enumerate(queries):
        for lang in ("zh-hans", "en") if i % 5 == 0 else ("zh-hans",):
            client.cookies["django_language"] = lang
            for htmx in (False, True) if i % 7 == 0 else (False,):
                r = client.get(f"{url}?{query}", **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
                name = re.sub(r"[^A-Za-z0-9=_-]+", "_", query) or "plain"
                (out / f"{prefix}-{lang}{'-htmx' if htmx else ''}-{i:02d}-{name}.html").write_text(
                    f"{r.status_code}\n{blank_csrf(r.content.decode())}")
                n += 1
    return n
