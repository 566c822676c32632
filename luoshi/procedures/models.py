"""Procedures (程序与时限): a definition (versioned YAML), its cases, each case's steps with actor, time,
documents and decision, the public notices some steps publish, and the registered institutions (新型研发机构)
whose certificate and operation dates open review cases.

Scope (ADR 0010): a case belongs to a unit (the village collective, the host unit of an institution); it is
visible to anyone holding a role over that unit's subtree, to the office and leaders over the definition's
owner unit, and to the actors of its steps (a department in 部门联审 sees the cases that reached it).
`unit_path`, `owner_path` and `actor_path` are copies of unit paths, registered with org.paths.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from luoshi.org.models import Role, Unit

STAFF_ROLES = (Role.OFFICE, Role.LEADER)


class Definition(models.Model):
    """One version of a procedure definition. Loading a changed text adds a version; cases keep theirs."""

    code = models.CharField(_("编码"), max_length=40)
    version = models.PositiveIntegerField(_("版本"))
    name = models.CharField(_("程序名称"), max_length=100)
    subject = models.CharField(max_length=20, default="other")
    owner_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("主管单位"))
    owner_path = models.CharField(max_length=255, db_index=True, editable=False)
    source = models.TextField(_("定义（YAML）"))
    spec = models.JSONField(default=dict)
    units = models.JSONField(default=dict)  # unit names in the steps' actors → unit ids, resolved at load
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="procedure_definition_version")]
        verbose_name = _("程序定义")
        verbose_name_plural = pgettext_lazy("plural", "程序定义")

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"

    def parsed(self):
        from .spec import ProcedureSpec

        cache = self.__dict__.get("_parsed")
        if cache is None:
            cache = self.__dict__["_parsed"] = ProcedureSpec.model_validate(self.spec)
        return cache


class CaseState(models.TextChoices):
    RUNNING = "running", _("办理中")
    DONE = "done", _("已办结")
    REJECTED = "rejected", _("不通过")


class CaseQuerySet(models.QuerySet):
    def visible_to(self, scope):
        if scope.is_admin:
            return self
        q = (models.Q(unit_path__within=scope.all_paths)
             | models.Q(owner_path__within=scope.paths_for(*STAFF_ROLES))
             | models.Q(pk__in=CaseStep.objects.filter(actor_path__within=scope.all_paths).values("case_id")))
        return self.filter(q)

    def manageable_by(self, scope):
        """The office over the definition's owner unit: imports, exports, every case's position."""
        if scope.is_admin:
            return self
        return self.filter(owner_path__within=scope.paths_for(Role.OFFICE))


class Case(models.Model):
    definition = models.ForeignKey(Definition, on_delete=models.PROTECT, related_name="cases")
    number = models.CharField(_("编号"), max_length=30, unique=True)
    title = models.CharField(_("名称"), max_length=200)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请单位"))
    unit_path = models.CharField(max_length=255, db_index=True, editable=False)
    town = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("镇街"))
    owner_path = models.CharField(max_length=255, db_index=True, editable=False)
    institution = models.ForeignKey("Institution", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="cases")
    trigger = models.CharField(max_length=40, blank=True)  # the timer that opened it
    trigger_key = models.CharField(max_length=40, blank=True)  # the date it counted from
    fields = models.JSONField(default=dict)
    amounts = models.JSONField(default=list)  # [{code, label, value, trace, percent}], once computed
    passed = models.JSONField(default=list)  # step codes passed in the current round
    state = models.CharField(_("状态"), max_length=10, choices=CaseState.choices, default=CaseState.RUNNING)
    outcome = models.CharField(_("结果"), max_length=20, blank=True)
    started_at = models.DateTimeField(_("发起时间"))
    finished_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["institution", "trigger", "trigger_key"], condition=models.Q(institution__isnull=False),
            name="procedure_timer_once")]
        verbose_name = _("办件")
        verbose_name_plural = pgettext_lazy("plural", "办件")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class StepState(models.TextChoices):
    OPEN = "open", _("办理中")
    PASSED = "passed", _("已通过")
    RETURNED = "returned", _("已退回")
    REJECTED = "rejected", _("不通过")
    CANCELLED = "cancelled", _("已撤回")


class Light(models.TextChoices):
    NORMAL = "normal", _("正常")
    YELLOW = "yellow", _("临期")
    RED = "red", _("逾期")


class CaseStepQuerySet(models.QuerySet):
    def waiting_for(self, scope):
        """Open steps whose actor role the person holds over the actor unit."""
        q = models.Q(pk__in=[])
        for role in scope.paths:
            q |= models.Q(actor_role=role, actor_path__within=scope.paths_for(role))
        return self.filter(q, state=StepState.OPEN)


class CaseStep(models.Model):
    """One passage of a case through a step (a step returned to is passed again in a new row)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    code = models.CharField(max_length=40)
    name = models.CharField(_("环节"), max_length=60)
    actor_role = models.CharField(max_length=20, choices=Role.choices)
    actor_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("办理单位"))
    actor_path = models.CharField(max_length=255, db_index=True, editable=False)
    state = models.CharField(max_length=10, choices=StepState.choices, default=StepState.OPEN, db_index=True)
    light = models.CharField(max_length=10, choices=Light.choices, default=Light.NORMAL)
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField(_("时限"))
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    decision = models.CharField(max_length=40, blank=True)
    decision_label = models.CharField(max_length=20, blank=True)
    comment = models.TextField(_("意见"), blank=True)

    objects = CaseStepQuerySet.as_manager()

    class Meta:
        ordering = ["opened_at", "id"]
        indexes = [models.Index(fields=["state", "due_at"], name="procedure_step_open_idx")]

    def __str__(self) -> str:
        return f"{self.case.number} {self.name}"


class CaseDocument(models.Model):
    step = models.ForeignKey(CaseStep, on_delete=models.CASCADE, related_name="documents")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=60)
    attachment = models.ForeignKey("core.Attachment", on_delete=models.PROTECT, related_name="+")
    generated = models.BooleanField(default=False)
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]


class NoticeKind(models.TextChoices):
    NOTICE = "notice", _("交易公告")
    RESULT = "result", _("成交公示")


class Notice(models.Model):
    """What a step publishes on the public site: the parcel's 交易公告, then its 成交公示."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=10, choices=NoticeKind.choices)
    title = models.CharField(max_length=200)
    body = models.JSONField(default=list)  # [[label, value], ...]: only the definition's public fields
    published_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="procedure_notice_once")]


class InstitutionState(models.TextChoices):
    ACTIVE = "active", _("存续")
    DISSOLVED = "dissolved", _("已解散")


class InstitutionQuerySet(models.QuerySet):
    def visible_to(self, scope):
        if scope.is_admin:
            return self
        return self.filter(models.Q(unit_path__within=scope.all_paths)
                           | models.Q(authority_path__within=scope.paths_for(*STAFF_ROLES, Role.LIAISON)))

    def manageable_by(self, scope):
        if scope.is_admin:
            return self
        return self.filter(authority_path__within=scope.paths_for(Role.OFFICE, Role.LIAISON))


class Institution(models.Model):
    """新型研发机构 registered as a 事业单位: the host unit (举办单位), the certificate's dates and the last
    day it was seen operating. The registration authority (登记管理机关) manages the register."""

    name = models.CharField(_("机构名称"), max_length=100, unique=True)
    field = models.CharField(_("领域"), max_length=30, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("举办单位"))
    unit_path = models.CharField(max_length=255, db_index=True, editable=False)
    authority = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记管理机关"))
    authority_path = models.CharField(max_length=255, db_index=True, editable=False)
    cert_number = models.CharField(_("法人证书号"), max_length=40, blank=True)
    cert_issued = models.DateField(_("证书起始日"))
    cert_expires = models.DateField(_("证书到期日"))
    last_operation_on = models.DateField(_("最近运行日期"))
    state = models.CharField(_("状态"), max_length=10, choices=InstitutionState.choices, default=InstitutionState.ACTIVE)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        ordering = ["cert_expires", "name"]
        verbose_name = _("新型研发机构")
        verbose_name_plural = pgettext_lazy("plural", "新型研发机构")

    def __str__(self) -> str:
        return self.name


class OperationRecord(models.Model):
    """A day the institution was seen operating (an annual report, an inspection, a project delivered)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="operations")
    on = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=200)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-on", "-id"]
