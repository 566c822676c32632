"""Assessment at city scale (issue #4), on the dataset of bench/generate.py plus bench/assessment_data.py
(3,000 units × 140 leaves = 420,000 current scores per round, two earlier published rounds):

    .venv/bin/python bench/assessment.py [--runs 5] [--cards 20] [--profile compute|publish|card]
    .venv/bin/python bench/assessment.py --digest FILE     # write what the round computes (to compare code)
    .venv/bin/python bench/assessment.py --pages [options of bench/pages.py]   # the score card page over HTTP

Targets: the round computed — totals, ranks, grades and rules — in ≤ 2 s on SQLite and on PostgreSQL (issue #4),
`round_compute` in ≤ 0.35 s (issue #11), and a score card page p95 ≤ 150 ms.

- compute: `services.round_compute` of round 3 (read the scores, compute, store 3,000 results), committed,
  as the office runs it.
- publish: `services.round_publish` of round 3 (results from approved scores, stored, the snapshot kept,
  consequence rules run over the unit's history), inside a transaction that is then rolled back so every
  run publishes the same round. The rollback is not timed.
- card: `selectors.score_card` (all 140 leaves of one unit with each score, evidence, points, subtotals)
  for --cards units, as the city office and as the unit's street liaison, for round 3 (in review) and
  round 2 (published).
Each is run --runs times after one warm-up run; p50/p95 (nearest rank) are printed, with the queries of a
separate counted run and a breakdown of the time by step.

With --pages, if luoshi/assessment/urls.py has a score card page (a URL name containing "card"), it is
driven over HTTP with bench/pages.py's load client at --concurrency (20) and at 1 client.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CpuMeter, db_label, require_migrated, setup_django, wait_until_quiet  # noqa: E402

setup_django()

from decimal import Decimal  # noqa: E402

from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.db.models.functions import Mod  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from luoshi.assessment import engine, maintained, selectors, services  # noqa: E402
from luoshi.assessment.models import Consequence, Publication, Result, Round, RoundUnit, Score  # noqa: E402
from luoshi.org.models import Person, Unit  # noqa: E402

CODE = "bench-assess"
TARGET_S = 2.0
COMPUTE_TARGET_S = 0.35     # issue #11
CARD_TARGET_MS = 150


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--cards", type=int, default=20, help="units whose score card is timed")
    p.add_argument("--card-runs", type=int, default=3, help="calls per unit and user for the score card")
    p.add_argument("--only", default="", help="comma-separated: compute,publish,card")
    p.add_argument("--profile", default="", choices=["", "compute", "publish", "card"],
                   help="cProfile one run of this and print the top functions")
    p.add_argument("--digest", help="write a digest of everything round 3 computes and publishes to this file "
                                    "(JSON); compare two files to check an optimisation changed nothing")
    p.add_argument("--json", help="also write the numbers here")
    p.add_argument("--quiet", type=float, default=20, metavar="PCT",
                   help="before each measurement wait (up to 120 s) until the machine's CPU is less than PCT %% busy")
    p.add_argument("--pages", action="store_true", help="drive the score card page over HTTP (bench/pages.py)")
    p.add_argument("--change", type=float, default=0, metavar="PCT",
                   help="compute: before each run (not timed) change about PCT %% of round 3's current scores in one "
                        "UPDATE (a different slice each run), so the results change as after real scoring; without "
                        "it every run recomputes unchanged scores")
    return p.parse_known_args(argv)


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def setup():
    rounds = list(Round.objects.filter(scheme__code=CODE).order_by("period_end").select_related("scheme", "version"))
    if len(rounds) < 3:
        sys.exit("No bench assessment: run bench/assessment_data.py first.")
    office = Person.objects.get(username="bench_office")
    return rounds, office


class Steps:
    """Time spent in named functions of services/engine during a call (wrapped module attributes, so the
    calls inside round_publish/round_compute that look them up by name are counted)."""

    NAMES = [(services, "_inputs"), (services, "_previous_round"), (engine, "compute_points_round"),
             (services, "_store_results"), (services, "_snapshot"), (services, "_standings"),
             (services, "consequences_evaluate"), (services, "unit_preview")]

    def __init__(self):
        self.totals: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.saved = []

    def __enter__(self):
        for mod, name in self.NAMES:
            fn = getattr(mod, name, None)
            if fn is None:
                continue
            self.saved.append((mod, name, fn))

            def wrap(*a, __fn=fn, __name=name, **kw):
                t0, c0 = time.perf_counter(), time.process_time()
                try:
                    return __fn(*a, **kw)
                finally:
                    self.totals[__name] += time.perf_counter() - t0
                    self.cpu[__name] += time.process_time() - c0

            setattr(mod, name, wrap)
        return self

    def __exit__(self, *exc):
        for mod, name, fn in self.saved:
            setattr(mod, name, fn)
        return False


class _Rollback(Exception):
    pass


def run_compute(rnd, office):
    services.round_compute(by=office, round=rnd)


def run_publish(rnd, office):
    try:
        with transaction.atomic():
            services.round_publish(by=office, round=rnd, note="基准测试")
            raise _Rollback
    except _Rollback:
        pass


def score_changer(rnd, pct: float):
    """A function that changes about `pct` % of the round's current scores (those whose id falls in the next
    slice: id mod N = k, k advancing each call) by +0.25 in one UPDATE and commits, as an office's scoring would
    between two computations (the maintained tables rebuilt with it, untimed). Every rule
    reads a changed value differently, so totals, ranks and the rank leaves' peer points change."""
    if not pct:
        return lambda: None
    n, k = max(1, round(100 / pct)), [0]

    def change():
        with transaction.atomic():
            (Score.objects.filter(round=rnd, is_current=True).alias(slice=Mod("id", n)).filter(slice=k[0] % n)
             .update(value=F("value") + Decimal("0.25")))
            # the score services keep the maintained rank values (ADR 0041) with each score; a bulk UPDATE rebuilds them
            maintained.round_rebuild(rnd)
        k[0] += 1

    return change


def timed(label: str, fn, runs: int, quiet: float, before=lambda: None) -> dict:
    before()
    fn()  # warm-up (imports, parsed scheme, caches, the database's pages)
    wait_until_quiet(quiet)
    meter = CpuMeter(db_name=connection.settings_dict["NAME"] if connection.vendor == "postgresql" else None).start()
    times, cpu, steps, steps_cpu = [], [], defaultdict(list), defaultdict(list)
    for _ in range(runs):
        before()
        with Steps() as s:
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        for k, v in s.totals.items():
            steps[k].append(v)
            steps_cpu[k].append(s.cpu[k])
    noise = meter.stop()
    before()
    with CaptureQueriesContext(connection) as ctx:
        fn()
    out = {"label": label, "runs": runs, "p50_s": pct(times, 50), "p95_s": pct(times, 95), "min_s": min(times),
           "max_s": max(times), "cpu_p50_s": statistics.median(cpu), "queries": len(ctx.captured_queries),
           "steps_p50_s": {k: statistics.median(v) for k, v in steps.items()},
           "steps_cpu_p50_s": {k: statistics.median(v) for k, v in steps_cpu.items()}, **noise}
    return out


def print_timed(r: dict, target: float | None = None) -> None:
    ok = "" if target is None else ("  ✓" if r["p95_s"] <= target else f"  ✗ (target ≤ {target} s)")
    print(f"{r['label']:<28} p50 {r['p50_s']:6.3f} s  p95 {r['p95_s']:6.3f} s  (min {r['min_s']:.3f}, max "
          f"{r['max_s']:.3f}, {r['runs']} runs)  {r['queries']} queries{ok}", flush=True)
    print(f"{'':<28} this process's CPU p50 {r['cpu_p50_s']:.3f} s" + (
        f"; other processes' CPU {r['cpu_other_pct']:.0f} % of the machine, load {r.get('loadavg', 0):.2f}"
        if r.get("cpu_other_pct") is not None else ""), flush=True)
    print(f"{'':<28}   {'step (p50)':<24} {'wall':>7} {'cpu':>7}", flush=True)
    for k, v in sorted(r["steps_p50_s"].items(), key=lambda kv: -kv[1]):
        print(f"{'':<28}   {k:<24} {v:6.3f}s {r['steps_cpu_p50_s'][k]:6.3f}s", flush=True)


def card_people(rnd, n: int):
    ids = list(RoundUnit.objects.filter(round=rnd).order_by("unit__path").values_list("unit_id", flat=True))
    step = max(1, len(ids) // n)
    units = list(Unit.objects.filter(pk__in=ids[::step][:n]).select_related("parent").order_by("path"))
    liaisons = {p.username: p for p in Person.objects.filter(username__in=[f"liaison_u{u.parent_id}" for u in units])}
    return units, liaisons


def time_cards(rnd, office, n: int, runs: int, quiet: float) -> list[dict]:
    units, liaisons = card_people(rnd, n)
    out = []
    for who in ("city office", "street liaison"):
        def user_for(u):
            return office if who == "city office" else liaisons[f"liaison_u{u.parent_id}"]

        def fresh(user):
            # a request gets a fresh user object: no cached scope or assignments from the last call
            return Person.objects.get(pk=user.pk)

        rnd_fresh = Round.objects.select_related("scheme__owner_unit", "scheme__region", "version").get(pk=rnd.pk)
        selectors.score_card(fresh(user_for(units[0])), rnd_fresh, units[0])  # warm-up
        wait_until_quiet(quiet)
        meter = CpuMeter(db_name=connection.settings_dict["NAME"] if connection.vendor == "postgresql" else None).start()
        times = []
        for _ in range(runs):
            for u in units:
                user = fresh(user_for(u))
                r = Round.objects.select_related("scheme__owner_unit", "scheme__region", "version").get(pk=rnd.pk)
                t0 = time.perf_counter()
                card = selectors.score_card(user, r, u)
                len(card.lines)
                times.append((time.perf_counter() - t0) * 1000)
        noise = meter.stop()
        user = fresh(user_for(units[0]))
        r = Round.objects.select_related("scheme__owner_unit", "scheme__region", "version").get(pk=rnd.pk)
        with CaptureQueriesContext(connection) as ctx:
            selectors.score_card(user, r, units[0])
        out.append({"label": f"score_card {rnd.state} ({who})", "n": len(times), "p50_ms": pct(times, 50),
                    "p95_ms": pct(times, 95), "max_ms": max(times), "queries": len(ctx.captured_queries), **noise})
    return out


def print_card(r: dict) -> None:
    ok = "  ✓" if r["p95_ms"] <= CARD_TARGET_MS else f"  ✗ (target ≤ {CARD_TARGET_MS} ms)"
    print(f"{r['label']:<44} p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  max {r['max_ms']:6.1f} ms  "
          f"({r['n']} calls)  {r['queries']} queries{ok}", flush=True)


def profile(kind: str, rnd, old, office) -> None:
    import cProfile
    import io
    import pstats

    fn = {"compute": lambda: run_compute(rnd, office), "publish": lambda: run_publish(rnd, office),
          "card": lambda: selectors.score_card(office, old, RoundUnit.objects.filter(round=old).first().unit)}[kind]
    fn()
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    s = io.StringIO()
    st = pstats.Stats(prof, stream=s)
    st.sort_stats("cumulative").print_stats(35)
    st.sort_stats("tottime").print_stats(25)
    print(s.getvalue())


# ---- digest: what the round computes, to compare two versions of the code ---------------------------------

def _d(v):
    return None if v is None else str(v)


def digest(rnd, old, office) -> dict:
    out = {}
    results = services.results_compute(rnd)
    out["results_compute"] = [
        [r.unit_id, r.group, {k: str(v) for k, v in sorted(r.leaf_points.items())}, [str(s) for s in r.subtotals],
         str(r.earned), str(r.available), str(r.bonus), str(r.deduction), str(r.total_raw), str(r.total), _d(r.rate),
         r.grade, r.stars, r.vetoed, r.excluded, _d(r.rank), r.group_size, r.top, r.bottom, r.movement, r.figures]
        for r in results]
    units = [ru.unit for ru in RoundUnit.objects.filter(round=rnd).select_related("unit").order_by("unit__path")[::300]]
    previews = {}
    for u in units:
        p = services.unit_preview(rnd, u.pk)
        previews[u.pk] = [{k: str(v) for k, v in sorted(p.leaf_points.items())}, str(p.total), _d(p.rate), p.grade,
                          p.excluded]
    out["unit_preview"] = previews
    cards = {}
    for r_ in (rnd, old):
        for u in units[:4]:
            c = selectors.score_card(office, r_, u)
            cards[f"{r_.pk}:{u.pk}"] = [[ln.indicator.code, _d(ln.points), ln.rule_text, _d(ln.earned), ln.excluded,
                                         [(_d(s.value), s.level, s.evaluator_id) for s in ln.scores]] for ln in c.lines]
    out["score_card"] = cards
    try:
        with transaction.atomic():
            services.round_publish(by=office, round=rnd, note="digest")
            out["stored"] = [[r.unit_id, r.group, str(r.earned), str(r.available), str(r.bonus), str(r.deduction),
                              str(r.total_raw), str(r.total), _d(r.rate), _d(r.rank), r.group_size, r.grade, r.stars,
                              r.vetoed, r.excluded, r.is_top, r.is_bottom, r.movement, r.subtotals, r.figures]
                             for r in Result.objects.filter(round=rnd).order_by("unit_id")]
            out["snapshot"] = Publication.objects.get(round=rnd, revision=1).table
            out["consequences"] = sorted(
                [c.unit_id, c.rule_code, c.rule_name, c.action, c.occurrence, c.detail, _d(c.payment_share), c.state]
                for c in Consequence.objects.filter(round=rnd))
            raise _Rollback
    except _Rollback:
        pass
    return out


def main() -> None:
    args, rest = parse_args()
    require_migrated()
    (r1, r2, rnd), office = setup()
    n_scores = Score.objects.filter(round=rnd, is_current=True).count()
    print(f"luoshi bench assessment → {db_label()}")
    print(f"round {rnd.name} ({rnd.state}): {RoundUnit.objects.filter(round=rnd).count():,} units × "
          f"{len(rnd.version.definition().leaves())} leaves, {n_scores:,} current scores; history "
          f"{r1.name} ({r1.state}), {r2.name} ({r2.state})", flush=True)
    if args.digest:
        d = digest(rnd, r2, office)
        text = json.dumps(d, ensure_ascii=False, sort_keys=True, default=str)
        Path(args.digest).write_text(text)
        print(f"digest {hashlib.sha256(text.encode()).hexdigest()[:16]} → {args.digest} "
              f"({len(d['results_compute'])} results, {len(d['consequences'])} consequences)")
        return
    if args.profile:
        profile(args.profile, rnd, r2, office)
        return
    if args.pages:
        return run_pages(rnd, r2, rest, args.json)
    only = set(filter(None, args.only.split(","))) or {"compute", "publish", "card"}
    report = {"db": db_label(), "scores": n_scores}
    if "compute" in only:
        label = f"round_compute ({args.change:g} % changed)" if args.change else "round_compute"
        r = timed(label, lambda: run_compute(rnd, office), args.runs, args.quiet,
                  before=score_changer(rnd, args.change))
        print_timed(r, COMPUTE_TARGET_S)
        report["compute"] = r
    if "publish" in only:
        r = timed("round_publish (rolled back)", lambda: run_publish(rnd, office), args.runs, args.quiet)
        print_timed(r, TARGET_S)
        report["publish"] = r
    if "card" in only:
        report["cards"] = []
        for rr in (rnd, r2):
            for c in time_cards(rr, office, args.cards, args.card_runs, args.quiet):
                print_card(c)
                report["cards"].append(c)
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))


# ---- the score card page over HTTP ----------------------------------------------------------------------------

def card_url(rnd, unit) -> str | None:
    """The score card page's path, when luoshi/assessment/urls.py has one (a URL name with "assess" and
    "card", not a download): its round and unit arguments filled in."""
    from django.urls import NoReverseMatch, get_resolver, reverse

    resolver = get_resolver()
    names = sorted(k for k in resolver.reverse_dict.keys()
                   if isinstance(k, str) and "assess" in k and "card" in k and "pdf" not in k)
    for name in names:
        params = set()
        for possibility, _pattern, _defaults, _converters in resolver.reverse_dict.getlist(name):
            for _text, ps in possibility:
                params |= set(ps)
        kwargs = {}
        for p in params:
            if "unit" in p:
                kwargs[p] = unit.pk
            elif "round" in p or p == "pk":
                kwargs[p] = rnd.pk
            elif "scheme" in p:
                kwargs[p] = rnd.scheme_id
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


def run_pages(rnd, old, rest: list[str], json_path: str | None = None) -> None:
    from bench import pages

    units, liaisons = card_people(old, 2)
    office = Person.objects.get(username="bench_office")
    spec = []
    for r_ in (rnd, old):
        u = units[0]
        path = card_url(r_, u)
        if path is None:
            sys.exit("No score card page in luoshi/assessment/urls.py (no URL name with “assess” and “card”): "
                     "the selector numbers are what there is.")
        spec.append((f"score card ({r_.state})", path, "city office", office))
        spec.append((f"score card ({r_.state})", path, "street liaison", liaisons[f"liaison_u{u.parent_id}"]))
    pages.pick_pages = lambda: [{"label": label, "path": path, "role": role, "user": user}
                                for label, path, role, user in spec]
    pages.TARGETS_MS.update({label: CARD_TARGET_MS for label, *_ in spec})
    concurrency = "20"
    if "--concurrency" in rest:
        concurrency = rest[rest.index("--concurrency") + 1]
    for c in dict.fromkeys([concurrency, "1"]):
        argv = [a for i, a in enumerate(rest) if a != "--concurrency" and (i == 0 or rest[i - 1] != "--concurrency")]
        sys.argv = [sys.argv[0], *argv, "--concurrency", c]
        if json_path:   # one file per run: pages-sqlite.json → pages-sqlite-c20.json, pages-sqlite-c1.json
            sys.argv += ["--json", str(Path(json_path).with_name(f"{Path(json_path).stem}-c{c}.json"))]
        print(f"\n== score card page, {c} concurrent client(s)", flush=True)
        pages.main()


if __name__ == "__main__":
    main()
