"""Add a city-scale assessment to the dataset made by bench/generate.py (issue #4):

    .venv/bin/python bench/assessment_data.py [--units 3000 --seed 1]

The scheme bench-assess (文明社区测评（基准）, owned by 市政府办公厅 over 滨海市): 7 items → 28 indicators →
140 standards (leaves) with a realistic mix of rules — direct, pass_fail, deduction, ratio (two lower-is-
better), linear (功效系数), rank (争先进位, within the peer group) and rubric (优/良/中/差) — two deduction
items (one capped, one 一票否决), bonuses (4 levels × 3 kinds, capped), four grades, 十佳/十差, three peer
groups (城区社区 / 城乡结合部社区 / 农村社区, by district) and three consequence rules (bottom 10 twice
running; below 60 % of full marks twice running; 不合格 → payment share).

Three quarterly rounds over the ~3,000 communities, each with one current, approved score per unit × leaf
(3,000 × 140 = 420,000 rows per round; ~1 % of cells also keep an older replaced score), a few hundred
bonus and deduction entries, and five units excluded from ranking:
  round 1 — published through services.round_publish (as of its publication day), then finalised;
  round 2 — published through services.round_publish, in its appeal window;
  round 3 — the current round, in review (every score approved): bench/assessment.py computes and
            publishes this one (and rolls the publication back).
Scores are written with executemany (SQLite) / COPY (PostgreSQL) through bench/generate.py's Writer; the
rounds, the scheme and the publications go through the real services. The publish times of rounds 1
and 2 are printed (the first publication of a round with no history, and one with history).
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PASSWORD, db_label, require_migrated, setup_django  # noqa: E402

setup_django()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bench.generate import LOCAL, Writer  # noqa: E402
from luoshi.assessment import maintained, services  # noqa: E402
from luoshi.assessment.models import (  # noqa: E402
    Adjustment, EvaluatorAssignment, Indicator, Result, Round, RoundState, RoundUnit, Scheme, Score, ScoreStatus,
)
from luoshi.core import clock  # noqa: E402
from luoshi.org.models import Person, Role, RoleGrant, Unit, UnitKind  # noqa: E402

CODE = "bench-assess"
ROUND_NAMES = ("基准第1期", "基准第2期", "基准第3期")
GROUPS = [("urban", "城区社区"), ("fringe", "城乡结合部社区"), ("rural", "农村社区")]
ITEMS = [
    ("A", "组织领导", ["领导体制", "工作机制", "队伍建设", "经费保障"]),
    ("B", "党建引领", ["组织建设", "党员管理", "阵地建设", "共驻共建"]),
    ("C", "社区治理", ["居民自治", "网格管理", "矛盾调解", "议事协商"]),
    ("D", "环境卫生", ["公共区域保洁", "垃圾分类", "绿化养护", "楼院秩序"]),
    ("E", "民生服务", ["养老服务", "便民服务", "就业帮扶", "困难救助"]),
    ("F", "平安建设", ["治安防控", "消防安全", "安全隐患排查", "应急处置"]),
    ("G", "文明创建", ["志愿服务", "宣传氛围", "移风易俗", "群众满意度"]),
]
STANDARDS = ["制度健全并上墙公示", "台账资料完整规范", "按要求召开专题会议", "工作人员在岗履职", "问题整改及时到位",
             "居民知晓率达到要求", "设施完好正常使用", "活动开展有记录有影像", "信息按时报送", "群众反映问题办结"]
METHODS = ["查阅档案", "实地核验", "随机访谈", "网络检索", "问卷调查", "第三方测评"]
# rule kind by position within an indicator's five standards, varied by indicator
RULE_CYCLE = ["direct", "pass_fail", "deduction", "direct", "rubric", "ratio", "linear", "direct", "pass_fail",
              "deduction", "direct", "rubric", "ratio", "direct", "pass_fail", "linear", "direct", "deduction",
              "direct", "rank"]
BATCH = 20_000
APPROVED = ScoreStatus.APPROVED.value    # a plain str for COPY


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--units", type=int, default=3000, help="communities taking part (at most all of them)")
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args()


# ---- the scheme --------------------------------------------------------------------------------------

def build_scheme(rng: random.Random) -> tuple[str, list[dict]]:
    """The YAML text and the leaves as dicts (code, points, rule kind, parameters) for the score writer."""
    leaves: list[dict] = []
    lines = ["kind: scheme", f"code: {CODE}", "name: 文明社区测评（基准）", "region: 滨海市", "owner_unit: 市政府办公厅",
             "description: 基准测试用的城市级测评体系（140 项末级标准，3 个分组）。", "precision: 2", "rounding: half_up",
             "rank_method: competition", "top_bottom: 10", "appeal_days: 10", "cadence: quarterly", "peer_groups:"]
    lines.append(f"  - {{code: {GROUPS[0][0]}, name: {GROUPS[0][1]}, unit_kinds: [community]}}")
    lines += [f"  - {{code: {c}, name: {n}}}" for c, n in GROUPS[1:]]
    lines.append("items:")
    k = 0
    for code, name, indicators in ITEMS:
        lines += [f"  - code: {code}", f"    name: {name}", "    children:"]
        for i, ind_name in enumerate(indicators, 1):
            lines += [f"      - code: {code}{i}", f"        name: {ind_name}", "        children:"]
            for j in range(1, 6):
                kind = RULE_CYCLE[k % len(RULE_CYCLE)]
                k += 1
                leaf_code = f"{code}{i}.{j}"
                points = rng.choice([4, 5, 6, 8, 10]) if kind in ("direct", "rubric") else rng.choice([4, 5, 6])
                method = rng.choice(METHODS)
                leaf = {"code": leaf_code, "points": Decimal(points), "kind": kind}
                rule = ""
                if kind == "pass_fail":
                    rule = "{type: pass_fail}"
                elif kind == "deduction":
                    leaf["per"] = Decimal(rng.choice(["0.5", "1"]))
                    rule = f"{{type: deduction, per: {leaf['per']}}}"
                elif kind == "ratio":
                    leaf["lower_better"] = rng.random() < 0.3
                    leaf["target"] = Decimal(10) if leaf["lower_better"] else Decimal(100)
                    rule = (f"{{type: ratio, target: {leaf['target']}"
                            + (", lower_better: true}" if leaf["lower_better"] else "}"))
                elif kind == "linear":
                    rule = "{type: linear, satisfactory: 95, allowed: 60}"
                elif kind == "rank":
                    rule = "{type: rank, step: 0.0005}"
                elif kind == "rubric":
                    leaf["levels"] = [("优", Decimal(points)), ("良", Decimal(points) * Decimal("0.8")),
                                      ("中", Decimal(points) * Decimal("0.6")), ("差", Decimal(points) * Decimal("0.3"))]
                    rule = ("{type: rubric, levels: ["
                            + ", ".join(f"{{name: {n}, points: {p.normalize():f}}}" for n, p in leaf["levels"]) + "]}")
                std = STANDARDS[(k * 7) % len(STANDARDS)]
                extra = ", missing: exclude" if kind == "ratio" and j == 5 else ""
                lines.append(f"          - {{code: {leaf_code}, name: {ind_name}{std}, points: {points}, method: {method}"
                             + (f", rule: {rule}" if rule else "") + extra + "}")
                leaves.append(leaf)
    full = sum((leaf["points"] for leaf in leaves), Decimal(0))
    lines += ["grades:", f"  - {{name: 优秀, min: {full * Decimal('0.9')}, stars: 5}}",
              f"  - {{name: 良好, min: {full * Decimal('0.8')}, stars: 4}}",
              f"  - {{name: 合格, min: {full * Decimal('0.6')}, stars: 3}}", "  - {name: 不合格, min: 0, stars: 1}",
              "deductions:", "  - {code: N1, name: 被市级以上通报批评, points: 5, cap: 15}",
              "  - {code: N2, name: 发生重大安全责任事故, points: 0, veto: true}",
              "bonuses:", "  levels: [国家级, 省部级, 市级, 区级]", "  cap: 20", "  item: 文明创建", "  kinds:",
              "    - {code: honor, name: 表彰奖励, points: {国家级: 10, 省部级: 6, 市级: 3, 区级: 1}, cap: 12}",
              "    - {code: promo, name: 经验推广, points: {国家级: 8, 省部级: 5, 市级: 2, 区级: 1}}",
              "    - {code: memo, name: 领导批示肯定, points: {国家级: 6, 省部级: 4, 市级: 2, 区级: 1}, cap: 8}",
              "rules:",
              "  - code: bottom10", "    name: 连续两期组内后十名", "    when: {type: rank_bottom, k: 10, bottom: strict}",
              "    consecutive: 2", "    actions: [通报批评, 约谈, 摘牌]",
              "  - code: low", "    name: 连续两期低于合格线", f"    when: {{type: score_below, value: {full * Decimal('0.6')}}}",
              "    consecutive: 2", "    excluded: breaks", "    actions: [限期整改]",
              "  - code: pay", "    name: 不合格扣减工作经费", "    when: {type: grade_in, grades: [不合格]}",
              "    actions: [扣减工作经费]", "    payment: {优秀: 1.0, 良好: 0.95, 合格: 0.9, 不合格: 0.8}"]
    return "\n".join(lines) + "\n", leaves


def leaf_value(leaf: dict, q: float, rng: random.Random) -> tuple[Decimal, str]:
    """A plausible input for a unit of quality q (0.5 … 1) on this leaf → (value, rubric level)."""
    kind, points = leaf["kind"], leaf["points"]
    if kind == "direct":
        v = float(points) * min(1.0, max(0.0, q + rng.gauss(0, 0.08)))
        return Decimal(round(v * 2) / 2).quantize(Decimal("0.1")), ""
    if kind == "pass_fail":
        return Decimal(1 if rng.random() < q + 0.05 else 0), ""
    if kind == "deduction":
        n = 0
        while rng.random() > q and n < 12:
            n += 1
        return Decimal(n), ""
    if kind == "ratio":
        if leaf["lower_better"]:
            return Decimal(round(10 + (1 - q) * 20 + rng.uniform(-2, 2), 1)).quantize(Decimal("0.1")), ""
        return Decimal(round(100 * q + rng.uniform(-10, 10), 1)).quantize(Decimal("0.1")), ""
    if kind == "linear":
        return Decimal(round(60 + 40 * q + rng.uniform(-8, 6), 2)).quantize(Decimal("0.01")), ""
    if kind == "rank":
        return Decimal(round(100 * q + rng.uniform(-5, 5), 1)).quantize(Decimal("0.1")), ""
    if kind == "rubric":
        x = q + rng.gauss(0, 0.1)
        name, pts = leaf["levels"][0 if x > 0.92 else 1 if x > 0.8 else 2 if x > 0.6 else 3]
        return pts, name
    raise ValueError(kind)


# ---- people ---------------------------------------------------------------------------------------------

def evaluators(city: Unit, office_dept: Unit, n: int = 12) -> list[Person]:
    names = [f"bench_eval_{k:02d}" for k in range(1, n + 1)]
    existing = list(Person.objects.filter(username__in=names).order_by("username"))
    if len(existing) == n:
        return existing
    password, now = make_password(PASSWORD), clock.now()
    people = Person.objects.bulk_create([
        Person(username=u, password=password, full_name=f"测评员{k:02d}", title="第三方测评员", unit=office_dept,
               email=f"{u}@bench.invalid", date_joined=now) for k, u in enumerate(names, 1)])
    RoleGrant.objects.bulk_create([RoleGrant(person=p, role=Role.EVALUATOR, unit=city, granted_at=now) for p in people])
    return people


# ---- rounds ------------------------------------------------------------------------------------------------

def quarters_before(today: dt.date, n: int) -> list[tuple[dt.date, dt.date]]:
    """The n quarters before the current one, oldest first."""
    q0 = (today.month - 1) // 3
    out = []
    y, q = today.year, q0
    for _ in range(n):
        q -= 1
        if q < 0:
            y, q = y - 1, 3
        start = dt.date(y, 3 * q + 1, 1)
        end = (dt.date(y + (q == 3), (3 * q + 3) % 12 + 1, 1) - dt.timedelta(days=1))
        out.append((start, end))
    return out[::-1]


def at_local(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=LOCAL).astimezone(dt.timezone.utc)


def write_round_scores(w: Writer, rng: random.Random, rnd: Round, units: list[Unit], quality: dict[int, float],
                       leaves: list[dict], ind_ids: dict[str, int], evals: list[Person], office: Person,
                       scored_day: dt.date) -> int:
    cols = ["round_id", "unit_id", "indicator_id", "evaluator_id", "value", "level", "note", "status", "is_current",
            "source", "scored_at", "approved_by_id", "approved_at"]
    scored_at, approved_at = at_local(scored_day, 10), at_local(scored_day + dt.timedelta(days=3), 16)
    rows, n = [], 0
    for u in units:
        ev = evals[u.pk % len(evals)].pk
        q = min(1.0, max(0.4, quality[u.pk] + rng.gauss(0, 0.03)))
        for leaf in leaves:
            iid = ind_ids[leaf["code"]]
            if rng.random() < 0.01:   # corrected once: the first score stays, no longer current
                old, _lv = leaf_value(leaf, q, rng)
                rows.append((rnd.pk, u.pk, iid, ev, old, _lv, "初评", APPROVED, False, "import",
                             scored_at - dt.timedelta(days=1), office.pk, approved_at))
            value, level = leaf_value(leaf, q, rng)
            rows.append((rnd.pk, u.pk, iid, ev, value, level, "", APPROVED, True, "import", scored_at,
                         office.pk, approved_at))
            if len(rows) >= BATCH:
                w.insert(Score, cols, rows)
                n += len(rows)
                rows = []
    w.insert(Score, cols, rows)
    return n + len(rows)


def write_adjustments(rng: random.Random, rnd: Round, units: list[Unit], office: Person, day: dt.date) -> int:
    rows = []
    at = at_local(day, 11)
    for u in rng.sample(units, min(len(units), 400)):        # 加分: recognitions, some the same award twice
        award = f"滨文明〔{day.year}〕{rng.randint(1, 80)}号"
        kind = rng.choice(["honor", "promo", "memo"])
        rows.append(Adjustment(round=rnd, unit=u, kind=Adjustment.Kind.BONUS, item=kind,
                               level=rng.choice(["国家级", "省部级", "市级", "区级", "区级", "市级"]), award=award,
                               note="表彰文件", created_by=office, created_at=at))
        if rng.random() < 0.2:
            rows.append(Adjustment(round=rnd, unit=u, kind=Adjustment.Kind.BONUS, item=kind, level="区级", award=award,
                                   note="同一表彰的较低级别", created_by=office, created_at=at))
    for u in rng.sample(units, min(len(units), 300)):        # 减分: 通报批评 occurrences
        rows.append(Adjustment(round=rnd, unit=u, kind=Adjustment.Kind.DEDUCTION, item="N1", count=rng.randint(1, 4),
                               note="被通报批评", created_by=office, created_at=at))
    for u in rng.sample(units, 3):                           # 一票否决
        rows.append(Adjustment(round=rnd, unit=u, kind=Adjustment.Kind.DEDUCTION, item="N2", count=1,
                               note="发生安全责任事故", created_by=office, created_at=at))
    Adjustment.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def main() -> None:
    args = parse_args()
    require_migrated()
    if Scheme.objects.filter(code=CODE).exists():
        sys.exit(f"{CODE} already exists; drop the database (or delete the scheme and its rounds) first.")
    city = Unit.objects.filter(kind=UnitKind.CITY, name="滨海市").first()
    office = Person.objects.filter(username="bench_office").first()
    if city is None or office is None:
        sys.exit("No bench city: run bench/generate.py first (for this benchmark --tasks 2000 --reports 10000 "
                 "--no-warnings is enough).")
    rng = random.Random(args.seed)
    t_start = time.perf_counter()
    print(f"luoshi bench assessment data → {db_label()}  (units={args.units:,} seed={args.seed})", flush=True)
    districts = list(Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("sort_order", "id"))
    group_of_district = {d.pk: GROUPS[0 if i < 4 else 1 if i < 7 else 2][0] for i, d in enumerate(districts)}
    communities = list(Unit.objects.filter(kind=UnitKind.COMMUNITY, is_active=True).select_related("parent")
                       .order_by("path"))[: args.units]
    groups = {u.pk: group_of_district[u.parent.parent_id] for u in communities}
    quality = {u.pk: min(1.0, max(0.45, rng.betavariate(6, 1.6))) for u in communities}
    text, leaves = build_scheme(rng)
    evals = evaluators(city, office.unit)

    today = clock.today()
    periods = quarters_before(today, 3)
    with clock.at(at_local(periods[0][0], 9)):
        scheme, version, _new = services.scheme_save(by=office, text=text, note="基准")
    ind_ids = dict(Indicator.objects.filter(version=version, is_leaf=True).values_list("code", "pk"))
    assert len(ind_ids) == len(leaves) == 140, (len(ind_ids), len(leaves))
    print(f"scheme {CODE}: {len(leaves)} leaves, full marks {version.definition().max_points()}, "
          f"{len(communities)} units in groups "
          + ", ".join(f"{c} {sum(1 for g in groups.values() if g == c)}" for c, _ in GROUPS), flush=True)
    w = Writer(BATCH)
    excluded = rng.sample(communities, 5)
    rounds = []
    for k, ((start, end), name) in enumerate(zip(periods, ROUND_NAMES)):
        t0 = time.perf_counter()
        scored_day = end + dt.timedelta(days=5)
        with clock.at(at_local(end + dt.timedelta(days=1), 9)):
            rnd = services.round_create(by=office, scheme=scheme, name=f"{start.year}年{name}", period_start=start,
                                        period_end=end, units=communities, groups=groups,
                                        compare_to=rounds[-1] if rounds else None)
            EvaluatorAssignment.objects.bulk_create(
                [EvaluatorAssignment(round=rnd, person=p, unit=None, indicator=None) for p in evals])
            for to in ("collecting", "scoring"):
                rnd = services.round_advance(by=office, round=rnd, to=to)
            for u in excluded[: 2 + k]:
                services.participant_exclude(by=office, round=rnd, unit=u, reason="本期社区合并调整，不参与排名")
        with transaction.atomic():
            n = write_round_scores(w, rng, rnd, communities, quality, leaves, ind_ids, evals, office, scored_day)
            n_adj = write_adjustments(rng, rnd, communities, office, scored_day)
            maintained.round_rebuild(rnd)      # what score_record and adjustment_add maintain, for the bulk rows
        with clock.at(at_local(scored_day + dt.timedelta(days=4), 9)):
            rnd = services.round_advance(by=office, round=rnd, to="review")
        print(f"  {rnd.name}: {n:,} scores, {n_adj} adjustments in {time.perf_counter() - t0:.1f} s", flush=True)
        if k < 2:
            pub_day = scored_day + dt.timedelta(days=6)
            t0 = time.perf_counter()
            with clock.at(at_local(pub_day, 15)):
                services.round_publish(by=office, round=rnd, note="")
            print(f"    published (services.round_publish) in {time.perf_counter() - t0:.2f} s", flush=True)
            if k == 0:
                with clock.at(at_local(pub_day + dt.timedelta(days=15), 9)):
                    services.round_finalize(by=office, round=rnd, note="申诉期满，定稿")
            rnd.refresh_from_db()
        rounds.append(rnd)
        for u in communities:      # units drift a little between rounds
            quality[u.pk] = min(1.0, max(0.45, quality[u.pk] + rng.gauss(0, 0.02)))
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    print(f"  statistics in {time.perf_counter() - t0:.1f} s", flush=True)
    from luoshi.assessment.models import Consequence

    print(f"rounds: {', '.join(f'{r.name} ({r.state})' for r in rounds)}; results {Result.objects.count():,}; "
          f"consequences {Consequence.objects.count()}; scores {Score.objects.count():,}", flush=True)
    print(f"done in {time.perf_counter() - t_start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
