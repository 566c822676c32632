"""Scheduled bulletins (定期通报) and compiled issues (工作动态/工作专刊).

A Subscription is a series an office publishes: what it covers (a program's 调度通报, a ledger's 督查通报,
or a compiled 工作动态 put together by hand), when it comes out (schedule text, checked by
documents.schedule), the files it offers, who receives it and whether someone reviews an issue before it
goes out. Each Issue stores the *inputs* of its documents as a JSON snapshot (the figures, names and dates,
taken when it was drawn); the Word, Excel and PDF files are drawn from that snapshot whenever they are
downloaded, so an issue reads the same years later. Issues are numbered 第N期 per series and year.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from luoshi.assessment.models import Scheme
from luoshi.org.models import Role, Unit
from luoshi.programs.models import Program

from .schedule import WorkdayRule

# who reads a series and its issues: the office and leaders over its owner unit, and its recipients
READ_ROLES = (Role.OFFICE, Role.LEADER)
FORMATS = ("docx", "xlsx", "pdf")


class SeriesKind(models.TextChoices):
    PROGRAM = "program", _("专项工作调度通报")
    LEDGER = "ledger", _("问题台账督查通报")
    ASSESSMENT = "assessment", _("考核排名通报")
    COMPILED = "compiled", _("工作动态/工作专刊")


# the files each kind offers (a compiled issue has no workbook)
KIND_FORMATS = {SeriesKind.PROGRAM: ("docx", "xlsx", "pdf"), SeriesKind.LEDGER: ("docx", "pdf"),
                SeriesKind.ASSESSMENT: ("docx", "pdf"), SeriesKind.COMPILED: ("docx", "pdf")}


class SubscriptionQuerySet(models.QuerySet):
    def visible_to(self, scope):
        if scope.is_admin:
            return self
        q = models.Q(owner_path__within=scope.paths_for(*READ_ROLES))
        if scope.person_id is not None:
            q |= models.Q(pk__in=Subscription.recipients.through.objects.filter(person_id=scope.person_id)
                          .values("subscription_id"))
        return self.filter(q)

    def manageable_by(self, scope):
        if scope.is_admin:
            return self
        return self.filter(owner_path__within=scope.paths_for(Role.OFFICE))


class Subscription(models.Model):
    name = models.CharField(_("刊物名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=SeriesKind.choices)
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.PROTECT, related_name="subscriptions",
                                verbose_name=_("专项工作/问题台账"))
    scheme = models.ForeignKey(Scheme, null=True, blank=True, on_delete=models.PROTECT, related_name="subscriptions",
                               verbose_name=_("考核指标体系"))
    owner_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="bulletin_subscriptions",
                                   verbose_name=_("编发单位"))
    owner_path = models.CharField(max_length=255, db_index=True, editable=False)
    schedule = models.CharField(_("出刊周期"), max_length=50, blank=True,
                                help_text=_("如：每周一、每月5日、每季度首月10日；留空表示不定期，手工编发"))
    workday_rule = models.CharField(_("节假日"), max_length=10, choices=WorkdayRule.choices, default=WorkdayRule.NEXT)
    formats = models.JSONField(_("文件格式"), default=list)
    review_required = models.BooleanField(_("签发前审核"), default=False)
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="bulletin_subscriptions",
                                        verbose_name=_("接收人"))
    starts_on = models.DateField(_("起始日期"))
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["owner_path", "name", "id"]
        verbose_name = _("定期通报")
        verbose_name_plural = pgettext_lazy("plural", "定期通报")

    def __str__(self) -> str:
        return self.name


class IssueState(models.TextChoices):
    PENDING = "pending", _("生成中")
    DRAFT = "draft", _("待签发")
    ISSUED = "issued", _("已印发")


class IssueQuerySet(models.QuerySet):
    def visible_to(self, scope):
        """Issues of the series a person reads: the office and leaders over the owner unit see every issue;
        a recipient sees the issued ones."""
        if scope.is_admin:
            return self
        q = models.Q(subscription__owner_path__within=scope.paths_for(*READ_ROLES))
        if scope.person_id is not None:
            q |= models.Q(state=IssueState.ISSUED, subscription__in=Subscription.recipients.through.objects.filter(
                person_id=scope.person_id).values("subscription_id"))
        return self.filter(q)

    def manageable_by(self, scope):
        if scope.is_admin:
            return self
        return self.filter(subscription__owner_path__within=scope.paths_for(Role.OFFICE))


class Issue(models.Model):
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="issues")
    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveIntegerField(_("期号"))
    slot = models.DateField(_("出刊日"), null=True, blank=True)  # the nominal day; null for an issue made by hand
    source_ref = models.CharField(max_length=40, blank=True)  # what an issue reports on when it is not the slot: "round:12"
    title = models.CharField(_("标题"), max_length=200)
    state = models.CharField(_("状态"), max_length=10, choices=IssueState.choices, default=IssueState.PENDING)
    snapshot = models.JSONField(default=dict)
    note = models.TextField(_("按语"), blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    generated_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    objects = IssueQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "slot"], name="bulletin_issue_once_per_slot"),
            models.UniqueConstraint(fields=["subscription", "year", "number"], name="bulletin_issue_number_unique"),
        ]
        verbose_name = _("通报期次")
        verbose_name_plural = pgettext_lazy("plural", "通报期次")

    def __str__(self) -> str:
        return f"{self.subscription.name} {self.year}年第{self.number}期"

    @property
    def issue_text(self) -> str:
        return f"{self.year}年第{self.number}期"
