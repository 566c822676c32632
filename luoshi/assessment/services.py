"""Every write in assessment: one transaction, permission checked, one journal entry.

Round flow: draft → collecting → scoring → review → published (provisional; appeals accepted until the
appeal deadline) → final. Results are recomputed from the current scores whenever they are needed and
published as numbered revisions; an appeal that changes a score publishes a new revision with a note.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, F, Max
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.bulk import delete_where, insert_rows
from luoshi.core.collector import collector_paused
from luoshi.core.errors import ServiceError
from luoshi.core.files import attachment_store
from luoshi.core.inbox import announce_on_commit
from luoshi.core.journal import journal_entry, journal_record, journal_record_many
from luoshi.core.permissions import require
from luoshi.org.lookups import path_within
from luoshi.org.models import Role, Unit
from luoshi.org.people import people_with_role_over
from luoshi.org.scopes import scope_for

from . import card_lists, engine, maintained, packed_scores
from .card import add_adjustment, unit_preview
from .models import (ROUND_FLOW, Adjustment, Appeal, AppealState, Consequence, EvaluatorAssignment, Indicator,
                     ProposalState, Publication, Result, Round, RoundState, RoundUnit, Scheme, SchemeVersion,
                     Score, ScoreStatus)
from .permissions import acts_for_unit, can_manage, may_score
from .scheme import RubricRule, SchemeDef, item_points, scheme_parse

ZERO = Decimal(0)


# ---- schemes ----------------------------------------------------------------------------------------------

def _resolve_region_owner(definition: SchemeDef) -> tuple[Unit, Unit]:
    from luoshi.programs.presets import region_and_owner

    return region_and_owner(definition, f"{definition.code}.yaml")


def _build_indicators(version: SchemeVersion, definition: SchemeDef) -> None:
    rows: list[Indicator] = []
    position = 0

    def walk(items, parent: Indicator | None, depth: int):
        nonlocal position
        for item in items:
            position += 1
            node = Indicator.objects.create(
                version=version, code=item.code, name=item.name, parent=parent, depth=depth, position=position,
                points=item_points(item) if item.points is not None or item.children else None,
                method=item.method, rule_type=(item.rule.type if item.rule else ("direct" if not item.children else "")),
                is_leaf=not item.children)
            rows.append(node)
            walk(item.children, node, depth + 1)

    if definition.type == "metric":
        for i, m in enumerate(definition.league.metrics, start=1):
            Indicator.objects.create(version=version, code=m.code, name=m.name, position=i, rule_type="measured",
                                     is_leaf=True, method="数据比对")
    else:
        walk(definition.items, None, 0)


@transaction.atomic
def scheme_save(*, by, text: str, note: str = "", source: str = "") -> tuple[Scheme, SchemeVersion, bool]:
    """Store a scheme's YAML. A new scheme gets version 1. An edit of a scheme whose latest version no
    round has used replaces that version's text; otherwise it becomes a new version, and the rounds
    scored under the old one keep it. Returns (scheme, version, created_new_version)."""
    definition = scheme_parse(text, source=source or "scheme.yaml")
    region, owner = _resolve_region_owner(definition)
    scheme = Scheme.objects.filter(code=definition.code).first()
    scope = scope_for(by)
    if scheme is None:
        # by=None: the system (`luoshi preset load` from the command line), as program_create allows.
        require(by is None or scope.covers(owner.path, "office") or scope.is_admin,
                _("只有主办单位的督查室/办公室可以建立指标体系。"))
        scheme = Scheme.objects.create(code=definition.code, name=definition.name, owner_unit=owner, region=region,
                                       created_at=clock.now())
        version = SchemeVersion.objects.create(scheme=scheme, number=1, source=text, created_at=clock.now(),
                                               created_by=by if getattr(by, "pk", None) else None, note=note)
        _build_indicators(version, definition)
        journal_record(actor=by, verb="assessment.scheme.create", obj=scheme, scope_path=owner.path,
                       changes={"version": 1, "code": scheme.code})
        return scheme, version, True
    require(by is None or can_manage(by, scheme), _("只有主办单位的督查室/办公室可以修改指标体系。"))
    latest = scheme.versions.order_by("-number").first()
    if latest.source == text:
        return scheme, latest, False
    scheme.name, scheme.owner_unit, scheme.region = definition.name, owner, region
    scheme.save(update_fields=["name", "owner_unit", "region"])
    if not latest.rounds.exists():
        latest.source = text
        latest.note = note or latest.note
        latest.save(update_fields=["source", "note"])
        latest.indicators.all().delete()
        _build_indicators(latest, definition)
        journal_record(actor=by, verb="assessment.scheme.edit", obj=scheme, scope_path=owner.path,
                       changes={"version": latest.number}, reason=note)
        return scheme, latest, False
    version = SchemeVersion.objects.create(scheme=scheme, number=latest.number + 1, source=text, created_at=clock.now(),
                                           created_by=by if getattr(by, "pk", None) else None, note=note)
    _build_indicators(version, definition)
    journal_record(actor=by, verb="assessment.scheme.version", obj=scheme, scope_path=owner.path,
                   changes={"version": [latest.number, version.number]}, reason=note)
    return scheme, version, True


# ---- rounds -----------------------------------------------------------------------------------------------

def group_for(definition: SchemeDef, unit: Unit) -> str:
    for g in definition.peer_groups:
        if unit.kind in g.unit_kinds:
            return g.code
    return definition.peer_groups[0].code if len(definition.peer_groups) == 1 else ""


@transaction.atomic
def round_create(*, by, scheme: Scheme, name: str, period_start: dt.date, period_end: dt.date,
                 units: list[Unit] | None = None, groups: dict[int, str] | None = None,
                 compare_to: Round | None = None) -> Round:
    """A round of the scheme's current version. Without `units`, every active unit in the region whose
    kind falls in one of the scheme's peer groups takes part."""
    require(can_manage(by, scheme), _("只有主办单位的督查室/办公室可以建立考核期次。"))
    if period_end < period_start:
        raise ServiceError(_("考核期结束日期不能早于开始日期。"), field="period_end")
    version = scheme.versions.order_by("-number").first()
    definition = version.definition()
    if units is None:
        kinds = {k for g in definition.peer_groups for k in g.unit_kinds}
        if not kinds:
            raise ServiceError(_("该指标体系未定义参评单位分组，请选择参评单位。"), field="units")
        units = list(Unit.objects.filter(path__within=[scheme.region.path], kind__in=kinds, is_active=True)
                     .order_by("path"))
    if not units:
        raise ServiceError(_("没有参评单位。"), field="units")
    outside = [u.name for u in units if not path_within(u.path, [scheme.region.path])]
    if outside:
        raise ServiceError(_("单位不在考核范围内：%(names)s") % {"names": "、".join(outside)}, field="units")
    rnd = Round.objects.create(scheme=scheme, version=version, name=name, period_start=period_start,
                               period_end=period_end, compare_to=compare_to, created_at=clock.now())
    RoundUnit.objects.bulk_create([RoundUnit(round=rnd, unit=u, group=(groups or {}).get(u.pk) or group_for(definition, u))
                                   for u in units])
    journal_record(actor=by, verb="assessment.round.create", obj=rnd, scope_path=scheme.owner_unit.path,
                   changes={"units": len(units), "version": version.number})
    return rnd


def _lock(rnd: Round) -> Round:
    return Round.objects.select_for_update().select_related("scheme__owner_unit", "scheme__region", "version").get(pk=rnd.pk)


@transaction.atomic
def round_advance(*, by, round: Round, to: str, note: str = "") -> Round:
    """Move a round one step along the flow. Publishing and finalising have their own services."""
    rnd = _lock(round)
    require(can_manage(by, rnd.scheme), _("只有主办单位的督查室/办公室可以推进考核期次。"))
    order = [s.value for s in ROUND_FLOW]
    if to in (RoundState.PUBLISHED, RoundState.FINAL):
        raise ServiceError(_("请使用“公布”或“定稿”。"))
    if to not in order or order.index(to) != order.index(rnd.state) + 1:
        raise ServiceError(_("考核期次不能从“%(a)s”转到“%(b)s”。")
                           % {"a": rnd.get_state_display(), "b": dict(RoundState.choices).get(to, to)})
    before = rnd.state
    rnd.state = to
    rnd.save(update_fields=["state"])
    journal_record(actor=by, verb="assessment.round.advance", obj=rnd, scope_path=rnd.scheme.owner_unit.path,
                   changes={"state": [before, to]}, reason=note)
    if to == RoundState.SCORING:
        announce_on_commit(EvaluatorAssignment.objects.filter(round=rnd).values_list("person_id", flat=True),
                           "assess.score")
    elif to == RoundState.REVIEW:
        announce_on_commit(people_with_role_over(Role.OFFICE, rnd.scheme.owner_unit.path), "assess.review")
    return rnd


@transaction.atomic
def evaluator_assign(*, by, round: Round, person, units: list[Unit] | None = None,
                     indicators: list[Indicator] | None = None) -> int:
    require(can_manage(by, round.scheme), _("只有主办单位的督查室/办公室可以指派评估员。"))
    rows = [EvaluatorAssignment(round=round, person=person, unit=u, indicator=i)
            for u in (units or [None]) for i in (indicators or [None])]
    EvaluatorAssignment.objects.bulk_create(rows)
    journal_record(actor=by, verb="assessment.evaluator.assign", obj=round, scope_path=round.scheme.owner_unit.path,
                   changes={"person": person.pk, "units": [u.pk for u in units or []],
                            "indicators": [i.code for i in indicators or []]})
    if round.state == RoundState.SCORING:
        announce_on_commit([person.pk], "assess.score")
    return len(rows)


# ---- scores -----------------------------------------------------------------------------------------------

SCORING_STATES = (RoundState.SCORING, RoundState.REVIEW)


def parse_value(text, *, indicator: Indicator, definition: SchemeDef) -> tuple[Decimal, str]:
    """A typed value for a leaf → (value, level). Rubric leaves take a level name; pass/fail takes
    达标/不达标/是/否/1/0; others a number within what the rule allows. Raises ValueError in Chinese."""
    leaf = definition.leaf(indicator.code)
    rule = leaf.rule if leaf is not None else None
    raw = str(text).strip() if text is not None else ""
    if raw == "":
        raise ValueError(_("没有填写分值"))
    if isinstance(rule, RubricRule):
        for level in rule.levels:
            if raw == level.name:
                return level.points, level.name
        raise ValueError(_("等级须为 %(levels)s 之一") % {"levels": "、".join(lv.name for lv in rule.levels)})
    if indicator.rule_type == "pass_fail":
        mapping = {"达标": 1, "是": 1, "合格": 1, "1": 1, "不达标": 0, "否": 0, "不合格": 0, "0": 0}
        if raw not in mapping:
            raise ValueError(_("请填“达标”或“不达标”（1 或 0）"))
        return Decimal(mapping[raw]), ""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(_("“%(text)s”不是数字") % {"text": raw})
    if not value.is_finite():
        raise ValueError(_("“%(text)s”不是数字") % {"text": raw})
    if value < 0:
        raise ValueError(_("不能为负数"))
    if indicator.rule_type == "direct" and indicator.points is not None and value > indicator.points:
        raise ValueError(_("超过该项应得分 %(points)s") % {"points": _fmt(indicator.points)})
    if indicator.rule_type == "deduction" and value != value.to_integral_value():
        raise ValueError(_("扣分项须填发现问题的处数（整数）"))
    if abs(value) >= Decimal("1e10"):
        raise ValueError(_("数值过大"))
    return value, ""


def _fmt(d: Decimal) -> str:
    """2.50 → "2.5", 3.0000 → "3": numbers as people write them."""
    return engine._n(d)


@transaction.atomic
def score_record(*, by, round: Round, unit: Unit, indicator: Indicator, value, note: str = "",
                 files: list[tuple[str, bytes]] = (), source: str = "form") -> Score:
    """An evaluator's score for one leaf of one unit, with evidence. Replaces (keeps) the evaluator's
    previous score for the same leaf."""
    rnd = _lock(round)
    require(may_score(by, rnd, unit.pk, indicator.pk), _("您未被指派为该单位该项指标的评估员。"))
    if rnd.state not in SCORING_STATES:
        raise ServiceError(_("考核期次“%(state)s”，不能评分。") % {"state": rnd.get_state_display()})
    if indicator.version_id != rnd.version_id or not indicator.is_leaf:
        raise ServiceError(_("该指标不属于本期次的指标体系末级标准。"), field="indicator")
    if not RoundUnit.objects.filter(round=rnd, unit=unit).exists():
        raise ServiceError(_("“%(unit)s”不是本期次的参评单位。") % {"unit": unit.name}, field="unit")
    try:
        parsed, level = parse_value(value, indicator=indicator, definition=rnd.version.definition())
    except ValueError as e:
        raise ServiceError(_("“%(code)s %(name)s”：%(error)s") % {"code": indicator.code, "name": indicator.name,
                                                                 "error": e}, field="value")
    attachments = [attachment_store(by=by, name=name, data=data) for name, data in files]
    previous = Score.objects.filter(round=rnd, unit=unit, indicator=indicator, evaluator=by, is_current=True).first()
    if previous:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    score = Score.objects.create(round=rnd, unit=unit, indicator=indicator, evaluator=by, value=parsed, level=level,
                                 note=note, replaces=previous, source=source, scored_at=clock.now())
    carried = attachments or (list(previous.evidence.all()) if previous else [])
    if carried:
        score.evidence.add(*carried)
        card_lists.mark(rnd, [unit.pk], "evidence")
    peer_points_outdated(rnd)
    maintained.unit_score_changed(rnd, unit.pk, indicator.pk)
    journal_record(actor=by, verb="assessment.score.record", obj=rnd, scope_path=unit.path,
                   changes={"unit": unit.pk, "indicator": indicator.code,
                            "value": [str(previous.value) if previous else None, str(parsed)],
                            "evidence": [a.pk for a in attachments]}, reason=note)
    return score


@transaction.atomic
def scores_approve(*, by, round: Round, score_ids: list[int] | None = None) -> int:
    """审核: approve submitted scores. Scores the approver gave are refused (scorer ≠ approver); approving
    "all" approves every submitted score that someone else gave and says how many were left."""
    rnd = _lock(round)
    require(can_manage(by, rnd.scheme), _("只有主办单位的督查室/办公室可以审核评分。"))
    if rnd.state not in SCORING_STATES:
        raise ServiceError(_("考核期次“%(state)s”，不能审核评分。") % {"state": rnd.get_state_display()})
    qs = Score.objects.filter(round=rnd, is_current=True, status=ScoreStatus.SUBMITTED)
    if score_ids is not None:
        qs = qs.filter(pk__in=score_ids)
        if qs.filter(evaluator=by).exists():
            raise ServiceError(_("评分人不能审核自己的评分，请由其他人审核。"))
    qs = qs.exclude(evaluator=by)
    # the units whose scores are approved, for their packed rows (all: every row with scores not approved)
    units = None if score_ids is None else set(qs.values_list("unit_id", flat=True))
    n = qs.update(status=ScoreStatus.APPROVED, approved_by=by, approved_at=clock.now())
    packed_scores.approvals_recount(rnd, units)
    journal_record(actor=by, verb="assessment.score.approve", obj=rnd, scope_path=rnd.scheme.owner_unit.path,
                   changes={"approved": n})
    return n


@transaction.atomic
def score_return(*, by, score: Score, reason: str) -> Score:
    rnd = _lock(score.round)
    require(can_manage(by, rnd.scheme), _("只有主办单位的督查室/办公室可以退回评分。"))
    if not reason.strip():
        raise ServiceError(_("请写明退回理由。"), field="reason")
    if score.evaluator_id == by.pk:
        raise ServiceError(_("评分人不能审核自己的评分，请由其他人审核。"))
    score.status = ScoreStatus.RETURNED
    score.save(update_fields=["status"])
    peer_points_outdated(rnd)
    maintained.unit_score_changed(rnd, score.unit_id, score.indicator_id)
    journal_record(actor=by, verb="assessment.score.return", obj=rnd, scope_path=score.unit.path,
                   changes={"score": score.pk, "indicator": score.indicator.code}, reason=reason)
    announce_on_commit([score.evaluator_id], "assess.returned")
    return score


@transaction.atomic
def adjustment_add(*, by, round: Round, unit: Unit, kind: str, item: str, level: str = "", award: str = "",
                   count: Decimal = Decimal(1), note: str = "", files: list[tuple[str, bytes]] = ()) -> Adjustment:
    """加分 (a recognition: kind × level, with the award document as evidence) or 减分 (occurrences of a
    deduction item)."""
    rnd = _lock(round)
    require(can_manage(by, rnd.scheme) or may_score(by, rnd, unit.pk, -1),
            _("只有督查室/办公室或本期次评估员可以登记加减分。"))
    if rnd.state not in SCORING_STATES:
        raise ServiceError(_("考核期次“%(state)s”，不能登记加减分。") % {"state": rnd.get_state_display()})
    definition = rnd.version.definition()
    if kind == Adjustment.Kind.BONUS:
        kinds = {k.code: k for k in (definition.bonuses.kinds if definition.bonuses else [])}
        if item not in kinds:
            raise ServiceError(_("加分类别“%(item)s”不在指标体系中。") % {"item": item}, field="item")
        if level not in kinds[item].points:
            raise ServiceError(_("“%(kind)s”没有“%(level)s”级别。") % {"kind": kinds[item].name, "level": level}, field="level")
        if not files and not award.strip():
            raise ServiceError(_("加分须有表彰文件（文号或附件）作依据。"), field="award")
    elif kind == Adjustment.Kind.DEDUCTION:
        if item not in {d.code for d in definition.deductions}:
            raise ServiceError(_("减分项“%(item)s”不在指标体系中。") % {"item": item}, field="item")
        if count <= 0:
            raise ServiceError(_("次数须大于 0。"), field="count")
    else:
        raise ServiceError(_("未知的加减分类型。"))
    attachments = [attachment_store(by=by, name=name, data=data) for name, data in files]
    adj = Adjustment.objects.create(round=rnd, unit=unit, kind=kind, item=item, level=level, award=award.strip(),
                                    count=count, note=note, created_by=by if getattr(by, "pk", None) else None,
                                    created_at=clock.now())
    if attachments:
        adj.evidence.add(*attachments)
    card_lists.mark(rnd, [unit.pk], "adjustments")
    journal_record(actor=by, verb=f"assessment.{kind}.add", obj=rnd, scope_path=unit.path,
                   changes={"unit": unit.pk, "item": item, "level": level, "count": count, "award": award})
    return adj


# ---- computing ----------------------------------------------------------------------------------------------

def _score_chunks(scores):
    """(chunks of raw rows, convert) for a `values_list("unit_id", "indicator_id", "value")` query of
    scores. `convert` (None when the backend returns decimals as they are) turns a raw value into what the
    ORM would give — on SQLite a decimal is stored as a float and quantized on the way out — once per
    distinct stored value rather than once per row: at 420,000 rows the ORM's per-row converters cost
    more than the query (perf, bench/assessment.py)."""
    from django.db.models.sql.constants import MULTI

    compiler = scores.query.get_compiler(using=scores.db)
    chunks = compiler.execute_sql(MULTI, chunked_fetch=True, chunk_size=20000)
    converters = compiler.get_converters([col for col, *_rest in compiler.select[:compiler.col_count]])
    if not converters:
        return chunks, None
    if set(converters) != {2}:   # not expected for these three columns; then the ORM's own way
        return ([tuple(row) for row in compiler.apply_converters(chunk, converters)] for chunk in chunks), None
    funcs, expression = converters[2]
    connection = compiler.connection
    memo: dict = {}

    def convert(raw):
        value = memo.get(raw)
        if value is None:
            value = raw
            for f in funcs:
                value = f(value, expression, connection)
            memo[raw] = value
        return value

    return chunks, convert


def _read_by_unit(rows, inputs: dict[int, engine.UnitInput], index_of_id: dict[int, int], n_leaves: int, add,
                  score_row=None) -> None:
    """A round's scores as one row per unit (`packed_scores.counted_rows`: its indicator ids and its values, each
    joined in one text; 3,000 rows instead of 420,000: perf, bench/assessment.py). A unit with exactly one score per
    leaf (the usual case) gets them as `stored` values in leaf order, turned into Decimals by the engine once per
    distinct value (a packed value is the text of the Decimal the ORM read) — or, given `score_row`
    (engine.stored_scorer), as its `scored` row made as the row arrives; any other unit (several evaluators, a leaf
    not scored) goes through `add` value by value, as rows would."""
    leaf_ids = sorted(index_of_id)
    expected = ",".join(map(str, leaf_ids))
    # position in indicator-id order → position in leaf order (the same when the ids follow the leaves)
    order = sorted(range(len(leaf_ids)), key=lambda j: index_of_id[leaf_ids[j]])
    in_order = order == list(range(len(leaf_ids))) and len(leaf_ids) == n_leaves
    converted: dict[str, Decimal] = {}
    for uid, ids, values in rows:
        u = inputs.get(uid)
        if u is None:
            continue
        if ids == expected and len(leaf_ids) == n_leaves:
            stored = values.split(",")
            if not in_order:
                stored = [stored[j] for j in order]
            if score_row is None:
                u.stored = stored
            else:
                u.scored = score_row(stored)
        else:
            for iid, text in zip(ids.split(","), values.split(",")):
                if text not in converted:
                    converted[text] = Decimal(text)
                add(uid, int(iid), converted[text])


def _inputs(rnd: Round, definition: SchemeDef, *, approved_only: bool = False, score_row=None):
    """Every participating unit's inputs for the engine, in the units' order, read in four queries. (A score card
    reads its own unit's inputs: assessment.card.)"""
    participants = list(RoundUnit.objects.filter(round=rnd).order_by("unit__sort_order", "unit__path")
                        .values_list("unit_id", "group", "excluded"))
    leaf_codes = ([m.code for m in definition.league.metrics] if definition.type == "metric"
                  else [leaf.code for leaf in definition.leaves()])
    index_of_code = {code: i for i, code in enumerate(leaf_codes)}
    leaf_rows = list(Indicator.objects.filter(version=rnd.version_id, is_leaf=True).values_list("pk", "code"))
    index_of_id = {pk: index_of_code[code] for pk, code in leaf_rows if code in index_of_code}
    inputs = {uid: engine.UnitInput(unit_id=uid, group=group, excluded=excluded) for uid, group, excluded in participants}
    # One value per (unit, leaf) straight into the unit's input; several evaluators' values are gathered
    # and aggregated afterwards (perf: no per-row list).
    values_of = {uid: u.values for uid, u in inputs.items()}
    several: dict[tuple[int, int], list[Decimal]] = {}

    def add(uid, iid, value):
        idx = index_of_id[iid]
        values = values_of.get(uid)
        if values is None:
            return
        if idx in values:
            key = (uid, idx)
            if key in several:
                several[key].append(value)
            else:
                several[key] = [values[idx], value]
        else:
            values[idx] = value

    if definition.type == "points":
        _read_by_unit(packed_scores.counted_rows(rnd, approved_only=approved_only), inputs, index_of_id,
                      len(leaf_codes), add, score_row)
    else:
        scores = Score.objects.counted(rnd, approved_only=approved_only)
        chunks, convert = _score_chunks(scores.values_list("unit_id", "indicator_id", "value"))
        for chunk in chunks:
            for uid, iid, value in chunk:
                add(uid, iid, value if convert is None else convert(value))
    method, trim = definition.multi_rater, definition.trim_above
    for (uid, idx), values in several.items():
        values_of[uid][idx] = engine.aggregate_raters(values, method, trim)
    adjustments = Adjustment.objects.filter(round=rnd, is_current=True)
    for uid, kind, item, level, award, count in adjustments.values_list(
            "unit_id", "kind", "item", "level", "award", "count"):
        u = inputs.get(uid)
        if u is not None:
            add_adjustment(u, kind, item, level, award, count)
    return list(inputs.values()), leaf_codes


def _previous_round(rnd: Round) -> Round | None:
    return (Round.objects.filter(scheme=rnd.scheme, state__in=(RoundState.PUBLISHED, RoundState.FINAL),
                                 period_end__lt=rnd.period_start).order_by("-period_end", "-pk").first())


def results_compute(rnd: Round, *, approved_only: bool = False) -> list[engine.UnitResult]:
    """Compute without writing (previews and the score card use this too)."""
    definition = rnd.version.definition()
    compiled = engine.compile_scheme(definition) if definition.type == "points" else None
    # a packed value is the text of the Decimal the ORM read (packed_scores): Decimal(text) gives it back
    units, leaf_codes = _inputs(rnd, definition, approved_only=approved_only,
                                score_row=engine.stored_scorer(compiled, Decimal) if compiled else None)
    prev = _previous_round(rnd)
    previous_ranks = dict(Result.objects.filter(round=prev, rank__isnull=False).values_list("unit_id", "rank")) if prev else {}
    if definition.type == "metric":
        previous_index = {}
        previous_values: dict[int, dict[str, Decimal]] = {}
        if rnd.compare_to_id:
            for uid, figures in Result.objects.filter(round=rnd.compare_to_id).values_list("unit_id", "figures"):
                if figures.get("index") is not None:
                    previous_index[uid] = Decimal(figures["index"])
                previous_values[uid] = {k: Decimal(v) for k, v in (figures.get("values") or {}).items()
                                        if v is not None}
        return engine.compute_metric_round(definition, units, leaf_codes, previous_index=previous_index,
                                           previous_ranks=previous_ranks, previous_values=previous_values)
    return engine.compute_points_round(compiled, units, previous_ranks=previous_ranks, convert=Decimal)


RESULT_COLUMNS = ("round_id", "unit_id", "group", "earned", "available", "bonus", "deduction", "total_raw", "total",
                  "rate", "rank", "group_size", "grade", "stars", "vetoed", "excluded", "is_top", "is_bottom",
                  "movement", "subtotals", "figures", "peer_points")
RAW_PLACES = Decimal("1e-10")


def _store_results(rnd: Round, results: list[engine.UnitResult], *, approved_only: bool) -> None:
    """Replace the round's results: one DELETE and one INSERT of plain rows (COPY on PostgreSQL). Nothing
    references a result row, and every caller runs in the service's transaction. The caller then saves
    `rnd.peer_points_stale`, set here: the stored peer points are what the score card reads only when they
    were computed on the card's basis (approved scores once the round is published; ADR 0022)."""
    codes = [leaf.code for leaf in rnd.version.definition().leaves()] if any(r.peer_points for r in results) else []
    delete_where(Result, round_id=rnd.pk)
    insert_rows(Result, RESULT_COLUMNS, [
        (rnd.pk, r.unit_id, r.group, r.earned, r.available, r.bonus, r.deduction, r.total_raw.quantize(RAW_PLACES),
         r.total, r.rate, r.rank, r.group_size, r.grade, r.stars, r.vetoed, r.excluded, r.top, r.bottom, r.movement,
         [str(s) for s in r.subtotals], r.figures, {codes[i]: str(p) for i, p in r.peer_points.items()})
        for r in results])
    rnd.peer_points_stale = approved_only != (rnd.state in (RoundState.PUBLISHED, RoundState.FINAL))


def peer_points_outdated(rnd: Round) -> None:
    """A current score of `rnd` changed (inside the service's transaction, `rnd` locked): the peer points
    stored with its results may no longer be true, so score cards rank the peer group again until the next
    computation (ADR 0022)."""
    if not rnd.peer_points_stale:
        rnd.peer_points_stale = True
        Round.objects.filter(pk=rnd.pk).update(peer_points_stale=True)


@transaction.atomic
def round_compute(*, by, round: Round) -> int:
    """Compute and store results (a preview before publication; the office may run it any time)."""
    rnd = _lock(round)
    require(can_manage(by, rnd.scheme), _("只有主办单位的督查室/办公室可以计算结果。"))
    if rnd.state == RoundState.FINAL:
        raise ServiceError(_("已定稿的期次不能重新计算。"))
    # A published round's results are from its approved scores (as round_publish computed them)
    approved_only = rnd.state in (RoundState.PUBLISHED, RoundState.FINAL)
    with collector_paused():    # its objects live until it ends; the collector would only walk them (perf)
        results = results_compute(rnd, approved_only=approved_only)
        _store_results(rnd, results, approved_only=approved_only)
    rnd.computed_at = clock.now()
    rnd.save(update_fields=["computed_at", "peer_points_stale"])
    journal_record(actor=by, verb="assessment.round.compute", obj=rnd, scope_path=rnd.scheme.owner_unit.path,
                   changes={"units": len(results)})
    return len(results)


def _snapshot(rnd: Round) -> list[dict]:
    # Only the published columns (perf: no model instances, no JSON subtotals/figures decoded per row).
    # Unranked (excluded) units last in each group on every database (NULL sorts differently in SQLite and PG).
    rows = (Result.objects.filter(round=rnd)
            .order_by("group", F("rank").asc(nulls_last=True), "unit__sort_order", "unit__path")
            .values_list("unit__name", "unit_id", "group", "total", "rate", "rank", "grade", "excluded", "movement",
                         "is_top", "is_bottom"))
    table = [{"unit": name, "unit_id": unit_id, "group": group, "total": str(total),
              "rate": str(rate) if rate is not None else None, "rank": str(rank) if rank is not None else None,
              "grade": grade, "excluded": excluded, "movement": movement,
              # 十佳/十差 as published (the public portal shows them from the snapshot).
              "top": is_top, "bottom": is_bottom}
             for name, unit_id, group, total, rate, rank, grade, excluded, movement, is_top, is_bottom in rows]
    definition = rnd.version.definition()
    if definition.type == "metric":
        # a league publishes its measured values (rounded as published), the index and the 同比 changes too
        figures = dict(Result.objects.filter(round=rnd).values_list("unit_id", "figures"))
        for row in table:
            f = figures.get(row["unit_id"]) or {}
            values = f.get("values") or {}
            row["values"] = {m.code: str(engine.publish_round(Decimal(values[m.code]), m.precision, definition.rounding))
                             for m in definition.league.metrics if values.get(m.code) is not None}
            row["changes"] = f.get("changes") or {}
            row["index"], row["change"] = f.get("index"), f.get("change")
    return table


def _publish_revision(rnd: Round, *, by, note: str) -> Publication:
    rnd.revision += 1
    rnd.published_at = clock.now()
    rnd.save(update_fields=["revision", "published_at"])
    return Publication.objects.create(round=rnd, revision=rnd.revision, at=clock.now(),
                                      by=by if getattr(by, "pk", None) else None, note=note, table=_snapshot(rnd))


def round_missing(rnd: Round) -> list[tuple[str, int]]:
    """The ranked units of the round with required leaves nobody has scored: [(unit name, leaves missing)], most
    first. A leaf is required when the scheme gives no meaning to its absence (missing policy "zero", the default,
    which would silently score it 0); leaves marked missing: full / exclude / exclude_unit are the scheme's own
    decision. Publishing with any missing needs an explicit, journaled override (round_publish(allow_incomplete))."""
    required = [leaf.code for leaf in engine.compile_scheme(rnd.version.definition()).leaves if leaf.missing == "zero"]
    leaves = len(required)
    ranked = list(RoundUnit.objects.filter(round=rnd, excluded="").values_list("unit_id", "unit__name"))
    scored: dict[int, int] = dict(Score.objects.filter(round=rnd, is_current=True, indicator__code__in=required)
                                  .order_by().values("unit_id").annotate(n=Count("indicator_id", distinct=True))
                                  .values_list("unit_id", "n"))
    missing = [(name, leaves - scored.get(unit_id, 0)) for unit_id, name in ranked if scored.get(unit_id, 0) < leaves]
    return sorted(missing, key=lambda m: (-m[1], m[0]))


def missing_text(missing: list[tuple[str, int]], shown: int = 5) -> str:
    """“街道甲 12 项、街道乙 3 项等 42 个单位”: what a refusal or a warning names."""
    listed = _("、").join(_("%(unit)s %(n)s 项") % {"unit": name, "n": n} for name, n in missing[:shown])
    if len(missing) > shown:
        listed += _("等 %(n)s 个单位") % {"n": len(missing)}
    return listed


@transaction.atomic
def round_publish(*, by, round: Round, note: str = "", allow_incomplete: bool = False) -> Publication:
    """公布 (provisional): every current score approved, every ranked unit scored on every leaf (or an explicit
    override with a reason, journaled), results computed and stored, the appeal window opened, consequence rules
    evaluated, a numbered snapshot kept."""
    rnd = _lock(round)
    require(can_manage(by, rnd.scheme), _("只有主办单位的督查室/办公室可以公布结果。"))
    if rnd.state != RoundState.REVIEW:
        raise ServiceError(_("只有“审核中”的期次可以公布（当前：%(state)s）。") % {"state": rnd.get_state_display()})
    pending = Score.objects.filter(round=rnd, is_current=True).exclude(status=ScoreStatus.APPROVED).count()
    if pending:
        raise ServiceError(_("还有 %(n)s 条评分未审核或已退回，审核完毕后才能公布。") % {"n": pending})
    missing = round_missing(rnd)
    if missing and not allow_incomplete:
        raise ServiceError(_("评分不完整：%(units)s没有评分（共缺 %(cells)s 项）。补齐评分后再公布；确需按缺项公布，"
                             "请勾选“评分不完整时仍然公布”并在公布说明中写明理由。")
                           % {"units": missing_text(missing), "cells": sum(n for _u, n in missing)},
                           field="allow_incomplete")
    if missing and not note.strip():
        raise ServiceError(_("按缺项公布时须在公布说明中写明理由。"), field="note")
    results = results_compute(rnd, approved_only=True)
    definition = rnd.version.definition()
    rnd.state = RoundState.PUBLISHED
    _store_results(rnd, results, approved_only=True)
    rnd.computed_at = clock.now()
    rnd.appeal_deadline = clock.today() + dt.timedelta(days=definition.appeal_days)
    rnd.save(update_fields=["state", "computed_at", "appeal_deadline", "peer_points_stale"])
    publication = _publish_revision(rnd, by=by, note=note)
    proposals = consequences_evaluate(rnd, by=by)
    journal_record(actor=by, verb="assessment.round.publish", obj=rnd, scope_path=rnd.scheme.owner_unit.path,
                   changes={"revision": rnd.revision, "appeal_deadline": rnd.appeal_deadline,
                            "consequences": proposals,
                            **({"incomplete": {"units": len(missing), "cells": sum(n for _u, n in missing)}}
                               if missing else {})}, reason=note)
    if proposals:
        announce_on_commit(people_with_role_over(Role.OFFICE, rnd.scheme.owner_unit.path), "assess.consequences")
    return publication


@transaction.atomic
def round_finalize(*, by, round: Round, note: str = "") -> Round:
    rnd = _lock(round)
    require(can_manage(by, rnd.scheme), _("只有主办单位的督查室/办公室可以定稿。"))
    if rnd.state != RoundState.PUBLISHED:
        raise ServiceError(_("只有已公布的期次可以定稿。"))
    open_appeals = Appeal.objects.filter(round=rnd, state=AppealState.FILED).count()
    if open_appeals:
        raise ServiceError(_("还有 %(n)s 件申诉未复核，复核完毕后才能定稿。") % {"n": open_appeals})
    if rnd.appeal_deadline and clock.today() <= rnd.appeal_deadline:
        raise ServiceError(_("申诉期至 %(date)s，申诉期结束后才能定稿。") % {"date": rnd.appeal_deadline.isoformat()})
    rnd.state = RoundState.FINAL
    rnd.finalized_at = clock.now()
    rnd.save(update_fields=["state", "finalized_at"])
    journal_record(actor=by, verb="assessment.round.finalize", obj=rnd, scope_path=rnd.scheme.owner_unit.path,
                   changes={"revision": rnd.revision}, reason=note)
    return rnd


# ---- appeals ------------------------------------------------------------------------------------------------

def _leaf_points_for(rnd: Round, unit_id: int, indicator: Indicator) -> Decimal | None:
    preview = unit_preview(rnd, unit_id, approved_only=True)
    if preview is None:
        return None
    codes = [leaf.code for leaf in rnd.version.definition().leaves()]
    return preview.leaf_points.get(codes.index(indicator.code)) if indicator.code in codes else None


@transaction.atomic
def appeal_file(*, by, round: Round, unit: Unit, indicator: Indicator, reason: str,
                files: list[tuple[str, bytes]] = ()) -> Appeal:
    rnd = _lock(round)
    require(acts_for_unit(by, unit), _("只能为本单位提出申诉。"))
    if rnd.state != RoundState.PUBLISHED:
        raise ServiceError(_("只有已公布、未定稿的期次可以申诉。"))
    if rnd.appeal_deadline and clock.today() > rnd.appeal_deadline:
        raise ServiceError(_("申诉期已于 %(date)s 结束。") % {"date": rnd.appeal_deadline.isoformat()})
    if not reason.strip():
        raise ServiceError(_("请写明申诉理由。"), field="reason")
    if indicator.version_id != rnd.version_id or not indicator.is_leaf:
        raise ServiceError(_("该指标不属于本期次的指标体系末级标准。"), field="indicator")
    if Appeal.objects.filter(round=rnd, unit=unit, indicator=indicator, state=AppealState.FILED).exists():
        raise ServiceError(_("该指标已有待复核的申诉。"), field="indicator")
    current = list(Score.objects.filter(round=rnd, unit=unit, indicator=indicator, is_current=True).values_list("value", flat=True))
    attachments = [attachment_store(by=by, name=name, data=data) for name, data in files]
    appeal = Appeal.objects.create(
        round=rnd, unit=unit, indicator=indicator, reason=reason.strip(), filed_by=by, filed_at=clock.now(),
        original_value=(engine.aggregate_raters(current, rnd.version.definition().multi_rater) if current else None),
        original_points=_leaf_points_for(rnd, unit.pk, indicator))
    if attachments:
        appeal.evidence.add(*attachments)
    card_lists.mark(rnd, [unit.pk], "appeals")
    journal_record(actor=by, verb="assessment.appeal.file", obj=appeal, scope_path=unit.path,
                   changes={"indicator": indicator.code, "original_points": appeal.original_points}, reason=reason)
    announce_on_commit(people_with_role_over(Role.OFFICE, rnd.scheme.owner_unit.path), "assess.appeals")
    return appeal


@transaction.atomic
def appeal_decide(*, by, appeal: Appeal, revise: bool, value=None, decision: str) -> Appeal:
    """复核: uphold, or revise the leaf to `value`. The reviewer may not be one who scored that leaf, nor
    the one who filed. A revision keeps the old scores (no longer current), adds the reviewed score,
    recomputes and publishes a new revision with a note."""
    rnd = _lock(appeal.round)
    require(can_manage(by, rnd.scheme), _("只有主办单位的督查室/办公室可以复核申诉。"))
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.state != AppealState.FILED:
        raise ServiceError(_("该申诉已复核。"))
    if not decision.strip():
        raise ServiceError(_("请写明复核意见。"), field="decision")
    current = list(Score.objects.filter(round=rnd, unit=appeal.unit, indicator=appeal.indicator, is_current=True))
    if any(s.evaluator_id == by.pk for s in current) or appeal.filed_by_id == by.pk:
        raise ServiceError(_("复核人不能是该项的评分人或申诉人，请由其他人复核。"))
    if revise:
        try:
            parsed, level = parse_value(value, indicator=appeal.indicator, definition=rnd.version.definition())
        except ValueError as e:
            raise ServiceError(_("复核分值：%(error)s") % {"error": e}, field="value")
        now = clock.now()
        for s in current:
            s.is_current = False
            s.save(update_fields=["is_current"])
        Score.objects.create(round=rnd, unit=appeal.unit, indicator=appeal.indicator, evaluator=by, value=parsed,
                             level=level, note=decision, status=ScoreStatus.APPROVED, approved_by=by, approved_at=now,
                             replaces=current[0] if current else None, source="appeal", scored_at=now)
        maintained.unit_score_changed(rnd, appeal.unit_id, appeal.indicator_id)
        results = results_compute(rnd, approved_only=True)
        _store_results(rnd, results, approved_only=True)
        rnd.computed_at = clock.now()
        rnd.save(update_fields=["computed_at", "peer_points_stale"])
        appeal.revised_value = parsed
        appeal.revised_points = _leaf_points_for(rnd, appeal.unit_id, appeal.indicator)
        appeal.state = AppealState.REVISED
    else:
        appeal.state = AppealState.UPHELD
    appeal.reviewer = by
    appeal.decided_at = clock.now()
    appeal.decision = decision.strip()
    appeal.save()
    if revise:
        note = _("根据%(unit)s的申诉，复核调整“%(code)s %(name)s”得分：%(old)s → %(new)s。") % {
            "unit": appeal.unit.name, "code": appeal.indicator.code, "name": appeal.indicator.name,
            "old": _fmt(appeal.original_points) if appeal.original_points is not None else "—",
            "new": _fmt(appeal.revised_points) if appeal.revised_points is not None else "—"}
        _publish_revision(rnd, by=by, note=note)
        consequences_evaluate(rnd, by=by)
    journal_record(actor=by, verb="assessment.appeal.decide", obj=appeal, scope_path=appeal.unit.path,
                   changes={"state": [AppealState.FILED, appeal.state], "points": [appeal.original_points,
                                                                                  appeal.revised_points]},
                   reason=decision)
    return appeal


# ---- consequences ---------------------------------------------------------------------------------------------

def _standings(scheme: Scheme, upto: Round) -> dict[int, list[engine.RoundStanding]]:
    """Each unit's standing in every published round of the scheme up to `upto`, oldest first. A round the
    unit was not in, or was excluded from, is a standing with ranked False."""
    rounds = list(Round.objects.filter(scheme=scheme, state__in=(RoundState.PUBLISHED, RoundState.FINAL),
                                       period_end__lte=upto.period_end).order_by("period_end", "pk")
                  .values_list("pk", flat=True))
    if upto.pk not in rounds:
        rounds.append(upto.pk)
    rows = list(Result.objects.filter(round__in=rounds).values_list("round_id", "unit_id", "group", "rank", "total",
                                                                    "grade", "excluded"))
    lists: dict[tuple[int, str], list[int]] = {}
    for rid, uid, group, rank, total, grade, excluded in rows:
        if rank is not None and not excluded:
            lists.setdefault((rid, group), []).append(int(rank))
    # One tuple per round and group, shared by its units (not one copy per unit), worst rank first so
    # engine.in_bottom's count of worse units stops early (perf; the group's ranks are a multiset).
    group_ranks = {key: tuple(sorted(ranks, reverse=True)) for key, ranks in lists.items()}
    per_round: dict[int, dict[int, engine.RoundStanding]] = {rid: {} for rid in rounds}
    for rid, uid, group, rank, total, grade, excluded in rows:
        ranked = rank is not None and not excluded
        per_round[rid][uid] = engine.RoundStanding(
            round_id=rid, ranked=ranked, group=group, rank=int(rank) if ranked else None,
            group_ranks=group_ranks.get((rid, group), ()), total=total, grade=grade)
    units = {uid for _, uid, *_ in rows}
    return {uid: [per_round[rid].get(uid) or engine.RoundStanding(round_id=rid, ranked=False) for rid in rounds]
            for uid in units}


def consequences_evaluate(rnd: Round, *, by) -> int:
    """Run the scheme's consequence rules at this round; propose actions (the office confirms). Called in
    the publishing transaction and after an appeal changes the table: a proposal still waiting that no
    longer fires is withdrawn (dismissed with a note), never deleted. Each proposal made and each withdrawn
    is journalled on the proposal, with `by` (who published or decided the appeal) as the actor."""
    definition = rnd.version.definition()
    if not definition.rules:
        return 0
    histories = _standings(rnd.scheme, rnd)
    earlier = {}
    for c in Consequence.objects.filter(round__scheme=rnd.scheme).exclude(round=rnd).select_related("round"):
        key = (c.unit_id, c.rule_code)
        prior = earlier.setdefault(key, {"last_round": None, "last_end": None, "confirmed": 0})
        if prior["last_end"] is None or c.round.period_end > prior["last_end"]:
            prior["last_round"], prior["last_end"] = c.round_id, c.round.period_end
        if c.state == ProposalState.CONFIRMED:
            prior["confirmed"] += 1
    existing = {(c.unit_id, c.rule_code): c for c in Consequence.objects.filter(round=rnd).select_related("unit")}
    # Only what the proposals quote, as named rows (perf: no 3,000 model instances with JSON subtotals).
    results = {r.unit_id: r for r in Result.objects.filter(round=rnd).values_list("unit_id", "total", "rank", "grade",
                                                                                 named=True)}
    made = 0
    now = clock.now()
    firing: set[tuple[int, str]] = set()
    proposals: list[Consequence] = []
    for uid, history in histories.items():
        for rule in definition.rules:
            prior = earlier.get((uid, rule.code), {"last_round": None, "confirmed": 0})
            if not engine.rule_fires(rule, history, restart_after=prior["last_round"]):
                continue
            firing.add((uid, rule.code))
            if (uid, rule.code) in existing:
                continue
            n = prior["confirmed"] + 1
            action = rule.actions[min(n, len(rule.actions)) - 1]
            result = results.get(uid)
            share = rule.payment.get(result.grade) if result is not None and rule.payment else None
            detail = _("%(rule)s：连续 %(k)s 期符合条件（本期得分 %(total)s，名次 %(rank)s，等次 %(grade)s）。") % {
                "rule": rule.name, "k": rule.consecutive, "total": result.total if result else "—",
                "rank": int(result.rank) if result and result.rank is not None else "—",
                "grade": result.grade if result and result.grade else "—"}
            proposals.append(Consequence(round=rnd, unit_id=uid, rule_code=rule.code, rule_name=rule.name,
                                         action=action, occurrence=n, detail=detail, payment_share=share,
                                         created_at=now))
            made += 1
    Consequence.objects.bulk_create(proposals, batch_size=500)   # in the order found, one insert per 500 (perf)
    entries = []
    if proposals:
        card_lists.mark(rnd, [c.unit_id for c in proposals], "consequences")
        paths = dict(Unit.objects.filter(pk__in={c.unit_id for c in proposals}).values_list("pk", "path"))
        entries += [journal_entry(actor=by, verb="assessment.consequence.propose", obj=c, scope_path=paths[c.unit_id],
                                  at=now, changes={"rule": c.rule_code, "action": c.action, "occurrence": c.occurrence},
                                  reason=c.detail)
                    for c in proposals]
    for key, c in existing.items():
        if c.state == ProposalState.PROPOSED and key not in firing:
            c.state = ProposalState.DISMISSED
            c.decision_note = _("复核改分后不再符合条件，自动撤回。")
            c.decided_at = now
            c.save(update_fields=["state", "decision_note", "decided_at"])
            entries.append(journal_entry(actor=by, verb="assessment.consequence.withdraw", obj=c, at=now,
                                         scope_path=c.unit.path, reason=c.decision_note,
                                         changes={"state": [ProposalState.PROPOSED, ProposalState.DISMISSED]}))
    journal_record_many(entries)
    return made


@transaction.atomic
def consequence_decide(*, by, consequence: Consequence, confirm: bool, note: str = "") -> Consequence:
    c = Consequence.objects.select_for_update().select_related("round__scheme__owner_unit", "unit").get(pk=consequence.pk)
    require(can_manage(by, c.round.scheme), _("只有主办单位的督查室/办公室可以确认后果措施。"))
    if c.state != ProposalState.PROPOSED:
        raise ServiceError(_("该措施已处理。"))
    c.state = ProposalState.CONFIRMED if confirm else ProposalState.DISMISSED
    c.decided_by = by
    c.decided_at = clock.now()
    c.decision_note = note
    c.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    fed = None
    if confirm:
        rule = next((r for r in c.round.version.definition().rules if r.code == c.rule_code), None)
        if rule is not None and rule.feed is not None:
            fed = _feed(by=by, consequence=c, feed=rule.feed)
    journal_record(actor=by, verb="assessment.consequence." + ("confirm" if confirm else "dismiss"), obj=c,
                   scope_path=c.unit.path, changes={"action": c.action, "occurrence": c.occurrence, "fed": fed},
                   reason=note)
    return c


def _feed(*, by, consequence: Consequence, feed) -> int | None:
    """Score feeds another assessment: a bonus entry in the target scheme's open round."""
    target = (Round.objects.filter(scheme__code=feed.scheme, state__in=SCORING_STATES + (RoundState.COLLECTING,))
              .order_by("-period_end").first())
    if target is None:
        raise ServiceError(_("目标考核“%(code)s”没有正在进行的期次，无法计入。") % {"code": feed.scheme})
    result = Result.objects.get(round=consequence.round, unit=consequence.unit)
    if feed.by_rank and result.rank is not None and int(result.rank) <= len(feed.by_rank):
        count = feed.by_rank[int(result.rank) - 1]
    else:
        count = (feed.weight or Decimal(1)) * result.total
    adj = Adjustment.objects.create(round=target, unit=consequence.unit, kind=Adjustment.Kind.BONUS, item=feed.bonus_kind,
                                    level=feed.level, award=f"{consequence.round.name}·{consequence.rule_name}",
                                    count=count, note=consequence.detail, created_by=by, created_at=clock.now())
    card_lists.mark(target, [consequence.unit_id], "adjustments")
    return adj.pk


# ---- office exclusions ------------------------------------------------------------------------------------------

@transaction.atomic
def participant_exclude(*, by, round: Round, unit: Unit, reason: str) -> RoundUnit:
    """Take a unit out of the ranking of a round (it still gets a score card), with the reason."""
    rnd = _lock(round)
    require(can_manage(by, rnd.scheme), _("只有主办单位的督查室/办公室可以调整参评单位。"))
    if rnd.is_published:
        raise ServiceError(_("已公布的期次不能调整参评单位。"))
    ru = RoundUnit.objects.get(round=rnd, unit=unit)
    before = ru.excluded
    ru.excluded = reason.strip()
    ru.save(update_fields=["excluded"])
    journal_record(actor=by, verb="assessment.participant.exclude", obj=rnd, scope_path=unit.path,
                   changes={"unit": unit.pk, "excluded": [before, ru.excluded]}, reason=reason)
    return ru


def last_publication(rnd: Round) -> Publication | None:
    return rnd.publications.order_by("-revision").first()


def max_revision(rnd: Round) -> int:
    return rnd.publications.aggregate(m=Max("revision"))["m"] or 0


# ---- materials ----------------------------------------------------------------------------------------------

MATERIAL_STATES = (RoundState.COLLECTING, RoundState.SCORING)


@transaction.atomic
def material_submit(*, by, round: Round, unit: Unit, indicator: Indicator | None = None, text: str = "",
                    files: list[tuple[str, bytes]] = ()) -> "Material":
    """材料报送: the unit's liaison submits evidence for a leaf (or the round) while materials are collected
    and during scoring. The evaluators see it beside the leaf."""
    from .models import Material

    rnd = _lock(round)
    require(acts_for_unit(by, unit), _("只能为本单位报送材料。"))
    if rnd.state not in MATERIAL_STATES:
        raise ServiceError(_("考核期次“%(state)s”，不能报送材料。") % {"state": rnd.get_state_display()})
    if not RoundUnit.objects.filter(round=rnd, unit=unit).exists():
        raise ServiceError(_("“%(unit)s”不是本期次的参评单位。") % {"unit": unit.name}, field="unit")
    if indicator is not None and (indicator.version_id != rnd.version_id or not indicator.is_leaf):
        raise ServiceError(_("该指标不属于本期次的指标体系末级标准。"), field="indicator")
    if not text.strip() and not files:
        raise ServiceError(_("请填写说明或上传材料。"), field="text")
    attachments = [attachment_store(by=by, name=name, data=data) for name, data in files]
    material = Material.objects.create(round=rnd, unit=unit, indicator=indicator, text=text.strip(),
                                       submitted_by=by, submitted_at=clock.now())
    if attachments:
        material.files.add(*attachments)
    card_lists.mark(rnd, [unit.pk], "materials")
    journal_record(actor=by, verb="assessment.material.submit", obj=rnd, scope_path=unit.path,
                   changes={"unit": unit.pk, "indicator": indicator.code if indicator else None,
                            "files": [a.pk for a in attachments]})
    return material
