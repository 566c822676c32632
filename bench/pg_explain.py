"""Where PostgreSQL's time goes on the hot pages (issue #11, session 6): each page is requested once through Django's
test client with its statements captured, then every SELECT it sent is run again as
EXPLAIN (ANALYZE, BUFFERS, SUMMARY) several times; the median planning and execution ms of each statement, and
whether JIT compiled anything, are printed per statement and summed per page.

    DATABASE_URL=postgres://... .venv/bin/python bench/pg_explain.py [--runs 5] [--only TEXT] [--plans] [--dump DIR]

--plans prints the plan text of the statements whose planning or execution exceeds --slow ms (default 0.5).
--generic instead prepares each SELECT with the page's own parameters and compares its generic plan with its custom
plan (`plan_cache_mode` forced each way, EXPLAIN ANALYZE EXECUTE): what psycopg's automatic prepared statements
(LUOSHI_PG_PREPARE_THRESHOLD) would risk once PostgreSQL keeps the generic plan after five runs (ADR 0048).
EXPLAIN ANALYZE executes the statement, so only SELECTs (and EXECUTEs of the per-request statements prepared by
luoshi.core.prepared) are explained; the pages' writes are skipped. PostgreSQL only.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.getcwd())

from bench.common import setup_django  # noqa: E402

setup_django()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from luoshi.org.models import Person, Unit, UnitKind  # noqa: E402
from luoshi.core.compiled import statement_text  # noqa: E402
from luoshi.core.prepared import numbered  # noqa: E402


def hot_pages() -> list[tuple[str, str, str]]:
    """(label, user, path) of the pages issue #11 §1 judges."""
    d01 = Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("sort_order", "id").first()
    street = Unit.objects.filter(kind=UnitKind.STREET, parent=d01).order_by("sort_order", "id").first()
    ledger = "/programs/bench-ledger/ledger/"
    return [
        ("task list", "bench_office", "/programs/bench-city-1/tasks/"),
        ("task list red", "bench_office", "/programs/bench-city-1/tasks/?status=red&page=2"),
        ("task list", "office_d01", "/programs/bench-d01-1/tasks/"),
        ("task list", "leader_d01_1", "/programs/bench-d01-1/tasks/"),
        ("task list", "liaison_u52", "/programs/bench-d01-1/tasks/"),
        ("task list red", "liaison_u52", "/programs/bench-d01-1/tasks/?status=red"),
        ("workbench", "bench_office", "/"),
        ("workbench", "office_d01", "/"),
        ("workbench", "leader_d01_1", "/"),
        ("workbench", "liaison_u52", "/"),
        ("overview", "bench_office", "/programs/bench-city-1/"),
        ("overview", "office_d01", "/programs/bench-d01-1/"),
        ("overview", "bench_office", "/programs/bench-d01-1/"),
        ("ledger list", "bench_office", ledger),
        ("ledger list status+overdue", "bench_office", f"{ledger}?status=rectifying&overdue=on"),
        ("ledger list unit+source", "bench_office", f"{ledger}?unit={d01.pk}&source=inspection"),
        ("ledger list search", "bench_office", f"{ledger}?q=%E5%9E%83%E5%9C%BE"),
        ("ledger list", "office_d01", ledger),
        ("ledger list", f"liaison_u{street.pk}", ledger),
        ("score card", "bench_office", "/assess/rounds/2/units/2662/"),
        ("score card", "liaison_u220", "/assess/rounds/2/units/2662/"),
    ]


def explain(sql: str, runs: int) -> tuple[float, float, bool, str]:
    """Median planning and execution ms of `runs` EXPLAIN ANALYZE runs, whether JIT fired, and the last plan."""
    plan_ms, exec_ms, jit, text = [], [], False, ""
    with connection.cursor() as cur:
        for _ in range(runs):
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, SUMMARY, FORMAT JSON) " + sql)
            doc = cur.fetchone()[0]
            doc = doc[0] if isinstance(doc, list) else doc
            plan_ms.append(doc["Planning Time"])
            exec_ms.append(doc["Execution Time"])
            jit = jit or "JIT" in doc
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, SUMMARY) " + sql)
        text = "\n".join(r[0] for r in cur.fetchall())
    return statistics.median(plan_ms), statistics.median(exec_ms), jit, text


def generic_and_custom(sql: str, params, runs: int) -> tuple[float, float, float, float]:
    """Planning and execution ms (medians of `runs`) of `sql` prepared, with a generic and with a custom plan."""
    out = []
    with connection.cursor() as cur:
        cur.execute(f"PREPARE luoshi_explain AS {numbered(sql)}")
        run = "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE luoshi_explain" + (f"({', '.join(['%s'] * len(params))})"
                                                                          if params else "")
        try:
            for mode in ("force_generic_plan", "force_custom_plan"):
                cur.execute(f"SET plan_cache_mode = {mode}")
                plan_ms, exec_ms = [], []
                for _ in range(runs):
                    cur.execute(run, params or None)
                    doc = cur.fetchone()[0]
                    doc = doc[0] if isinstance(doc, list) else doc
                    plan_ms.append(doc.get("Planning Time", 0.0))
                    exec_ms.append(doc["Execution Time"])
                out += [statistics.median(plan_ms), statistics.median(exec_ms)]
        finally:
            cur.execute("RESET plan_cache_mode")
            cur.execute("DEALLOCATE luoshi_explain")
    return out[0], out[1], out[2], out[3]


def compare_generic(label: str, username: str, path: str, client: Client, runs: int, width: int) -> None:
    sent: list[tuple[str, list]] = []

    def record(execute, sql, params, many, context):
        sent.append((sql, list(params or [])))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        client.get(path)
    # a compiled read (core.compiled) or another prepared statement is sent as EXECUTE name(…): compared as its SQL
    sent = [(statement_text(sql), params) for sql, params in sent]
    selects = [(sql, params) for sql, params in sent if sql.lstrip().lstrip("(").upper().startswith(("SELECT", "WITH"))]
    rows = [(*generic_and_custom(sql, params, runs), sql) for sql, params in selects]
    print(f"\n== {label} · {username} · {path}: {len(rows)} SELECTs; generic plan: planning "
          f"{sum(r[0] for r in rows):.2f} execution {sum(r[1] for r in rows):.2f} ms; custom plan: planning "
          f"{sum(r[2] for r in rows):.2f} execution {sum(r[3] for r in rows):.2f} ms")
    for gp, ge, cp, ce, sql in rows:
        worse = "  GENERIC SLOWER" if ge > 1.5 * ce + 0.2 else ""
        print(f"  generic {gp:5.2f} + {ge:6.2f}   custom {cp:5.2f} + {ce:6.2f}{worse}  {' '.join(sql.split())[:width]}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="")
    ap.add_argument("--plans", action="store_true")
    ap.add_argument("--slow", type=float, default=0.5)
    ap.add_argument("--sql", type=int, default=160, help="characters of each statement to print")
    ap.add_argument("--dump", default="", help="a directory to write each page's statements into, one file a page")
    ap.add_argument("--generic", action="store_true", help="compare each statement's generic and custom plan")
    args = ap.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only")
    with connection.cursor() as cur:
        cur.execute("SHOW jit")
        print("jit =", cur.fetchone()[0])
    for label, username, path in hot_pages():
        if args.only and args.only not in f"{label} {username} {path}":
            continue
        client = Client()
        client.force_login(Person.objects.get(username=username))
        assert client.get(path).status_code == 200, path
        if args.generic:
            compare_generic(label, username, path, client, args.runs, args.sql)
            continue
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        rows = []
        if args.dump:
            os.makedirs(args.dump, exist_ok=True)
            name = "".join(ch if ch.isalnum() else "_" for ch in f"{label} {username}")
            with open(os.path.join(args.dump, name + ".sql"), "w") as f:
                f.write(";;\n".join(q["sql"] for q in captured.captured_queries) + "\n")
        for q in captured.captured_queries:
            sql = q["sql"]
            if not sql.lstrip().lstrip("(").upper().startswith(("SELECT", "WITH", "EXECUTE")):
                rows.append((0.0, 0.0, False, "", sql, float(q["time"]) * 1000))
                continue
            p, e, jit, text = explain(sql, args.runs)
            rows.append((p, e, jit, text, sql, float(q["time"]) * 1000))
        total_p = sum(r[0] for r in rows)
        total_e = sum(r[1] for r in rows)
        total_w = sum(r[5] for r in rows)
        print(f"\n== {label} · {username} · {path}: {len(rows)} statements, planning {total_p:.2f} ms, "
              f"execution {total_e:.2f} ms, client-seen SQL {total_w:.2f} ms"
              f"{' · JIT in ' + str(sum(r[2] for r in rows)) if any(r[2] for r in rows) else ''}")
        for p, e, jit, text, sql, wall in rows:
            flat = " ".join(sql.split())
            print(f"  plan {p:6.2f}  exec {e:6.2f}  seen {wall:6.2f}{'  JIT' if jit else ''}  {flat[:args.sql]}")
            if args.plans and text and (p > args.slow or e > args.slow):
                print("    " + flat)
                print("\n".join("    | " + line for line in text.splitlines()))


if __name__ == "__main__":
    main()
