"""Assessment (考核测评): schemes and their versions, rounds, scores with evidence, results, publications,
appeals and consequence proposals.

A scheme's YAML is stored in a version; a round keeps the version it was scored under, so editing a
scheme in use makes a new version and old rounds still read their own. Scores are never overwritten:
a correction or an appeal adds a new row and the old one stays (is_current False). Results are
recomputed from scores; every publication keeps a snapshot of the table it published.
"""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from luoshi.core.models import Attachment
from luoshi.org.models import Role, Unit
from luoshi.org.scopes import ancestor_paths

# read a whole scheme (every round, every unit's card) when its owner unit or its region lies in their subtree
READ_ROLES = (Role.OFFICE, Role.LEADER, Role.EVALUATOR)
# read a unit's own card (and appeal for it, for liaison and office) when the unit lies in their subtree
UNIT_ROLES = (Role.LIAISON, Role.LEADER, Role.OFFICE)


def _evaluated_rounds(scope):
    return EvaluatorAssignment.objects.filter(person_id=scope.person_id).values("round_id")


class SchemeQuerySet(models.QuerySet):
    def wholly_visible_to(self, scope):
        """Schemes whose owner unit or region lies where the person is office, leader or evaluator."""
        if scope.is_admin:
            return self
        paths = scope.paths_for(*READ_ROLES)
        return self.filter(models.Q(owner_unit__path__within=paths) | models.Q(region__path__within=paths))

    def visible_to(self, scope):
        """Schemes read whole, schemes the person evaluates a round of, and schemes whose region contains a
        unit where the person holds any role (a liaison sees the schemes that assess their unit)."""
        if scope.is_admin:
            return self
        if scope.person_id is None:
            return self.none()
        paths = scope.paths_for(*READ_ROLES)
        return self.filter(models.Q(owner_unit__path__within=paths) | models.Q(region__path__within=paths)
                           | models.Q(pk__in=Round.objects.filter(pk__in=_evaluated_rounds(scope)).values("scheme_id"))
                           | models.Q(region__path__in={a for p in scope.all_paths for a in ancestor_paths(p)}))

    def manageable_by(self, scope):
        """Schemes whose owner unit lies where the person is office: rounds, approval, publication."""
        if scope.is_admin:
            return self
        return self.filter(owner_unit__path__within=scope.paths_for(Role.OFFICE))


class RoundQuerySet(models.QuerySet):
    def visible_to(self, scope):
        """Rounds of schemes read whole; rounds the person evaluates; published rounds (any signed-in person);
        and, once out of draft, rounds where a unit in the person's liaison/leader/office subtrees takes part
        (to reach its own card)."""
        if scope.is_admin:
            return self
        if scope.person_id is None:
            return self.none()
        own = RoundUnit.objects.filter(unit__path__within=scope.paths_for(*UNIT_ROLES)).values("round_id")
        return self.filter(models.Q(scheme__in=Scheme.objects.wholly_visible_to(scope).values("pk"))
                           | models.Q(pk__in=_evaluated_rounds(scope))
                           | models.Q(state__in=PUBLISHED_STATES)
                           | (models.Q(pk__in=own) & ~models.Q(state=RoundState.DRAFT)))


class RoundUnitRowQuerySet(models.QuerySet):
    """Rows of one unit in one round (participants, scores, adjustments, appeals, consequences, materials):
    what the unit's score card shows. Read with a visible round by readers of the whole scheme, the round's
    evaluators, and the people of the unit (liaison, leader, office over it)."""

    def visible_to(self, scope):
        if scope.is_admin:
            return self
        if scope.person_id is None:
            return self.none()
        return self.filter(self._unit_q(scope), round__in=Round.objects.visible_to(scope).values("pk"))

    @staticmethod
    def _unit_q(scope):
        return (models.Q(round__scheme__in=Scheme.objects.wholly_visible_to(scope).values("pk"))
                | models.Q(round__in=_evaluated_rounds(scope))
                | models.Q(unit__path__within=scope.paths_for(*UNIT_ROLES)))


class ResultQuerySet(RoundUnitRowQuerySet):
    """A unit's result: as its card, and every row of a published round's league table."""

    def visible_to(self, scope):
        if scope.is_admin:
            return self
        if scope.person_id is None:
            return self.none()
        return self.filter(self._unit_q(scope) | models.Q(round__state__in=PUBLISHED_STATES),
                           round__in=Round.objects.visible_to(scope).values("pk"))


_PARSED: dict = {}   # sha256 of a version's YAML → its parsed SchemeDef (treated as read-only)


class Scheme(models.Model):
    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    owner_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="schemes", verbose_name=_("主办单位"))
    region = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("考核范围"))
    is_archived = models.BooleanField(_("已归档"), default=False)
    created_at = models.DateTimeField(null=True, blank=True)

    objects = SchemeQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("指标体系")
        verbose_name_plural = pgettext_lazy("plural", "指标体系")

    def __str__(self) -> str:
        return self.name

    @property
    def current_version(self) -> "SchemeVersion | None":
        return self.versions.order_by("-number").first()


class SchemeVersion(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    source = models.TextField(_("YAML"))
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    note = models.CharField(_("修订说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["scheme", "number"]
        constraints = [models.UniqueConstraint(fields=["scheme", "number"], name="scheme_version_unique")]

    def __str__(self) -> str:
        return f"{self.scheme.name} 第{self.number}版"

    def definition(self):
        """The parsed scheme. Parsing a large scheme takes milliseconds, and every service call fetches
        its version afresh, so parsed schemes are kept per process, keyed by the text itself (an edited
        version has a different text; a stale entry cannot be returned)."""
        cached = getattr(self, "_definition", None)
        if cached is None:
            key = hashlib.sha256(self.source.encode()).hexdigest()
            cached = _PARSED.get(key)
            if cached is None:
                from .scheme import scheme_parse

                cached = scheme_parse(self.source, source=f"{self.scheme.code}.yaml")
                if len(_PARSED) > 64:
                    _PARSED.clear()
                _PARSED[key] = cached
            self._definition = cached
        return cached


class Indicator(models.Model):
    """A node of a version's tree; leaves are what scores attach to."""

    version = models.ForeignKey(SchemeVersion, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=300)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    depth = models.PositiveSmallIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)     # pre-order position: the order on score cards
    points = models.DecimalField(_("应得分"), max_digits=9, decimal_places=4, null=True, blank=True)
    method = models.CharField(_("评价方法"), max_length=20, blank=True)
    rule_type = models.CharField(_("评分规则"), max_length=20, blank=True)
    is_leaf = models.BooleanField(default=False)

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="indicator_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RoundState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    COLLECTING = "collecting", _("材料报送")
    SCORING = "scoring", _("评分中")
    REVIEW = "review", _("审核中")
    PUBLISHED = "published", _("已公布（申诉期）")
    FINAL = "final", _("已定稿")


ROUND_FLOW = [RoundState.DRAFT, RoundState.COLLECTING, RoundState.SCORING, RoundState.REVIEW,
              RoundState.PUBLISHED, RoundState.FINAL]


PUBLISHED_STATES = (RoundState.PUBLISHED, RoundState.FINAL)


class Round(models.Model):
    """One period of one scheme over a set of units (考核期次)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="rounds")
    version = models.ForeignKey(SchemeVersion, on_delete=models.PROTECT, related_name="rounds")
    name = models.CharField(_("名称"), max_length=200)
    period_start = models.DateField(_("考核期开始"))
    period_end = models.DateField(_("考核期结束"))
    state = models.CharField(_("状态"), max_length=20, choices=RoundState.choices, default=RoundState.DRAFT)
    compare_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("同比期次"))
    appeal_deadline = models.DateField(_("申诉截止"), null=True, blank=True)
    revision = models.PositiveIntegerField(_("公布版次"), default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    # A score changed after the results were stored: their peer points (Result.peer_points) may be out of date,
    # so the score card recomputes the unit's peer group (ADR 0022). Set by the services that change scores,
    # cleared when results are stored on the basis the card reads (approved scores once published).
    peer_points_stale = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    is_public = models.BooleanField(_("在门户公开"), default=True)
    created_at = models.DateTimeField(null=True, blank=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["scheme", "-period_end", "-pk"]
        indexes = [models.Index(fields=["scheme", "period_end"], name="round_scheme_period_idx")]
        verbose_name = _("考核期次")
        verbose_name_plural = pgettext_lazy("plural", "考核期次")

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.state in (RoundState.PUBLISHED, RoundState.FINAL)


class RoundUnit(models.Model):
    """A unit taking part in a round, its peer group (分类排名) and whether it is ranked."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="participants")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    group = models.CharField(_("分组"), max_length=40, blank=True)
    excluded = models.CharField(_("不参与排名原因"), max_length=200, blank=True)
    # Which of the unit's score card short lists have had rows in the round (card_lists.py, ADR 0049): set by the
    # services that write such a row, in their transaction; a list whose flag is false has no rows and is not read.
    has_adjustments = models.BooleanField(default=False)
    has_appeals = models.BooleanField(default=False)
    has_consequences = models.BooleanField(default=False)
    has_materials = models.BooleanField(default=False)
    has_evidence = models.BooleanField(default=False)      # a file of one of the unit's scores
    # The unit's stored result in the round, if it has one (the Result of the same round and unit; no column of its
    # own): the score card reads it with this row, in the one statement of selectors.card_get (ADR 0055).
    result = models.ForeignObject("Result", on_delete=models.DO_NOTHING, from_fields=["round", "unit"],
                                  to_fields=["round", "unit"], null=True, related_name="+")

    objects = RoundUnitRowQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="round_unit_unique")]


class EvaluatorAssignment(models.Model):
    """An evaluator assigned to a round, for some units and/or some leaves (none: all)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="evaluators")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["round", "person"], name="evaluator_round_person_idx")]


class ScoreStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已审核")
    RETURNED = "returned", _("已退回")


def score_counts(status: str, *, approved_only: bool) -> bool:
    """Whether a current score counts in a result (`Score.objects.counted`, for a score already read): a returned
    score never; with `approved_only` (a published round) only an approved one."""
    return status == ScoreStatus.APPROVED if approved_only else status != ScoreStatus.RETURNED


class ScoreQuerySet(RoundUnitRowQuerySet):
    def counted(self, rnd, *, approved_only: bool):
        """The round's current scores that count in its results (`score_counts`): the round's computation and a
        score card read the same ones. Several evaluators' values of one leaf are then combined by the scheme's
        multi_rater (engine.aggregate_raters)."""
        scores = self.filter(round=rnd, is_current=True).exclude(status=ScoreStatus.RETURNED)
        return scores.filter(status=ScoreStatus.APPROVED) if approved_only else scores


class Score(models.Model):
    """One evaluator's input for one leaf of one unit. `value` is what the rule reads: points given,
    1/0 for pass/fail, occurrences for a deduction leaf, a measured value, a rubric level's points."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="scores")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    value = models.DecimalField(_("录入值"), max_digits=14, decimal_places=4)
    level = models.CharField(_("等级"), max_length=20, blank=True)
    note = models.TextField(_("评分说明"), blank=True)
    evidence = models.ManyToManyField(Attachment, blank=True, related_name="+")
    status = models.CharField(_("审核状态"), max_length=20, choices=ScoreStatus.choices, default=ScoreStatus.SUBMITTED)
    is_current = models.BooleanField(default=True)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("来源"), max_length=20, default="form")   # form / import / appeal / api
    scored_at = models.DateTimeField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    objects = ScoreQuerySet.as_manager()

    class Meta:
        indexes = [
            # Covering: a round's read (by unit and leaf, with status and value) and a card's read of its peer
            # group's rank-leaf values come from the index alone on SQLite (ADR 0022).
            models.Index(fields=["round", "unit", "indicator", "status", "value"], name="score_round_unit_idx",
                         condition=models.Q(is_current=True)),
            # A score card reads the peer group's values of rank-rule leaves: an index-only scan on PostgreSQL
            # (SQLite ignores `include`). See docs/benchmarks-assessment.md.
            models.Index(fields=["round", "indicator"], include=["unit", "status", "value"],
                         condition=models.Q(is_current=True), name="score_round_leaf_idx"),
        ]


class RankValue(models.Model):
    """A unit's value of one rank-rule leaf in a round as its peer group ranks it before publication: the one
    current score that counts (not returned), or `value` None when several evaluators' values count (the engine
    combines them by the scheme's multi_rater). No row: no score counts. Maintained by the services that change
    scores (rank_values.py), in their transaction, so a score card counts its better peers on the index
    `rank_value_idx` instead of reading their scores (ADR 0041)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    group = models.CharField(max_length=40, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "indicator", "unit"], name="rank_value_unique")]
        # A card's count of better peers (and of peers with several values: NULL sorts first) reads this index alone.
        indexes = [models.Index(fields=["round", "group", "indicator", "value"], name="rank_value_idx")]


class PackedScores(models.Model):
    """A unit's counted current scores in a round (not returned) packed in one row: the indicator ids and the values
    (as the ORM reads them), each joined by commas in (indicator id, value) order, and how many of them wait for
    approval. No row: no score counts. Maintained by the services that change scores (packed_scores.py), in their
    transaction, so `round_compute` reads a row per unit instead of every score (ADR 0045)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    indicator_ids = models.TextField()
    values = models.TextField()
    unapproved = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="packed_scores_unique")]


class Adjustment(models.Model):
    """A bonus (加分: recognition of a kind at a level) or deduction (减分项 occurrence) entry for a unit."""

    class Kind(models.TextChoices):
        BONUS = "bonus", _("加分")
        DEDUCTION = "deduction", _("减分")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="adjustments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    item = models.CharField(_("项目"), max_length=40)        # bonus kind code or deduction code
    level = models.CharField(_("级别"), max_length=20, blank=True)
    award = models.CharField(_("表彰文件"), max_length=200, blank=True)   # one award counts once
    count = models.DecimalField(_("次数"), max_digits=9, decimal_places=2, default=1)
    note = models.TextField(_("说明"), blank=True)
    evidence = models.ManyToManyField(Attachment, blank=True, related_name="+")
    is_current = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField()

    objects = RoundUnitRowQuerySet.as_manager()


class Result(models.Model):
    """A unit's computed result in a round (current revision)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=40, blank=True)
    earned = models.DecimalField(max_digits=14, decimal_places=6)
    available = models.DecimalField(max_digits=14, decimal_places=4)
    bonus = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    deduction = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    total_raw = models.DecimalField(max_digits=20, decimal_places=10)
    total = models.DecimalField(_("得分"), max_digits=14, decimal_places=4)
    rate = models.DecimalField(_("得分率"), max_digits=9, decimal_places=4, null=True)
    rank = models.DecimalField(_("名次"), max_digits=8, decimal_places=1, null=True)
    group_size = models.PositiveIntegerField(default=0)
    grade = models.CharField(_("等次"), max_length=20, blank=True)
    stars = models.PositiveSmallIntegerField(null=True)
    vetoed = models.BooleanField(default=False)
    excluded = models.CharField(max_length=200, blank=True)
    is_top = models.BooleanField(default=False)
    is_bottom = models.BooleanField(default=False)
    movement = models.IntegerField(null=True)
    subtotals = models.JSONField(default=list)
    figures = models.JSONField(default=dict)
    # The points of the scheme's rank-rule leaves ({leaf code: points}, for the leaves the unit has a value for):
    # they depend on the unit's peer group, so the score card reads them here instead of ranking the group
    # again, while Round.peer_points_stale is false (ADR 0022).
    peer_points = models.JSONField(default=dict)

    objects = ResultQuerySet.as_manager()

    class Meta:
        ordering = ["round", "group", "rank"]
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="result_round_unit_unique")]


class Publication(models.Model):
    """A published revision of a round's table: a snapshot, with the note that explains a revision."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="publications")
    revision = models.PositiveIntegerField()
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("修订说明"), blank=True)
    table = models.JSONField(default=list)

    class Meta:
        ordering = ["round", "revision"]
        constraints = [models.UniqueConstraint(fields=["round", "revision"], name="publication_revision_unique")]


class AppealState(models.TextChoices):
    FILED = "filed", _("待复核")
    UPHELD = "upheld", _("维持原分")
    REVISED = "revised", _("已改分")


class Appeal(models.Model):
    """申诉: a unit contests one leaf's score within the appeal window."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="appeals")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("申诉理由"))
    evidence = models.ManyToManyField(Attachment, blank=True, related_name="+")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField()
    state = models.CharField(_("状态"), max_length=20, choices=AppealState.choices, default=AppealState.FILED)
    original_value = models.DecimalField(max_digits=14, decimal_places=4, null=True)
    original_points = models.DecimalField(max_digits=14, decimal_places=4, null=True)
    revised_value = models.DecimalField(max_digits=14, decimal_places=4, null=True)
    revised_points = models.DecimalField(max_digits=14, decimal_places=4, null=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.TextField(_("复核意见"), blank=True)

    objects = RoundUnitRowQuerySet.as_manager()

    class Meta:
        ordering = ["-filed_at"]


class ProposalState(models.TextChoices):
    PROPOSED = "proposed", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    DISMISSED = "dismissed", _("不予采纳")


class Consequence(models.Model):
    """A consequence a rule proposed for a unit after a round; the office confirms or dismisses it."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="consequences")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    rule_code = models.CharField(max_length=40)
    rule_name = models.CharField(max_length=100)
    action = models.CharField(_("措施"), max_length=100)
    occurrence = models.PositiveIntegerField(default=1)      # the n-th time this rule fired for the unit
    detail = models.TextField(blank=True)
    payment_share = models.DecimalField(max_digits=6, decimal_places=4, null=True)
    state = models.CharField(max_length=20, choices=ProposalState.choices, default=ProposalState.PROPOSED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    objects = RoundUnitRowQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["round", "unit", "rule_code"], name="consequence_once")]


class Material(models.Model):
    """材料报送: what a unit submits for a leaf (or for the round as a whole) for the evaluators to check
    (查阅档案). Corrections add a new row; nothing is overwritten."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="materials")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("说明"), blank=True)
    files = models.ManyToManyField(Attachment, blank=True, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()

    objects = RoundUnitRowQuerySet.as_manager()

    class Meta:
        ordering = ["round", "unit", "submitted_at"]
        indexes = [models.Index(fields=["round", "unit"], name="material_round_unit_idx")]
