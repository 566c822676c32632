"""The supervision ledger (问题台账): inspection groups and rounds, findings (问题), assignment sheets
(交办单), rectification and verified close-out (销号), and the escalation ladder (督办升级).

A finding moves recorded → assigned (on a sheet) → rectifying (the unit 签收ed) → submitted (the unit
reported its rectification) → closed (an inspector other than the reporter verified it). A return sends it
back to rectifying; a recurrence after closure (回头看) reopens it and counts a repeat. Nothing is deleted.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from luoshi.core.models import Attachment
from luoshi.org.models import Unit
from luoshi.programs.models import Program


class LedgerRowQuerySet(models.QuerySet):
    """The one scope rule of the ledger, for its tables with a `program` and a `unit_path` (findings, sheets,
    escalations): the whole program for its office, leaders and evaluators (`Program.objects.wholly_visible_to`)
    and the members of its active inspection groups; otherwise the rows of units in the person's subtrees
    (any role) and of units paired with them (包联)."""

    def visible_to(self, scope):
        if scope.is_admin:
            return self
        q = (models.Q(program__in=Program.objects.wholly_visible_to(scope).values("pk"))
             | models.Q(unit_path__within=scope.all_paths + scope.paired_unit_paths))
        if scope.person_id is not None:
            q |= models.Q(program__in=InspectionGroup.objects.filter(is_active=True, members=scope.person_id)
                          .values("program_id"))
        return self.filter(q)


class Severity(models.TextChoices):
    GENERAL = "general", _("一般")
    MAJOR = "major", _("较重")
    SEVERE = "severe", _("严重")


class Source(models.TextChoices):
    INSPECTION = "inspection", _("督导检查")
    UNDERCOVER = "undercover", _("暗访")
    INQUIRY = "inquiry", _("问政曝光")
    MEDIA = "media", _("媒体报道")
    PUBLIC = "public", _("群众反映")
    SELF = "self", _("自查")


class GroupKind(models.TextChoices):
    SUPERVISION = "supervision", _("督导组")
    SPECIAL = "special", _("专项督导组")
    UNDERCOVER = "undercover", _("暗访组（第三方）")
    CONGRESS = "congress", _("人大政协督导组")


class GroupCadence(models.TextChoices):
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")


class FindingStatus(models.TextChoices):
    RECORDED = "recorded", _("待交办")
    ASSIGNED = "assigned", _("待签收")
    RECTIFYING = "rectifying", _("整改中")
    SUBMITTED = "submitted", _("待核验")
    CLOSED = "closed", _("已销号")


OPEN_STATUSES = (FindingStatus.RECORDED, FindingStatus.ASSIGNED, FindingStatus.RECTIFYING, FindingStatus.SUBMITTED)
# The unit owes work in these; a deadline passed in them makes the finding overdue.
OWING_STATUSES = (FindingStatus.ASSIGNED, FindingStatus.RECTIFYING)


class LedgerConfig(models.Model):
    """A program's ledger settings, loaded from a preset (presets/ledger/*.yaml) and validated there."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="ledger")
    sheet_prefix = models.CharField(_("交办单字号"), max_length=30, help_text=_("如“创城督办”，编号为 创城督办〔2026〕第12号"))
    deadline_days = models.JSONField(_("整改时限（天）"), default=dict, help_text=_("按严重程度：general / major / severe"))
    requirements = models.TextField(_("交办单整改要求"), blank=True)
    ladder = models.JSONField(_("督办升级阶梯"), default=list, blank=True)

    class Meta:
        verbose_name = _("台账设置")
        verbose_name_plural = pgettext_lazy("plural", "台账设置")

    def __str__(self) -> str:
        return str(self.program)

    def days_for(self, severity: str) -> int:
        return int(self.deadline_days.get(severity) or self.deadline_days.get(Severity.GENERAL) or 7)


class ProblemCategory(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="problem_categories")
    name = models.CharField(_("问题类别"), max_length=100)
    indicator_code = models.CharField(_("对应测评指标"), max_length=50, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="category_unique_in_program")]
        verbose_name = _("问题类别")
        verbose_name_plural = pgettext_lazy("plural", "问题类别")

    def __str__(self) -> str:
        return self.name


class InspectionGroup(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="inspection_groups")
    name = models.CharField(_("督导组"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=GroupKind.choices, default=GroupKind.SUPERVISION)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("组长"))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="inspection_groups",
                                     verbose_name=_("成员"))
    units = models.ManyToManyField(Unit, blank=True, related_name="inspection_groups", verbose_name=_("包干单位"))
    cadence = models.CharField(_("督导频次"), max_length=10, choices=GroupCadence.choices, default=GroupCadence.WEEKLY)
    times = models.PositiveSmallIntegerField(_("每期次数"), default=1)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["program", "id"]
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="group_unique_in_program")]
        verbose_name = _("督导组")
        verbose_name_plural = pgettext_lazy("plural", "督导组")

    def __str__(self) -> str:
        return self.name

    @property
    def cadence_label(self) -> str:
        if self.cadence == GroupCadence.DAILY:
            return str(_("每日"))
        # Translators: e.g. 每周2次 — "twice a week": cadence (每周/每月) and how many times
        return _("%(cadence)s%(n)s次") % {"cadence": self.get_cadence_display(), "n": self.times}


class InspectionRound(models.Model):
    """One outing of a group: planned for a date, then done (with what it found)."""

    group = models.ForeignKey(InspectionGroup, on_delete=models.PROTECT, related_name="rounds")
    date = models.DateField(_("督导日期"))
    units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("督导单位"))
    note = models.TextField(_("说明"), blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("督导轮次")
        verbose_name_plural = pgettext_lazy("plural", "督导轮次")

    def __str__(self) -> str:
        return f"{self.group} {self.date:%Y-%m-%d}"


class AssignmentSheet(models.Model):
    """交办单: findings bundled to one unit under a document number such as 创城督办〔2026〕第12号."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="assignment_sheets")
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    number = models.CharField(_("交办单号"), max_length=60)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignment_sheets", verbose_name=_("责任单位"))
    unit_path = models.CharField(max_length=255, db_index=True)
    requirements = models.TextField(_("整改要求"), blank=True)
    issued_at = models.DateTimeField(_("交办时间"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")

    objects = LedgerRowQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["program", "year", "seq"], name="sheet_number_unique")]
        verbose_name = _("交办单")
        verbose_name_plural = pgettext_lazy("plural", "交办单")

    def __str__(self) -> str:
        return self.number


class Finding(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="findings")
    seq = models.PositiveIntegerField()
    code = models.CharField(_("问题编号"), max_length=40)
    category = models.ForeignKey(ProblemCategory, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="findings", verbose_name=_("问题类别"))
    description = models.TextField(_("问题描述"))
    address = models.CharField(_("地点"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="findings", verbose_name=_("责任单位"))
    unit_path = models.CharField(max_length=255)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, default=Severity.GENERAL)
    source = models.CharField(_("问题来源"), max_length=12, choices=Source.choices, default=Source.INSPECTION)
    group = models.ForeignKey(InspectionGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="findings",
                              verbose_name=_("督导组"))
    round = models.ForeignKey(InspectionRound, null=True, blank=True, on_delete=models.PROTECT, related_name="findings")
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="findings",
                             verbose_name=_("关联任务"))
    indicator_code = models.CharField(_("对应测评指标"), max_length=50, blank=True)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("发现人"))
    found_on = models.DateField(_("发现日期"))
    created_at = models.DateTimeField()

    sheet = models.ForeignKey(AssignmentSheet, null=True, blank=True, on_delete=models.PROTECT, related_name="findings",
                              verbose_name=_("交办单"))
    deadline = models.DateField(_("整改时限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=FindingStatus.choices, default=FindingStatus.RECORDED)
    first_submitted_at = models.DateTimeField(_("首次报整改"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("核验人"))
    last_closed_at = models.DateTimeField(null=True, blank=True)  # kept across a reopen, for "repeat within N days"
    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    repeat_count = models.PositiveSmallIntegerField(_("复发次数"), default=0)
    is_public = models.BooleanField(_("在曝光台公开"), default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    objects = LedgerRowQuerySet.as_manager()

    class Meta:
        ordering = ["-found_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["program", "seq"], name="finding_seq_unique")]
        indexes = [
            models.Index(fields=["program", "status", "deadline"], name="finding_status_idx"),
            models.Index(fields=["program", "unit_path"], name="finding_unit_idx"),
            models.Index(fields=["program", "found_on"], name="finding_found_idx"),
            # a unit subtree ("/1/12/%"): the opclass lets PostgreSQL serve LIKE 'path%' from the index
            models.Index(fields=["unit_path", "program"], name="finding_path_idx",
                         opclasses=["varchar_pattern_ops", "int8_ops"]),
            models.Index(fields=["is_public", "published_at"], name="finding_public_idx"),
            models.Index(fields=["program", "code"], name="finding_code_idx"),
            # The list's common filters in its order (-found_on, -id; the id rides along in every index): the
            # page's 50 ids come off the index instead of a sort of every match (perf, issue #11).
            models.Index(fields=["program", "status", "found_on"], name="finding_status_found_idx"),
            models.Index(fields=["program", "source", "found_on"], name="finding_source_found_idx"),
            # A unit subtree with a source or status: its count read from the index alone. The opclass lets PostgreSQL
            # read only the subtree's entries for LIKE 'path%' (a district's 20,000 of 200,000; without it the count
            # walked the program's entries and tested each path, 13 ms → 2 ms, issue #11 session 6).
            models.Index(fields=["program", "unit_path", "source", "status"], name="finding_path_filter_idx",
                         opclasses=["int8_ops", "varchar_pattern_ops", "varchar_ops", "varchar_ops"]),
            # Someone who reads part of a program (a street's liaison: ~1,300 of 200,000): the subtree's findings in
            # the list's order from the index alone, a sort of its entries instead of a table read per match.
            models.Index(fields=["program", "unit_path", "found_on"], name="finding_path_found_idx",
                         opclasses=["int8_ops", "varchar_pattern_ops", "date_ops"], include=["id"]),
        ]
        verbose_name = _("问题")
        verbose_name_plural = pgettext_lazy("plural", "问题")

    def __str__(self) -> str:
        return self.code

    def overdue_days(self, today) -> int:
        if self.status in OWING_STATUSES and self.deadline and today > self.deadline:
            return (today - self.deadline).days
        return 0


class EventKind(models.TextChoices):
    RECORDED = "recorded", _("登记问题")
    EDITED = "edited", _("修改问题")
    ASSIGNED = "assigned", _("交办")
    ACKNOWLEDGED = "acknowledged", _("签收")
    SUBMITTED = "submitted", _("报送整改")
    RETURNED = "returned", _("退回重改")
    CLOSED = "closed", _("核验销号")
    REOPENED = "reopened", _("复发重开")
    ESCALATED = "escalated", _("督办升级")
    PUBLISHED = "published", _("公开")
    UNPUBLISHED = "unpublished", _("撤回公开")


class FindingEvent(models.Model):
    """The finding's own timeline, as the people handling it read it (the journal keeps field diffs)."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=14, choices=EventKind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("问题动态")
        verbose_name_plural = pgettext_lazy("plural", "问题动态")


class PhotoStage(models.TextChoices):
    BEFORE = "before", _("整改前")
    AFTER = "after", _("整改后")


class FindingPhoto(models.Model):
    """A photo of a finding. The original (with its EXIF, GPS included) is evidence for staff only; the
    background job writes a resized copy without metadata, which is what pages and the public see."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="photos")
    event = models.ForeignKey(FindingEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="photos")
    stage = models.CharField(max_length=8, choices=PhotoStage.choices)
    original = models.ForeignKey(Attachment, on_delete=models.PROTECT, related_name="+")
    display = models.FileField(upload_to="photos/%Y/%m/", blank=True)
    thumb = models.FileField(upload_to="photos/%Y/%m/", blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    process_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("问题照片")
        verbose_name_plural = pgettext_lazy("plural", "问题照片")


class EscalationState(models.TextChoices):
    PROPOSED = "proposed", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    DISMISSED = "dismissed", _("不采取")


class Escalation(models.Model):
    """One step of the ladder for one finding, proposed by the daily job and confirmed by the office."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="escalations")
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="escalations")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, db_index=True)
    step = models.CharField(_("措施"), max_length=30)
    step_name = models.CharField(_("措施"), max_length=50)
    level = models.PositiveSmallIntegerField()
    cycle = models.PositiveSmallIntegerField(default=0)  # the finding's repeat_count when proposed
    reason = models.CharField(_("触发原因"), max_length=255)
    state = models.CharField(_("状态"), max_length=10, choices=EscalationState.choices, default=EscalationState.PROPOSED)
    proposed_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    held_on = models.DateField(_("实施日期"), null=True, blank=True)
    attendees = models.CharField(_("参加人员"), max_length=500, blank=True)
    minutes = models.TextField(_("记录/纪要"), blank=True)
    note = models.TextField(_("说明"), blank=True)
    document = models.ForeignKey(Attachment, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("文书"))
    in_bulletin = models.BooleanField(_("列入通报"), default=False)

    objects = LedgerRowQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["finding", "step", "cycle"], name="escalation_once_per_cycle")]
        indexes = [models.Index(fields=["program", "state"], name="escalation_state_idx")]
        verbose_name = _("督办升级")
        verbose_name_plural = pgettext_lazy("plural", "督办升级")

    def __str__(self) -> str:
        return f"{self.step_name} {self.finding}"


class FindingTally(models.Model):
    """A maintained count over a program's findings (ledger.tallies, ADR 0008): `n` findings of `figure` (a
    status, or a figure of the 统计 page) in the row (dimension, key) — e.g. ("unit", unit id, "closed"): closed
    findings of units in the unit's subtree. Written only by ledger.tallies."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=12)
    key = models.CharField(max_length=40, blank=True)
    figure = models.CharField(max_length=12)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "dimension", "key", "figure"],
                                               name="findingtally_unique")]
        verbose_name = _("问题统计")
        verbose_name_plural = pgettext_lazy("plural", "问题统计")


class FindingTallyDay(models.Model):
    """The day a program's day-dependent finding figures (逾期) are counted as of: the daily job's day."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, primary_key=True, related_name="+")
    day = models.DateField()

    class Meta:
        verbose_name = _("问题统计日期")
        verbose_name_plural = pgettext_lazy("plural", "问题统计日期")
