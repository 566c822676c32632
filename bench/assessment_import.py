"""Score import at city scale (issue #4): a 3,000 units × 140 leaves matrix (420,000 cells) imported from
Excel with luoshi.assessment.excel.scores_import_xlsx, the code behind `luoshi assess import`.

    .venv/bin/python bench/assessment_import.py [--runs 3] [--units 3000] [--sheets 1] [--cli] [--keep]

Needs the city of bench/generate.py (`--tasks 2000 --reports 10000 --no-warnings` is enough). Uses the
scheme bench-assess of bench/assessment_data.py when it is there (else it stores the same scheme, made by
that script's generator, and deletes it afterwards). It then

1. creates a round over the first --units communities in the scoring state (the evaluators of
   assessment_data assigned to it);
2. writes two score sheets: “单位名称” and one column per leaf headed “code name”, one row per unit, values
   as an office writes them (numbers, 优/良/中/差, 达标/不达标) from assessment_data's value model, and the
   same with every value changed; with --sheets N the units are split over N sheets, one per evaluator
   (sheet name = the evaluator's username);
3. times, --runs times each, the p50 reported:
   - check: `dry_run=True` (read and validate the whole file, compare with the current scores, write
     nothing);
   - import: into a round without scores (the round's scores are deleted before each run, not timed);
   - same again: the same file once more — every cell equals the current score, nothing is written;
   - replace all: a second file in which every cell differs, then the first again, and so on: each run
     replaces all 420,000 current scores (kept, no longer current) — the worst case;
   - with --cli, one more `luoshi assess import` (replace all) as a new process (Django start-up
     included);
   - with --exports, the round computed and its 排名表 (xlsx, json), 排名通报 (docx) and one 评分卡 (pdf),
     p50 of 3 each;
4. deletes the round (and the scheme, if it made it) unless --keep.

Target: ≤ 30 s for the 420,000 cells on SQLite and on PostgreSQL.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, CpuMeter, db_label, require_migrated, setup_django, wait_until_quiet  # noqa: E402

setup_django()

from django.db import connection, transaction  # noqa: E402
from luoshi.core.excel import workbook_new  # noqa: E402

from bench.assessment_data import CODE, GROUPS, build_scheme, evaluators, leaf_value  # noqa: E402
from luoshi.assessment import services  # noqa: E402
from luoshi.assessment.excel import scores_import_xlsx  # noqa: E402
from luoshi.assessment.models import EvaluatorAssignment, Indicator, Round, Scheme, Score  # noqa: E402
from luoshi.core import clock  # noqa: E402
from luoshi.org.models import Person, Unit, UnitKind  # noqa: E402

ROUND_NAME = "导入基准（bench/assessment_import.py）"
TARGET_S = 30.0


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--units", type=int, default=3000)
    p.add_argument("--sheets", type=int, default=1, help="split the units over this many sheets, one per evaluator")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--write-only", action="store_true",
                   help="save the score sheet with openpyxl's streaming writer (no dimension, inline strings)")
    p.add_argument("--cli", action="store_true", help="also time one `luoshi assess import` as a new process")
    p.add_argument("--exports", action="store_true",
                   help="then compute the round and time the exports: 排名表 xlsx and json, 排名通报 docx, one 评分卡 pdf")
    p.add_argument("--keep", action="store_true", help="keep the round (and the file: --save-xlsx)")
    p.add_argument("--save-xlsx", help="write the generated score sheet here")
    p.add_argument("--quiet", type=float, default=20, metavar="PCT",
                   help="before each measurement wait (up to 120 s) until the machine's CPU is less than PCT %% busy")
    return p.parse_args()


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def display(value, level: str, kind: str):
    if level:
        return level
    if kind == "pass_fail":
        return "达标" if value >= 1 else "不达标"
    return int(value) if value == value.to_integral_value() else float(value)


def matrix(rng: random.Random, units: list[Unit], leaves: list[dict]) -> list[list[tuple]]:
    """(value, level) per unit and leaf, from assessment_data's model of a unit of quality q."""
    out = []
    for _u in units:
        q = min(1.0, max(0.45, rng.betavariate(6, 1.6)))
        out.append([leaf_value(leaf, q, rng) for leaf in leaves])
    return out


def altered(leaf: dict, value, level: str) -> tuple:
    """Another valid input for the leaf, so that every cell of the second file differs from the first."""
    kind = leaf["kind"]
    if kind == "rubric":
        names = [n for n, _p in leaf["levels"]]
        name, pts = leaf["levels"][(names.index(level) + 1) % len(names)]
        return pts, name
    if kind == "pass_fail":
        return 1 - value, ""
    if kind == "deduction":
        return (value + 1 if value < 12 else value - 1), ""
    if kind == "direct":
        return (value - Decimal("0.5") if value >= Decimal("0.5") else value + Decimal("0.5")), ""
    return value + 1, ""


def score_sheet(values: list[list[tuple]], units: list[Unit], leaves: list[dict], names: dict[str, str],
                sheet_names: list[str], write_only: bool = False) -> bytes:
    """The office's file: “单位名称” and a column per leaf (“code name”), a row per unit. By default it is
    saved with the sheet's dimension at its head, as Excel and WPS save it; write_only=True saves it as
    openpyxl's streaming writer does (no dimension: openpyxl then reads the whole sheet once more to size
    it). openpyxl writes text cells inline where Excel uses a shared string table."""
    wb = workbook_new(write_only=write_only)
    if not write_only:
        wb.remove(wb.active)
    per = -(-len(units) // len(sheet_names))
    header = ["单位名称"] + [f"{leaf['code']} {names[leaf['code']]}" for leaf in leaves]
    for k, title in enumerate(sheet_names):
        ws = wb.create_sheet(title)
        ws.append(header)
        for u, row in list(zip(units, values))[k * per:(k + 1) * per]:
            ws.append([u.name] + [display(v, lv, leaf["kind"]) for (v, lv), leaf in zip(row, leaves)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def measure(label: str, fn, runs: int, quiet: float, before=None) -> dict:
    times, noise = [], []
    report = None
    for _ in range(runs):
        if before:
            before()
        wait_until_quiet(quiet)
        db_name = connection.settings_dict["NAME"] if connection.vendor == "postgresql" else None
        meter = CpuMeter(db_name=db_name).start()
        t0 = time.perf_counter()
        report = fn()
        times.append(time.perf_counter() - t0)
        noise.append(meter.stop())
    r = {"label": label, "runs": runs, "p50_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
         "times": times, "cpu_other_pct": max((n.get("cpu_other_pct", 0) for n in noise), default=0),
         "report": report}
    ok = "  ✓" if r["p50_s"] <= TARGET_S else f"  ✗ (target ≤ {TARGET_S:.0f} s)"
    print(f"{label:<12} p50 {r['p50_s']:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})  "
          f"other CPU ≤ {r['cpu_other_pct']:.0f} %{ok}", flush=True)
    return r


def time_exports(rnd, office) -> None:
    from luoshi.assessment.excel import league_json, league_xlsx
    from luoshi.documents.assessment_docs import ranking_bulletin_docx, scorecard_pdf

    t0 = time.perf_counter()
    services.round_compute(by=office, round=rnd)
    print(f"{'compute':<12} {time.perf_counter() - t0:6.2f} s  (services.round_compute, for the exports)", flush=True)
    unit = Unit.objects.get(pk=rnd.participants.order_by("unit__path").values_list("unit_id", flat=True).first())
    for label, fn in (("league xlsx", lambda: league_xlsx(user=office, round=rnd)),
                      ("league json", lambda: league_json(user=office, round=rnd).encode()),
                      ("bulletin", lambda: ranking_bulletin_docx(user=office, round=rnd)),
                      ("score card", lambda: scorecard_pdf(user=office, round=rnd, units=[unit]))):
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            data = fn()
            times.append(time.perf_counter() - t0)
        print(f"{label:<12} p50 {statistics.median(times):6.2f} s  ({len(data) / 1e3:,.0f} kB)", flush=True)


def main() -> None:
    args = parse_args()
    require_migrated()
    city = Unit.objects.filter(kind=UnitKind.CITY, name="滨海市").first()
    office = Person.objects.filter(username="bench_office").first()
    if city is None or office is None:
        sys.exit("No bench city: run bench/generate.py first (--tasks 2000 --reports 10000 --no-warnings is enough).")
    Round.objects.filter(name=ROUND_NAME).delete()      # left by a run with --keep or a failed run
    rng = random.Random(args.seed)
    text, leaves = build_scheme(random.Random(args.seed))
    scheme = Scheme.objects.filter(code=CODE).first()
    made_scheme = scheme is None
    if made_scheme:
        scheme, _version, _new = services.scheme_save(by=office, text=text, note="导入基准")
    version = scheme.versions.order_by("-number").first()
    ind = {i.code: i for i in Indicator.objects.filter(version=version, is_leaf=True)}
    assert set(ind) == {leaf["code"] for leaf in leaves}, "bench-assess differs from assessment_data's generator"
    names = {code: i.name for code, i in ind.items()}
    districts = list(Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("sort_order", "id"))
    group_of_district = {d.pk: GROUPS[0 if i < 4 else 1 if i < 7 else 2][0] for i, d in enumerate(districts)}
    units = list(Unit.objects.filter(kind=UnitKind.COMMUNITY, is_active=True).select_related("parent")
                 .order_by("path"))[: args.units]
    evals = evaluators(city, office.unit)
    print(f"luoshi bench assessment import → {db_label()}  ({len(units):,} units × {len(leaves)} leaves = "
          f"{len(units) * len(leaves):,} cells, {args.sheets} sheet(s)"
          f"{', written by openpyxl write-only' if args.write_only else ''})", flush=True)
    today = clock.today()
    rnd = services.round_create(by=office, scheme=scheme, name=ROUND_NAME, period_start=today, period_end=today,
                                units=units, groups={u.pk: group_of_district[u.parent.parent_id] for u in units})
    EvaluatorAssignment.objects.bulk_create([EvaluatorAssignment(round=rnd, person=p) for p in evals])
    for to in ("collecting", "scoring"):
        rnd = services.round_advance(by=office, round=rnd, to=to)
    sheet_names = [p.username for p in evals[: args.sheets]] if args.sheets > 1 else ["评分表"]
    t0 = time.perf_counter()
    values = matrix(rng, units, leaves)
    first = score_sheet(values, units, leaves, names, sheet_names, write_only=args.write_only)
    other = [[altered(leaf, v, lv) for (v, lv), leaf in zip(row, leaves)] for row in values]
    second = score_sheet(other, units, leaves, names, sheet_names, write_only=args.write_only)
    print(f"two score sheets written in {time.perf_counter() - t0:.1f} s: {len(first) / 1e6:.1f} MB each; "
          "every cell of the second differs from the first", flush=True)
    if args.save_xlsx:
        Path(args.save_xlsx).write_bytes(first)
    evaluator = evals[0] if args.sheets == 1 else None
    cells = len(units) * len(leaves)
    files = {"first": first, "second": second}
    turn = {"next": "second"}

    def run(which: str, dry_run: bool = False):
        def go():
            name = which
            if which == "alternate":          # each run replaces every cell the run before wrote
                name = turn["next"]
                turn["next"] = "first" if name == "second" else "second"
            return scores_import_xlsx(by=Person.objects.get(pk=office.pk), round=rnd, data=files[name],
                                      filename=f"bench-{name}.xlsx", dry_run=dry_run, evaluator=evaluator)
        return go

    def clear():
        """Delete the round's scores fast (raw DELETEs in one transaction: the foreign keys are checked at
        commit, when the rows that point at each other are all gone)."""
        with transaction.atomic():
            Score.evidence.through.objects.filter(score__round=rnd)._raw_delete(connection.alias)
            Score.objects.filter(round=rnd)._raw_delete(connection.alias)

    results = []
    try:
        results.append(measure("check", run("first", dry_run=True), args.runs, args.quiet))
        results.append(measure("import", run("first"), args.runs, args.quiet, before=clear))
        assert results[-1]["report"]["created"] == cells, results[-1]["report"]
        results.append(measure("same again", run("first"), args.runs, args.quiet))
        assert results[-1]["report"]["unchanged"] == cells, results[-1]["report"]
        results.append(measure("replace all", run("alternate"), args.runs, args.quiet))
        assert results[-1]["report"]["replaced"] == cells, results[-1]["report"]
        current = Score.objects.filter(round=rnd, is_current=True).count()
        print(f"current scores {current:,}; all rows of the round {Score.objects.filter(round=rnd).count():,}",
              flush=True)
        if args.exports:
            time_exports(rnd, office)
        if args.cli:
            with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as f:
                f.write(files[turn["next"]])
            cmd = [str(ROOT / ".venv/bin/luoshi"), "assess", "import", f.name, "--round", str(rnd.pk),
                   "--as", office.username] + (["--evaluator", evaluator.username] if evaluator else [])
            wait_until_quiet(args.quiet)
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
            elapsed = time.perf_counter() - t0
            os.unlink(f.name)
            print(f"{'cli':<12} {elapsed:6.2f} s  (`luoshi assess import`, exit {proc.returncode}): "
                  f"{proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr.strip()[-300:]}",
                  flush=True)
    finally:
        if not args.keep:
            t0 = time.perf_counter()
            clear()
            rnd.delete()
            if made_scheme:
                Indicator.objects.filter(version__scheme=scheme).delete()
                scheme.versions.all().delete()
                scheme.delete()
            print(f"cleaned up in {time.perf_counter() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
