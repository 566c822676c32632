"""The policy dictionary search in the database (ADR 0027), on the database DATABASE_URL names:

    DATABASE_URL=sqlite:////tmp/search.sqlite3 .venv/bin/python bench/policies_search.py     # migrated first
    DATABASE_URL=postgres://…/luoshi_x .venv/bin/python bench/policies_search.py --repeat 10

Data (made once, kept): a region 检索基准区 with 8 streets and the demo's departments, the 城阳 and 西海岸
vocabulary presets, a generated dictionary of 250 policies × 4 clauses = 1,000 clauses (the demo's clause texts,
four variants each, through the real Excel import: versioned, jieba-indexed, journaled) and 5,000 enterprise
profiles (real import).

query   the public list's two queries (count and the first page of 30, as the page's Pager runs them) for 24
        queries × --repeat: p50 / p95 / max — with the database index (PostgreSQL tsvector + GIN, or SQLite FTS5)
        and, for comparison, with the substring fallback (every word `LIKE '%word%'` over every clause).
page    the whole public page /public/policies/?q=… through Django's test client (one client): p50 / p95 / max of
        the wall time and of this process's CPU time (the database server's CPU on PostgreSQL is not in it).

--clauses N (e.g. 10000, 50000) grows the dictionary to N clauses after the import: copies of the imported
clauses (same texts, tags and policies, codes BX-000001…), each with one of 400 made-up 园区 names in its title
so that some words are rare at any size ("园区甲17" hits ~N/400 clauses). Written set-based (core.bulk.insert_rows);
the database indexes them as it indexes every write (generated tsvector, FTS5 triggers). Not versioned or
journaled: search data only. Use a separate database per size (PostgreSQL: `createdb -T` of the 1,000-clause one).
--explain prints EXPLAIN ANALYZE of the page's two queries (the first page and the count) for a frequent, a
rare and a multi-word query.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import require_migrated, setup_django, wait_until_quiet  # noqa: E402

setup_django()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from luoshi.core.presets import preset_path  # noqa: E402
from luoshi.core.specs import parse_yaml  # noqa: E402
from luoshi.org.models import Unit  # noqa: E402
from luoshi.org.services import unit_create  # noqa: E402
from luoshi.policies import search, selectors, services  # noqa: E402
from luoshi.policies.demo import _xlsx, demo_clause_rows, demo_enterprise_profiles  # noqa: E402
from luoshi.policies.models import Clause, Enterprise, Policy  # noqa: E402
from luoshi.policies.services import CLAUSE_COLUMNS, ENTERPRISE_COLUMNS  # noqa: E402
from luoshi.policies.views_public import COUNT_CAP  # noqa: E402
from luoshi.policies.vocabulary import PolicyVocabulary  # noqa: E402

REGION = "检索基准区"
STREETS = [f"检索第{i}街道" for i in range(1, 9)]
DEPTS = ["区发展和改革局", "区人力资源和社会保障局", "区行政审批服务局", "区财政局", "区工业和信息化局"]
VARIANTS = ["", "（提升版）", "（延续）", "（专项）"]
QUERIES = ["研发", "人才", "专精特新", "贷款贴息", "稳岗", "高新技术企业", "出口", "上市", "新设企业", "数字经济",
           "轨道交通", "补贴", "奖励", "知识产权", "技术改造", "就业", "总部", "跨境电商", "博士后", "融资担保",
           "研发 奖励", "人才 住房 补贴", "没有这个词", "BS-0-0001"]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def figures(times: list[float]) -> str:
    times = sorted(times)
    return (f"p50 {ms(statistics.median(times))}, p95 {ms(times[max(0, int(len(times) * 0.95) - 1)])}, "
            f"max {ms(times[-1])}")


def ensure_data(n_enterprises: int) -> None:
    if Clause.objects.filter(code__startswith="BS-").count() >= 960 and Enterprise.objects.filter(
            credit_code__startswith="91888").count() >= n_enterprises:
        return
    region = Unit.objects.filter(name=REGION).first()
    if region is None:
        city = Unit.objects.filter(kind="city").first() or unit_create(by=None, name="检索基准市", kind="city")
        region = unit_create(by=None, name=REGION, kind="district", parent=city)
        for s in STREETS:
            unit_create(by=None, name=s, kind="street", parent=region)
        for d in DEPTS:
            unit_create(by=None, name=d, kind="department", parent=region)
    for name in ("chengyang", "xihaian"):
        path = preset_path(name)
        services.vocabulary_load(by=None, spec=parse_yaml(path.read_text(encoding="utf-8"), PolicyVocabulary))
    base = demo_clause_rows(district=REGION, prefix="BS")
    rows = []
    for v, suffix in enumerate(VARIANTS):
        for r in base:
            rows.append({**r, "条款编号": f"BS-{v}-{len(rows):04d}", "条款名称": r["条款名称"] + suffix})
    rows = rows[:1000]
    for i, r in enumerate(rows):  # 250 policy documents of 4 clauses each
        k = i // 4 + 1
        r.update({"文件名": f"{REGION}惠企政策第{k:03d}号文件（{r['主题']}，示例）", "文号": f"检政发〔2026〕{k}号"})
    t = time.perf_counter()
    print(services.clauses_import(by=None, data=_xlsx(CLAUSE_COLUMNS, rows), name="bench.xlsx"),
          f"clauses imported in {time.perf_counter() - t:.1f} s")
    rng = random.Random(3)
    profiles = demo_enterprise_profiles(n_enterprises, seed=9, district=REGION)
    erows = [{"统一社会信用代码": f"91888000{i:010d}", "企业名称": f"检索企业{i:05d}有限公司", "所在区域": rng.choice(STREETS),
              "数据日期": "2026-01-31", **{k: str(v) for k, v in p.items()}} for i, p in enumerate(profiles)]
    t = time.perf_counter()
    print(services.enterprises_import(by=None, data=_xlsx(ENTERPRISE_COLUMNS, erows), name="bench.xlsx"),
          f"enterprises imported in {time.perf_counter() - t:.1f} s")


PARKS = [f"园区{'甲乙丙丁'[i % 4]}{i // 4}" for i in range(400)]


def grow_to(n_clauses: int) -> None:
    """Copies of the imported BS- clauses until the dictionary has n_clauses (see the module's docstring)."""
    from luoshi.core.bulk import insert_rows, object_rows, pks_by
    from luoshi.core import clock

    have = Clause.objects.count()
    if have >= n_clauses:
        return
    t = time.perf_counter()
    base = list(Clause.objects.filter(code__startswith="BS-").order_by("code"))
    tags = {}
    for cid, tid in Clause.tags.through.objects.filter(clause__code__startswith="BS-").values_list("clause_id", "tag_id"):
        tags.setdefault(cid, []).append(tid)
    start = Clause.objects.filter(code__startswith="BX-").count()
    now = clock.now()
    for chunk in range(have, n_clauses, 5000):
        objs, origin = [], []
        for k in range(chunk, min(chunk + 5000, n_clauses)):
            i = start + k - have + 1
            c = base[i % len(base)]
            park = PARKS[i % len(PARKS)]
            objs.append(Clause(policy_id=c.policy_id, code=f"BX-{i:06d}", title=f"{c.title}（{park}）"[:200],
                               theme_id=c.theme_id, declare_type=c.declare_type, beneficiary=c.beneficiary,
                               condition_text=c.condition_text, rules=c.rules, amount_rule=c.amount_rule,
                               procedure=c.procedure, dept_id=c.dept_id, dept_path=c.dept_path,
                               contact_person=c.contact_person, contact_phone=c.contact_phone, start_date=c.start_date,
                               end_date=c.end_date, no_application=c.no_application, is_published=True, version=1,
                               search_text=f"{c.search_text} {park}", updated_at=now))
            origin.append(c.pk)
        with transaction.atomic():
            insert_rows(Clause, *object_rows(Clause, objs))
            pks = pks_by(Clause, "code", [o.code for o in objs])
            insert_rows(Clause.tags.through, ["clause_id", "tag_id"],
                        [(pks[o.code], tid) for o, c in zip(objs, origin) for tid in tags.get(c, [])])
    print(f"dictionary grown from {have:,} to {Clause.objects.count():,} clauses in {time.perf_counter() - t:.1f} s")


def run_queries(repeat: int) -> tuple[list[float], dict[str, int]]:
    times, hits = [], {}
    for _r in range(repeat):
        for q in QUERIES:
            t = time.perf_counter()
            qs = selectors.public_clause_list(filters=selectors.ClauseFilters(q=q))
            n = qs.count()
            list(qs[:30])
            times.append(time.perf_counter() - t)
            hits[q] = n
    return times, hits


def plan() -> None:
    """Whether the search condition can use the index: PostgreSQL may pick a sequential scan over a table this
    small, so the plan is also shown with sequential scans off — the GIN index and the code's index in one bitmap
    OR; SQLite shows the FTS5 table in its plan."""
    qs = search.clause_search(Clause.objects.all(), "博士后").order_by().values("pk")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for setting in ("on", "off"):
                cur.execute(f"SET enable_seqscan = {setting}")
                cur.execute("EXPLAIN ANALYZE " + sql, params)
                lines = [r[0].strip() for r in cur.fetchall()]
                used = [x.split("  (")[0].lstrip("-> ") for x in lines
                        if "Index Scan on" in x or "Seq Scan on policies_clause" in x or "BitmapOr" in x]
                print(f"plan (enable_seqscan={setting}): {' | '.join(used)} | {lines[-1]}")
            cur.execute("SET enable_seqscan = on")
        else:
            cur.execute("EXPLAIN QUERY PLAN " + sql, params)
            print("plan: " + " | ".join(str(r[-1]) for r in cur.fetchall()))


def explain_page(queries: list[str]) -> None:
    """EXPLAIN ANALYZE of what the public page runs for each query: the first page (31 rows, ordered by code)
    and, when that page is full, the count."""
    for q in queries:
        f = selectors.ClauseFilters(q=q)
        for label, qs in (("page", selectors.public_clause_rows(filters=f)[:31]),
                          ("count", selectors.public_clause_count_rows(filters=f).values("pk")[:COUNT_CAP + 1])):
            sql, params = qs.query.sql_with_params()
            if label == "count":
                sql = f"SELECT count(*) FROM ({sql}) AS sub"
            with connection.cursor() as cur:
                if connection.vendor == "postgresql":
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + sql, params)
                    lines = [r[0] for r in cur.fetchall()]
                    nodes = [x.strip().lstrip("-> ").split("  (")[0] for x in lines
                             if "Scan" in x or "BitmapOr" in x or "Sort" in x.split("(")[0] or "Limit" in x.split("(")[0]]
                    print(f"  {q!r} {label}: {' | '.join(nodes)} | {lines[-1].strip()}")
                else:
                    cur.execute("EXPLAIN QUERY PLAN " + sql, params)
                    print(f"  {q!r} {label}: " + " | ".join(str(r[-1]) for r in cur.fetchall()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--enterprises", type=int, default=5_000)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--clauses", type=int, default=0, help="grow the dictionary to this many clauses (copies)")
    ap.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the page's queries")
    ap.add_argument("--page-only", action="store_true", help="skip the query-only and substring comparisons")
    args = ap.parse_args()
    require_migrated()
    ensure_data(args.enterprises)
    if args.clauses:
        grow_to(args.clauses)
    if connection.vendor == "postgresql":  # fresh statistics, as autovacuum would have made after the import
        with connection.cursor() as cur:
            cur.execute("ANALYZE policies_clause; ANALYZE policies_policy")
    method = search.search_method()
    print(f"database: {connection.vendor}, search method: {method}; clauses {Clause.objects.count():,} "
          f"(policies {Policy.objects.count():,}), enterprises {Enterprise.objects.count():,}")
    selectors.public_clause_list(filters=selectors.ClauseFilters(q="研发")).count()  # jieba loads once per process

    busy = wait_until_quiet(max_busy_pct=25.0, max_wait=60.0)
    print(f"[machine {busy:.0f}% busy before the run; load average {os.getloadavg()[0]:.1f}]")
    if args.explain:
        explain_page(["补贴", "融资担保", "人才 住房 补贴", PARKS[17], "没有这个词"])
    if not args.page_only:
        compare_queries(args.repeat)
    page_run(args.repeat)
    print(f"[load average after the run {os.getloadavg()[0]:.1f}]")


def compare_queries(repeat: int) -> None:
    method = search.search_method()
    indexed, hits = run_queries(repeat)
    print(f"query with the {method} index ({len(indexed)} searches): {figures(indexed)}")
    original = search.search_method
    search.search_method = lambda alias="default": "substring"  # type: ignore[assignment]
    try:
        substring, hits_substring = run_queries(repeat)
    finally:
        search.search_method = original  # type: ignore[assignment]
    print(f"query with the substring fallback ({len(substring)} searches): {figures(substring)}")
    differ = {q: (hits[q], hits_substring[q]) for q in QUERIES if hits[q] != hits_substring[q]}
    print(f"hits per query (index): {hits}")
    print(f"queries whose hits differ from the substring match (index, substring): {differ or 'none'}")

    plan()


def page_run(repeat: int) -> None:
    c = Client()
    for q in QUERIES[:3]:
        c.get("/public/policies/", {"q": q})  # warm: templates compiled, connection open
    times, cpu = [], []
    for _r in range(repeat):
        for q in QUERIES + [PARKS[17]]:
            t, p = time.perf_counter(), time.process_time()
            resp = c.get("/public/policies/", {"q": q})
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - p)
            assert resp.status_code == 200
    print(f"public page /public/policies/?q=… ({len(times)} requests, one client): wall {figures(times)}; "
          f"CPU of this process {figures(cpu)}")


if __name__ == "__main__":
    main()
