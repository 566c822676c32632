"""The enterprise-profile import (ADR 0028, 0031): how long each stage takes and how long the write transaction
holds the database, on the database DATABASE_URL names (migrated first; run bench/policies_search.py once to make
its region 检索基准区 with 8 streets):

    DATABASE_URL=sqlite:////tmp/s.sqlite3 .venv/bin/python bench/policies_import.py --enterprises 10000

A fresh sheet of --enterprises new enterprises (19 attribute columns, the demo's generated profiles, codes not
used before) is imported through services.enterprises_import; the stages (check, prepare, write) are timed
where the code has them (enterprises_check / enterprises_prepare / enterprise_write_many), and the statements of
the write transaction are counted (CaptureQueriesContext: on PostgreSQL the COPYs are not in the count).
Then the same rows are imported again with one attribute changed (all updates).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import require_migrated, setup_django  # noqa: E402

setup_django()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from luoshi.policies import services  # noqa: E402
from luoshi.policies.demo import _xlsx, demo_enterprise_profiles  # noqa: E402
from luoshi.policies.models import Enterprise  # noqa: E402
from luoshi.policies.services import ENTERPRISE_COLUMNS  # noqa: E402

STREETS = [f"检索第{i}街道" for i in range(1, 9)]


def timed(name: str, fn, spans: dict, statements: dict):
    def run(**kw):
        t = time.perf_counter()
        if name == "write":
            with CaptureQueriesContext(connection) as ctx:
                out = fn(**kw)
            statements[name] = len(ctx.captured_queries)
        else:
            out = fn(**kw)
        spans[name] = time.perf_counter() - t
        return out
    return run


def one_import(data: bytes, label: str) -> None:
    spans: dict = {}
    statements: dict = {}
    staged = hasattr(services, "enterprise_write_many")
    if staged:
        originals = (services.enterprises_check, services.enterprises_prepare, services.enterprise_write_many)
        services.enterprises_check = timed("check", originals[0], spans, statements)
        services.enterprises_prepare = timed("prepare", originals[1], spans, statements)
        services.enterprise_write_many = timed("write", originals[2], spans, statements)
    t = time.perf_counter()
    try:
        result = services.enterprises_import(by=None, data=data, name="bench.xlsx")
    finally:
        if staged:
            services.enterprises_check, services.enterprises_prepare, services.enterprise_write_many = originals
    total = time.perf_counter() - t
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in spans.items())
    print(f"{label}: {result} in {total:.1f} s" + (f" ({stages}; write transaction: {statements['write']} statements)"
                                                   if staged else " (one transaction around the write loop)"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--enterprises", type=int, default=10_000)
    args = ap.parse_args()
    require_migrated()
    start = Enterprise.objects.count() + 500_000  # codes never used before
    rng = random.Random(5)
    profiles = demo_enterprise_profiles(args.enterprises, seed=11, district="检索基准区")
    rows = [{"统一社会信用代码": f"91777000{start + i:010d}", "企业名称": f"导入基准企业{start + i}有限公司",
             "所在区域": rng.choice(STREETS), "数据日期": "2026-01-31", **{k: str(v) for k, v in p.items()}}
            for i, p in enumerate(profiles)]
    print(f"database: {connection.vendor}; load average {os.getloadavg()[0]:.1f}")
    one_import(_xlsx(ENTERPRISE_COLUMNS, rows), f"{len(rows):,} new enterprises")
    for r in rows:
        r["从业人数"] = str(int(float(r.get("从业人数") or 0)) + 1)
    one_import(_xlsx(ENTERPRISE_COLUMNS, rows), f"{len(rows):,} changed enterprises")
    print(f"load average after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
