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
page    the whole public page /public/policies/?q=… through Django's test client (one client): p50 / p95 / max.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import require_migrated, setup_django, wait_until_quiet  # noqa: E402

setup_django()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from luoshi.core.presets import preset_path  # noqa: E402
from luoshi.core.specs import parse_yaml  # noqa: E402
from luoshi.org.models import Unit  # noqa: E402
from luoshi.org.services import unit_create  # noqa: E402
from luoshi.policies import search, selectors, services  # noqa: E402
from luoshi.policies.demo import _xlsx, demo_clause_rows, demo_enterprise_profiles  # noqa: E402
from luoshi.policies.models import Clause, Enterprise, Policy  # noqa: E402
from luoshi.policies.services import CLAUSE_COLUMNS, ENTERPRISE_COLUMNS  # noqa: E402
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--enterprises", type=int, default=5_000)
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    require_migrated()
    ensure_data(args.enterprises)
    if connection.vendor == "postgresql":  # fresh statistics, as autovacuum would have made after the import
        with connection.cursor() as cur:
            cur.execute("ANALYZE policies_clause; ANALYZE policies_policy")
    method = search.search_method()
    print(f"database: {connection.vendor}, search method: {method}; clauses {Clause.objects.count():,} "
          f"(policies {Policy.objects.count():,}), enterprises {Enterprise.objects.count():,}")
    selectors.public_clause_list(filters=selectors.ClauseFilters(q="研发")).count()  # jieba loads once per process

    busy = wait_until_quiet(max_busy_pct=25.0, max_wait=60.0)
    print(f"[machine {busy:.0f}% busy before the run]")
    indexed, hits = run_queries(args.repeat)
    print(f"query with the {method} index ({len(indexed)} searches): {figures(indexed)}")
    original = search.search_method
    search.search_method = lambda alias="default": "substring"  # type: ignore[assignment]
    try:
        substring, hits_substring = run_queries(args.repeat)
    finally:
        search.search_method = original  # type: ignore[assignment]
    print(f"query with the substring fallback ({len(substring)} searches): {figures(substring)}")
    differ = {q: (hits[q], hits_substring[q]) for q in QUERIES if hits[q] != hits_substring[q]}
    print(f"hits per query (index): {hits}")
    print(f"queries whose hits differ from the substring match (index, substring): {differ or 'none'}")

    plan()
    c = Client()
    times = []
    for _r in range(args.repeat):
        for q in QUERIES:
            t = time.perf_counter()
            resp = c.get("/public/policies/", {"q": q})
            times.append(time.perf_counter() - t)
            assert resp.status_code == 200
    print(f"public page /public/policies/?q=… ({len(times)} requests, one client): {figures(times)}")


if __name__ == "__main__":
    main()
