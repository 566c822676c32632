"""Key projects (重点项目) of a program such as 项目落地年, and open calls (揭榜挂帅).

A project goes 签约 → 落地 → 开工 → 投产 (→ 达产 when the program tracks it), each phase with a planned and an
actual date; units report actual investment month by month against the monthly plan and raise problems
(问题/困难, 要素保障) that the office hands to a unit through the ledger (a ledger Finding on an assignment
sheet: the same 交办 → 整改 → 核验 → 销号 path). The quarterly 督导核查 rates each project and hangs a flag.

Scope: a project concerns several units (主抓单位, 建设单位 and its supervising unit, 审批部门, the 镇街/功能区
where it stands); each is a ProjectUnit row with a copy of the unit's path. The program's office, leaders and
evaluators read every project of the program; anyone else reads the projects of units in their subtrees, and a
包联领导 or 专班 member reads their own projects.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from luoshi.core.models import Attachment
from luoshi.org.models import Unit
from luoshi.programs.models import Program

# The phases in their order: (code, date field of the plan, date field of the fact).
PHASES = ("sign", "land", "start", "produce", "reach")


class Phase(models.TextChoices):
    NONE = "", _("未签约")
    SIGN = "sign", _("签约")
    LAND = "land", _("落地")
    START = "start", _("开工")
    PRODUCE = "produce", _("投产")
    REACH = "reach", _("达产")


class Light(models.TextChoices):
    GREEN = "green", _("正常")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")
    DONE = "done", _("已投产")


class Flag(models.TextChoices):
    RED = "red", _("红旗")
    YELLOW = "yellow", _("黄旗")
    GREEN = "green", _("绿旗")


class ProjectConfig(models.Model):
    """A program's project settings, loaded from a preset (presets/projects/*.yaml) and validated there."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="projects_config")
    types = models.JSONField(_("项目类型"), default=list)              # [{code, name}]
    phases = models.JSONField(_("跟踪的阶段"), default=list)           # [{code, name}] in order
    phase_red_days = models.PositiveSmallIntegerField(_("阶段逾期转红灯天数"), default=30)
    invest_yellow = models.DecimalField(_("投资完成低于计划比例转黄灯（%）"), max_digits=5, decimal_places=2, default=90)
    invest_red = models.DecimalField(_("投资完成低于计划比例转红灯（%）"), max_digits=5, decimal_places=2, default=70)
    report_day = models.PositiveSmallIntegerField(_("每月报送截止日"), default=5)
    flag_rules = models.JSONField(_("挂旗规则"), default=list)         # [{flag, min_score?, max_score?, light?}]
    feeds = models.JSONField(_("计入考核"), default=dict)              # {scheme, items: [{figure, leaf}]}

    class Meta:
        verbose_name = _("重点项目设置")
        verbose_name_plural = pgettext_lazy("plural", "重点项目设置")

    def __str__(self) -> str:
        return str(self.program)

    def type_name(self, code: str) -> str:
        return next((t["name"] for t in self.types if t["code"] == code), code)

    def phase_codes(self) -> list[str]:
        return [p["code"] for p in self.phases]

    def phase_name(self, code: str) -> str:
        return next((p["name"] for p in self.phases if p["code"] == code), str(Phase(code).label) if code else "")


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, scope):
        """The program's office, leaders and evaluators: all; others: projects of units in their subtrees (any
        role, 包联 units included), and the projects they are 包联领导 or 专班 member of."""
        if scope.is_admin:
            return self
        return self.filter(_project_q(scope, scope.all_paths + scope.paired_unit_paths, whole_program=True))

    def manageable_by(self, scope):
        """Who edits the project and hands its problems on: the office over the program's owner unit."""
        if scope.is_admin:
            return self
        return self.filter(program__in=Program.objects.manageable_by(scope).values("pk"))

    def reportable_by(self, scope):
        """Who reports its months and phases: liaisons (or an office) over its 主抓单位, 建设单位 or the 镇街/功能区
        where it stands (REPORTING_ROLES); the 审批部门 and the builder's 主管部门 read it and are told, they do not
        report for it."""
        if scope.is_admin:
            return self
        from luoshi.org.models import Role

        return self.filter(pk__in=ProjectUnit.objects.filter(
            role__in=REPORTING_ROLES, unit_path__within=scope.paths_for(Role.LIAISON, Role.OFFICE)).values("project_id"))

    def public(self):
        return self.filter(is_public=True, is_archived=False)


def _project_q(scope, paths, *, whole_program: bool) -> models.Q:
    q = models.Q(pk__in=ProjectUnit.objects.filter(unit_path__within=paths).values("project_id"))
    if whole_program:
        q |= models.Q(program__in=Program.objects.wholly_visible_to(scope).values("pk"))
        if scope.person_id is not None:
            q |= models.Q(leader_id=scope.person_id) | models.Q(
                pk__in=Project.team.through.objects.filter(person_id=scope.person_id).values("project_id"))
    return q


class Project(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="projects")
    code = models.CharField(_("项目编号"), max_length=40)
    name = models.CharField(_("项目名称"), max_length=200)
    type = models.CharField(_("项目类型"), max_length=30)
    district = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区市"))
    area = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("功能区"))
    street = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("镇街"))
    lead_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("主抓单位"))
    builder_name = models.CharField(_("建设单位"), max_length=200)
    builder_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("建设单位（平台账号）"))
    supervisor_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                        verbose_name=_("建设单位主管部门"))
    approval_units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("审批部门"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("包联领导"))
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("专班成员"))
    total_investment = models.DecimalField(_("总投资（万元）"), max_digits=14, decimal_places=2, default=0)
    annual_plan = models.DecimalField(_("年度计划投资（万元）"), max_digits=14, decimal_places=2, default=0)
    content = models.TextField(_("建设内容"), blank=True)
    note = models.TextField(_("内部备注"), blank=True)

    plan_sign = models.DateField(_("计划签约"), null=True, blank=True)
    plan_land = models.DateField(_("计划落地"), null=True, blank=True)
    plan_start = models.DateField(_("计划开工"), null=True, blank=True)
    plan_produce = models.DateField(_("计划投产"), null=True, blank=True)
    plan_reach = models.DateField(_("计划达产"), null=True, blank=True)
    sign_on = models.DateField(_("签约日期"), null=True, blank=True)
    land_on = models.DateField(_("落地日期"), null=True, blank=True)
    start_on = models.DateField(_("开工日期"), null=True, blank=True)
    produce_on = models.DateField(_("投产日期"), null=True, blank=True)
    reach_on = models.DateField(_("达产日期"), null=True, blank=True)
    phase = models.CharField(_("当前阶段"), max_length=10, choices=Phase.choices, default=Phase.NONE, blank=True)

    # kept by the services and the daily job (rules.project_light)
    light = models.CharField(_("状态"), max_length=10, choices=Light.choices, default=Light.GREEN)
    light_reason = models.CharField(_("状态说明"), max_length=300, blank=True)
    plan_to_date = models.DecimalField(_("截至上月计划投资"), max_digits=14, decimal_places=2, default=0)
    actual_to_date = models.DecimalField(_("截至上月完成投资"), max_digits=14, decimal_places=2, default=0)
    actual_year = models.DecimalField(_("本年完成投资"), max_digits=14, decimal_places=2, default=0)

    is_public = models.BooleanField(_("在门户公开进度"), default=False)
    public_summary = models.CharField(_("公开简介"), max_length=300, blank=True)
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["program", "code", "id"]
        constraints = [models.UniqueConstraint(fields=["program", "code"], name="project_code_unique")]
        indexes = [
            models.Index(fields=["program", "light"], name="project_light_idx"),
            models.Index(fields=["program", "district", "code"], name="project_district_idx"),
            models.Index(fields=["is_public", "program"], name="project_public_idx"),
        ]
        verbose_name = _("重点项目")
        verbose_name_plural = pgettext_lazy("plural", "重点项目")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def planned(self, phase: str):
        return getattr(self, f"plan_{phase}")

    def actual(self, phase: str):
        return getattr(self, f"{phase}_on")


class UnitRole(models.TextChoices):
    LEAD = "lead", _("主抓单位")
    BUILDER = "builder", _("建设单位")
    SUPERVISOR = "supervisor", _("主管部门")
    APPROVAL = "approval", _("审批部门")
    LOCATION = "location", _("所在镇街/功能区")


REPORTING_ROLES = (UnitRole.LEAD, UnitRole.BUILDER, UnitRole.LOCATION)


class ProjectUnit(models.Model):
    """A unit the project concerns, with a copy of its path (org.paths keeps it when the unit moves)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    role = models.CharField(max_length=12, choices=UnitRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "unit", "role"], name="project_unit_unique")]
        indexes = [models.Index(fields=["unit_path", "project"], name="project_unit_path_idx",
                                opclasses=["varchar_pattern_ops", "int8_ops"])]


class ProjectMonth(models.Model):
    """One month of the investment plan and, once reported, what was actually invested (万元)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="months")
    month = models.DateField()  # the first day of the month
    planned = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    actual = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.TextField(blank=True)
    evidence = models.ManyToManyField(Attachment, blank=True, related_name="+")
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["project", "month"]
        constraints = [models.UniqueConstraint(fields=["project", "month"], name="project_month_unique")]


class EventKind(models.TextChoices):
    CREATED = "created", _("建立项目")
    UPDATED = "updated", _("修改项目")
    MONTH = "month", _("报送月度投资")
    PHASE = "phase", _("报送阶段进展")
    ISSUE = "issue", _("反映问题")
    ASSIGNED = "assigned", _("交办问题")
    RATED = "rated", _("督导核查")
    LIGHT = "light", _("状态变化")
    PUBLIC = "public", _("公开进展")


class ProjectEvent(models.Model):
    """The project's timeline as people read it (the journal keeps the field diffs). A `public` event is a
    quarterly update shown on the portal; nothing else of the timeline is public."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    evidence = models.ManyToManyField(Attachment, blank=True, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]


class IssueKind(models.TextChoices):
    LAND = "land", _("土地")
    FUNDS = "funds", _("资金")
    APPROVAL = "approval", _("审批")
    LABOR = "labor", _("用工")
    ENERGY = "energy", _("能耗/水电气")
    OTHER = "other", _("其他")


class ProjectIssue(models.Model):
    """A problem that needs coordination (要素保障). Handed to a unit, it becomes a ledger finding on an
    assignment sheet, and its state is the finding's state from then on."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="issues")
    kind = models.CharField(_("要素类别"), max_length=10, choices=IssueKind.choices)
    description = models.TextField(_("问题描述"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    finding = models.OneToOneField("ledger.Finding", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="project_issue")

    class Meta:
        ordering = ["-raised_at", "-id"]


class ProjectRating(models.Model):
    """The quarterly 督导核查 of one project: a score and the flag the program's rules give it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ratings")
    quarter = models.CharField(max_length=7)  # 2026Q1
    score = models.DecimalField(_("核查得分"), max_digits=6, decimal_places=2)
    flag = models.CharField(_("挂旗"), max_length=10, choices=Flag.choices)
    light = models.CharField(_("核查时状态"), max_length=10, choices=Light.choices)
    note = models.TextField(_("核查意见"), blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    rated_at = models.DateTimeField()

    class Meta:
        ordering = ["-quarter", "project"]
        constraints = [models.UniqueConstraint(fields=["project", "quarter"], name="rating_once_per_quarter")]


class ProjectTally(models.Model):
    """Maintained figures (ADR 0008): one number per (program, dimension, key, month, figure). `month` is
    yyyymm for the dated figures (due/met/new per phase, planned and actual investment) and 0 for the current
    ones (projects, yellow, red). See figures.py."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    dim = models.CharField(max_length=10)
    key = models.CharField(max_length=40)
    month = models.PositiveIntegerField()
    figure = models.CharField(max_length=20)
    value = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "dim", "key", "month", "figure"],
                                               name="project_tally_unique")]


# ---- 揭榜挂帅 ---------------------------------------------------------------------------------------------

class ChallengeState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("揭榜中")
    REVIEW = "review", _("评审中")
    SELECTED = "selected", _("已挂帅")


class ChallengeQuerySet(models.QuerySet):
    def visible_to(self, scope):
        """The office over the owner unit, and the experts of the challenge, read everything; everyone else reads
        what is published (open, under review or decided)."""
        if scope.is_admin:
            return self
        q = models.Q(owner_unit__path__within=scope.all_paths) | ~models.Q(state=ChallengeState.DRAFT)
        if scope.person_id is not None:
            q |= models.Q(pk__in=Challenge.experts.through.objects.filter(person_id=scope.person_id)
                          .values("challenge_id"))
        return self.filter(q)

    def manageable_by(self, scope):
        if scope.is_admin:
            return self
        from luoshi.org.models import Role

        return self.filter(owner_unit__path__within=scope.paths_for(Role.OFFICE))


class Challenge(models.Model):
    """A 榜单: a hard problem published for units, teams or enterprises to take on."""

    owner_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("发榜单位"))
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("承接任务的专项工作"))
    title = models.CharField(_("榜单名称"), max_length=200)
    category = models.CharField(_("类别"), max_length=30, blank=True)
    problem = models.TextField(_("需解决的问题"))
    goals = models.TextField(_("攻关目标"))
    conditions = models.TextField(_("揭榜条件"), blank=True)
    funding = models.DecimalField(_("支持资金（万元）"), max_digits=12, decimal_places=2, default=0)
    apply_until = models.DateField(_("揭榜截止"))
    review_until = models.DateField(_("评审截止"))
    scheme = models.JSONField(_("评审办法"), default=dict)  # {name, criteria: [{code, name, max}]}
    experts = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                     verbose_name=_("评审专家"))
    state = models.CharField(_("状态"), max_length=10, choices=ChallengeState.choices, default=ChallengeState.DRAFT)
    winner = models.ForeignKey("ChallengeApplication", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    result_text = models.TextField(_("挂帅结果"), blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    selected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    objects = ChallengeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ChallengeApplication(models.Model):
    """One application (揭榜). The contact fields are personal data: the office and the applicant see them,
    experts and the public do not."""

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="applications")
    # an account, or none for an application made on the portal (then the phone or e-mail is verified by a code)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    team_name = models.CharField(_("揭榜主体"), max_length=200)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=30)
    contact_email = models.EmailField(_("电子邮箱"), blank=True)
    # a portal application's contact is confirmed by a code (core.verification) sent by text message or e-mail
    verify_channel = models.CharField(max_length=5, blank=True)
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)  # None: a portal application not yet confirmed
    plan = models.TextField(_("攻关方案"))
    commitments = models.JSONField(_("承诺节点"), default=list)  # [{title, due}] due as an ISO date
    submitted_at = models.DateTimeField()
    total = models.DecimalField(_("评审得分"), max_digits=8, decimal_places=2, null=True, blank=True)
    task_ids = models.JSONField(default=list, blank=True)       # the tasks made from the commitments

    class Meta:
        ordering = ["challenge", "submitted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["challenge", "applicant"], name="one_application_each")]


class ChallengeScore(models.Model):
    application = models.ForeignKey(ChallengeApplication, on_delete=models.CASCADE, related_name="scores")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    values = models.JSONField(default=dict)  # criterion code → points as text
    total = models.DecimalField(max_digits=8, decimal_places=2)
    scored_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "expert"], name="challenge_score_once")]
