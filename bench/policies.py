"""The 惠企政策 benchmarks (issue #16), in-process on the database DATABASE_URL names (SQLite by default):

    .venv/bin/python bench/policies.py                  # make the data if missing, then measure
    .venv/bin/python bench/policies.py --enterprises 10000 --repeat 3

Data (made once, kept): a region 基准区 with 8 streets and 4 departments, the 城阳 vocabulary preset, the
demo's generated dictionary (241 clauses) plus 9 more = 250 clauses, and --enterprises generated profiles
imported through the real Excel import (its time is reported).

match-all   every clause against every enterprise (matching.match_all): loading the profiles from the
            database, and the matching itself; best of --repeat. Target ≤ 5 s for 10,000 × 250.
one         one enterprise's matches (selectors.enterprise_matches: the clause query, then every verdict
            with explanations and amounts) for 200 random enterprises: p50 / p95 / max. Target ≤ 50 ms.
search      the public dictionary page /public/policies/ through Django's test client (one client, the
            whole request: URL routing, query, jieba, template) for 20 queries × 10: p50 / p95. Target p95 ≤ 60 ms.
batch       computing one 免申即享 list over all enterprises (services.batch_compute); the draft is cancelled.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import db_label, require_migrated, setup_django, wait_until_quiet  # noqa: E402

setup_django()

from django.test import Client  # noqa: E402

from luoshi.org.models import Unit  # noqa: E402
from luoshi.org.services import unit_create  # noqa: E402
from luoshi.policies import selectors, services  # noqa: E402
from luoshi.policies.attributes import profile_load  # noqa: E402
from luoshi.policies.demo import _laoshan_rows, _vocabulary, _xlsx, demo_clause_rows, demo_enterprise_profiles  # noqa: E402
from luoshi.policies.matching import compiled, match_all  # noqa: E402
from luoshi.policies.models import Clause, Enterprise  # noqa: E402
from luoshi.policies.services import CLAUSE_COLUMNS, ENTERPRISE_COLUMNS  # noqa: E402

REGION = "基准区"
STREETS = [f"基准第{i}街道" for i in range(1, 9)]
DEPTS = ["区发展和改革局", "区人力资源和社会保障局", "区行政审批服务局", "区财政局", "区工业和信息化局"]
QUERIES = ["研发", "人才", "专精特新", "贷款贴息", "稳岗", "高新技术企业", "出口", "上市", "新设企业", "数字经济",
           "轨道交通", "补贴", "奖励", "知识产权", "技术改造", "就业", "总部", "跨境电商", "博士后", "融资担保"]


def quiet(what: str) -> None:
    """Wait (up to a minute) for the shared machine to calm down, and say how busy it was."""
    busy = wait_until_quiet(max_busy_pct=25.0, max_wait=60.0)
    print(f"[{what}: machine {busy:.0f}% busy before the run]")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def ensure_data(n: int) -> None:
    if Clause.objects.filter(code__startswith="BJ-").count() >= 250 and Enterprise.objects.filter(
            credit_code__startswith="91999").count() >= n:
        return
    region = Unit.objects.filter(name=REGION).first()
    if region is None:
        city = unit_create(by=None, name="基准市", kind="city")
        region = unit_create(by=None, name=REGION, kind="district", parent=city)
        for s in STREETS:
            unit_create(by=None, name=s, kind="street", parent=region)
        for d in DEPTS:
            unit_create(by=None, name=d, kind="department", parent=region)
    services.vocabulary_load(by=None, spec=_vocabulary())
    rows = demo_clause_rows(district=REGION, prefix="BJ")
    for i, r in enumerate(_laoshan_rows() * 2):
        if len(rows) >= 250:
            break
        rows.append({**r, "条款编号": f"BJ-99-{i:03d}", "适用区域": REGION, "条件规则": r["条件规则"].replace("崂山区", REGION)})
    t = time.perf_counter()
    print(services.clauses_import(by=None, data=_xlsx(CLAUSE_COLUMNS, rows), name="bench.xlsx"),
          f"clauses imported in {time.perf_counter() - t:.1f} s")
    rng = random.Random(3)
    profiles = demo_enterprise_profiles(n, seed=9, district=REGION)
    erows = [{"统一社会信用代码": f"91999000{i:010d}", "企业名称": f"基准企业{i:05d}有限公司", "所在区域": rng.choice(STREETS),
              "数据日期": "2026-01-31", **{k: str(v) for k, v in p.items()}} for i, p in enumerate(profiles)]
    data = _xlsx(ENTERPRISE_COLUMNS, erows)
    t = time.perf_counter()
    result = services.enterprises_import(by=None, data=data, name="bench.xlsx")
    print(f"enterprise import: {result} in {time.perf_counter() - t:.1f} s ({len(data) / 1e6:.1f} MB xlsx)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--enterprises", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    require_migrated()
    ensure_data(args.enterprises)
    print(f"database: {db_label()}")
    clauses = list(Clause.objects.filter(code__startswith="BJ-").select_related("policy"))
    print(f"clauses {len(clauses)}, enterprises {Enterprise.objects.filter(credit_code__startswith='91999').count()}")

    # match-all
    quiet("match-all")
    loads, runs = [], []
    counts = {}
    for _r in range(args.repeat):
        compiled.cache_clear()
        t = time.perf_counter()
        profiles = [profile_load(p) for p in Enterprise.objects.filter(credit_code__startswith="91999")
                    .values_list("profile", flat=True).iterator(chunk_size=2000)]
        loads.append(time.perf_counter() - t)
        t = time.perf_counter()
        counts = match_all(clauses, profiles)
        runs.append(time.perf_counter() - t)
    pairs = len(clauses) * len(profiles)
    print(f"match-all {len(profiles):,} × {len(clauses)} = {pairs:,} pairs: load profiles best {min(loads):.2f} s, "
          f"match best {min(runs):.2f} s (median {statistics.median(runs):.2f} s), total best {min(loads) + min(runs):.2f} s; "
          f"verdicts {counts}")

    # one enterprise
    quiet("one")
    ids = list(Enterprise.objects.filter(credit_code__startswith="91999").values_list("pk", flat=True))
    rng = random.Random(1)
    times = []
    found = 0
    for pk in rng.sample(ids, min(200, len(ids))):
        t = time.perf_counter()
        e = Enterprise.objects.select_related("unit").get(pk=pk)
        found += len(selectors.enterprise_matches(enterprise=e))
        times.append(time.perf_counter() - t)
    times.sort()
    print(f"one enterprise ({len(times)} runs, {found / len(times):.1f} matches each): p50 {ms(statistics.median(times))}, "
          f"p95 {ms(times[int(len(times) * 0.95) - 1])}, max {ms(times[-1])}")

    # public search
    quiet("search")
    c = Client()
    c.get("/public/policies/", {"q": "研发"})  # jieba's dictionary loads once per process
    times = []
    for _r in range(10):
        for q in QUERIES:
            t = time.perf_counter()
            resp = c.get("/public/policies/", {"q": q})
            times.append(time.perf_counter() - t)
            assert resp.status_code == 200
    times.sort()
    print(f"public search ({len(times)} requests, one client): p50 {ms(statistics.median(times))}, "
          f"p95 {ms(times[int(len(times) * 0.95) - 1])}, max {ms(times[-1])}")
    times = []
    for _r in range(20):
        t = time.perf_counter()
        c.get("/public/policies/", {"match": "1", "注册地": REGION, "企业规模": "小型", "上年营业收入": "3000万元",
                                    "研发投入占比": "4%", "失信": "否", "资质": ["专精特新", "高新技术企业"]})
        times.append(time.perf_counter() - t)
    times.sort()
    print(f"public profile form over {len(clauses)} clauses: p50 {ms(statistics.median(times))}, max {ms(times[-1])}")

    # batch compute
    quiet("batch")
    clause = next(c for c in clauses if c.no_application)
    t = time.perf_counter()
    batch = services.batch_compute(by=None, clause=clause, period=f"bench-{time.time():.0f}")
    took = time.perf_counter() - t
    print(f"batch compute {clause.code} over {len(ids):,} enterprises: {took:.2f} s, {batch.lines.count()} lines")
    services.batch_cancel(by=None, batch=batch, reason="benchmark")


if __name__ == "__main__":
    main()
