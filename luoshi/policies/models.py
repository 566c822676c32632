"""惠企政策: the policy dictionary (政策词典: policies split into clauses, themes and tags as a managed
vocabulary), enterprise profiles (企业画像, each attribute with its source and date) and 免申即享 payouts.

Scope (ADR 0010): a clause belongs to its 责任单位 (`dept_path`); the office or a liaison over that unit
manages it; published clauses are readable by every signed-in person (and the public site). An enterprise
lies in a district or street (`unit_path`): office and leaders over it read it, departments read the
enterprises of the regions their clauses apply to, and an enterprise's own people (EnterpriseMember) read
only their own enterprise.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from luoshi.org.models import Role, Unit

STAFF_ROLES = (Role.OFFICE, Role.LEADER)
DEPT_ROLES = (Role.OFFICE, Role.LIAISON)


class Theme(models.Model):
    """主题 (8 in the 城阳 preset); its tags (标签) are the managed vocabulary a clause is filed under."""

    name = models.CharField(_("主题"), max_length=30, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("政策主题")
        verbose_name_plural = pgettext_lazy("plural", "政策主题")

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="tags", verbose_name=_("主题"))
    name = models.CharField(_("标签"), max_length=30, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["theme__sort_order", "sort_order", "id"]
        verbose_name = _("政策标签")
        verbose_name_plural = pgettext_lazy("plural", "政策标签")

    def __str__(self) -> str:
        return self.name


class DeclareType(models.Model):
    """申报类型 (奖励类、补贴类…; 34 in the 西海岸 preset): a managed vocabulary like the themes and tags. A clause
    stores the name (`Clause.declare_type`); renaming a type renames it on its clauses (services.declare_type_save)."""

    name = models.CharField(_("申报类型"), max_length=30, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("申报类型")
        verbose_name_plural = pgettext_lazy("plural", "申报类型")

    def __str__(self) -> str:
        return self.name


class PolicyQuerySet(models.QuerySet):
    def manageable_by(self, scope):
        """The policy office: office over the region the policy applies to (a district office its district's
        policies, the city office every policy)."""
        if scope.is_admin:
            return self
        return self.filter(region_path__within=scope.paths_for(Role.OFFICE))


class Policy(models.Model):
    """A policy document (文件): 文件名, 文号, 发文单位, 有效期; the region its clauses apply to."""

    title = models.CharField(_("文件名"), max_length=200)
    doc_number = models.CharField(_("文号"), max_length=60, blank=True)
    issuer = models.CharField(_("发文单位"), max_length=100)
    region = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="policies", verbose_name=_("适用区域"))
    region_path = models.CharField(max_length=255, db_index=True, editable=False)
    valid_from = models.DateField(_("有效期起"), null=True, blank=True)
    valid_to = models.DateField(_("有效期止"), null=True, blank=True)
    created_at = models.DateTimeField()

    objects = PolicyQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from", "id"]
        constraints = [models.UniqueConstraint(fields=["title", "region"], name="policy_title_region_unique")]
        verbose_name = _("惠企政策")
        verbose_name_plural = pgettext_lazy("plural", "惠企政策")

    def __str__(self) -> str:
        return f"{self.title}（{self.doc_number}）" if self.doc_number else self.title


class ClauseQuerySet(models.QuerySet):
    def visible_to(self, scope):
        """Published clauses for everyone signed in; drafts for the departments that manage them."""
        if scope.is_admin:
            return self
        if scope.person_id is None:
            return self.filter(is_published=True)
        return self.filter(Q(is_published=True) | Q(dept_path__within=scope.paths_for(*DEPT_ROLES)))

    def manageable_by(self, scope):
        """The clauses of the 责任单位 where the person is office or liaison."""
        if scope.is_admin:
            return self
        return self.filter(dept_path__within=scope.paths_for(*DEPT_ROLES))

    def public(self):
        return self.filter(is_published=True)


class Clause(models.Model):
    """One 条款 in its current version. Every change writes a new ClauseVersion; payouts point at the
    version they were computed with, so a later edit never rewrites what was paid."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="clauses", verbose_name=_("政策文件"))
    code = models.CharField(_("条款编号"), max_length=30, unique=True)
    title = models.CharField(_("条款名称"), max_length=200)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="clauses", verbose_name=_("主题"))
    tags = models.ManyToManyField(Tag, related_name="clauses", blank=True, verbose_name=_("标签"))
    declare_type = models.CharField(_("申报类型"), max_length=30)
    beneficiary = models.CharField(_("享受对象"), max_length=300)
    condition_text = models.TextField(_("享受条件"))
    rules = models.TextField(_("条件规则"), blank=True)
    amount_rule = models.CharField(_("金额规则"), max_length=300, blank=True)
    procedure = models.TextField(_("申报流程"), blank=True)
    dept = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="policy_clauses", verbose_name=_("责任单位"))
    dept_path = models.CharField(max_length=255, db_index=True, editable=False)
    contact_person = models.CharField(_("责任人"), max_length=30, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    start_date = models.DateField(_("受理开始"), null=True, blank=True)
    end_date = models.DateField(_("受理截止"), null=True, blank=True)
    no_application = models.BooleanField(_("免申即享"), default=False)
    is_published = models.BooleanField(_("已发布"), default=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    search_text = models.TextField(editable=False, default="")
    updated_at = models.DateTimeField()

    objects = ClauseQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["theme", "code"], name="clause_theme_idx"),
                   models.Index(fields=["declare_type"], name="clause_type_idx"),
                   # a unit subtree ("/1/12/%"): the opclass lets PostgreSQL serve LIKE 'path%' from the index
                   models.Index(fields=["dept_path"], name="clause_dept_path_idx", opclasses=["varchar_pattern_ops"])]
        verbose_name = _("政策条款")
        verbose_name_plural = pgettext_lazy("plural", "政策条款")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ClauseVersion(models.Model):
    """What a clause said from `created_at` on: every field as JSON, including the rules and the amount rule."""

    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    data = models.JSONField(default=dict)
    reason = models.CharField(_("修改说明"), max_length=200, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["clause", "-number"]
        constraints = [models.UniqueConstraint(fields=["clause", "number"], name="clause_version_unique")]

    def __str__(self) -> str:
        return f"{self.clause.code} v{self.number}"


class EnterpriseQuerySet(models.QuerySet):
    def visible_to(self, scope):
        """Office and leaders over the enterprise's district or street; departments over the regions of the
        clauses they manage; the enterprise's own people."""
        if scope.is_admin:
            return self
        if scope.person_id is None:
            return self.none()

        def build():
            dept = scope.paths_for(*DEPT_ROLES)
            regions = list(Clause.objects.filter(dept_path__within=dept).values_list("policy__region_path", flat=True)
                           .distinct()) if dept else []
            return (Q(unit_path__within=scope.paths_for(*STAFF_ROLES)) | Q(unit_path__within=regions)
                    | Q(pk__in=EnterpriseMember.objects.filter(person_id=scope.person_id).values("enterprise_id")))
        return self.filter(scope.memo(("policies.enterprise_visible",), build))

    def manageable_by(self, scope):
        """Who may change a profile on the department's side: office over the enterprise's area, or a
        department managing clauses for that region."""
        if scope.is_admin:
            return self
        if scope.person_id is None:
            return self.none()
        dept = scope.paths_for(*DEPT_ROLES)
        regions = list(Clause.objects.filter(dept_path__within=dept).values_list("policy__region_path", flat=True)
                       .distinct()) if dept else []
        return self.filter(Q(unit_path__within=scope.paths_for(Role.OFFICE)) | Q(unit_path__within=regions))


class Enterprise(models.Model):
    """An enterprise (企业) and its profile: `profile` holds the current value of every attribute (JSON, as
    attributes.value_dump writes it); EnterpriseAttribute keeps each value's source and date.
    `profile_version` goes up with every change, so a match or a payout names the profile it read."""

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("企业名称"), max_length=100)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("所在区域"))
    unit_path = models.CharField(max_length=255, db_index=True, editable=False)
    profile = models.JSONField(default=dict)
    profile_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name"], name="enterprise_name_idx"),
                   models.Index(fields=["unit_path"], name="enterprise_path_idx", opclasses=["varchar_pattern_ops"])]
        verbose_name = _("企业")
        verbose_name_plural = pgettext_lazy("plural", "企业")

    def __str__(self) -> str:
        return self.name


class AttributeSource(models.TextChoices):
    IMPORT = "import", _("批量导入")
    ENTERPRISE = "enterprise", _("企业填报")
    DEPARTMENT = "department", _("部门核实")


class EnterpriseAttribute(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="attributes")
    key = models.CharField(_("属性"), max_length=30)
    value = models.JSONField(null=True)
    source = models.CharField(_("来源"), max_length=12, choices=AttributeSource.choices)
    as_of = models.DateField(_("数据日期"))
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enterprise", "key"], name="enterprise_attribute_unique")]


class EnterpriseMember(models.Model):
    """A person who signs in for an enterprise (企业用户): sees and updates only that enterprise."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="members")
    person = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enterprise_link")


class BatchState(models.TextChoices):
    DRAFT = "draft", _("待确认")
    CONFIRMED = "confirmed", _("已兑付")
    CANCELLED = "cancelled", _("已作废")


class PayoutBatchQuerySet(models.QuerySet):
    def visible_to(self, scope):
        if scope.is_admin:
            return self
        if scope.person_id is None:
            return self.none()
        return self.filter(Q(dept_path__within=scope.paths_for(*DEPT_ROLES))
                           | Q(clause__policy__region_path__within=scope.paths_for(*STAFF_ROLES)))

    def manageable_by(self, scope):
        if scope.is_admin:
            return self
        return self.filter(dept_path__within=scope.paths_for(*DEPT_ROLES))


class PayoutBatch(models.Model):
    """A 免申即享 batch of one clause for one period (e.g. 2026): computed as a draft list, confirmed by the
    department. `total` and `count` are kept by the services and equal the confirmed payouts (recount)."""

    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="batches", verbose_name=_("政策条款"))
    clause_version = models.ForeignKey(ClauseVersion, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("兑现期间"), max_length=20)
    state = models.CharField(_("状态"), max_length=10, choices=BatchState.choices, default=BatchState.DRAFT)
    dept_path = models.CharField(max_length=255, db_index=True, editable=False)
    paid_on = models.DateField(_("兑付日期"), null=True, blank=True)
    total = models.DecimalField(_("兑付总额"), max_digits=16, decimal_places=2, default=0)
    count = models.PositiveIntegerField(_("企业数"), default=0)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    objects = PayoutBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("兑现批次")
        verbose_name_plural = pgettext_lazy("plural", "兑现批次")

    def __str__(self) -> str:
        return f"{self.clause.code} {self.period} #{self.pk}"


class Payout(models.Model):
    """One line of a batch: the enterprise, the amount and why (explanation), the profile version and clause
    version it was computed from. `excluded` lines (e.g. a document still to check) are not paid. A confirmed
    line is a payout; the partial unique constraint makes a second payout of one clause and period to the
    same enterprise impossible, even for two confirmations racing."""

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="lines")
    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="payouts")
    period = models.CharField(max_length=20)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="payouts")
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    verdict = models.CharField(max_length=10)
    explanation = models.JSONField(default=list)
    amount_why = models.CharField(max_length=300, blank=True)
    profile_version = models.PositiveIntegerField()
    profile_snapshot = models.JSONField(default=dict)
    excluded = models.BooleanField(_("不予兑付"), default=False)
    confirmed = models.BooleanField(default=False)
    paid_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "enterprise__name", "id"]
        constraints = [models.UniqueConstraint(fields=["clause", "period", "enterprise"], condition=Q(confirmed=True),
                                               name="payout_once_per_period")]
        indexes = [models.Index(fields=["enterprise", "confirmed"], name="payout_enterprise_idx")]
