"""典型案例 · 复制推广: the case library.

A case is a reform or innovation that solved a problem: what it solved, how, what came of it (with
figures), the unit and its team (3人创新团队领衔), and the task, finding, request or idea it came from. It is
nominated three ways — by a leader (领导推荐), by the unit itself (单位自荐) or by its supervising
department (主管部门引荐) — reviewed by the office over the unit against a small scoring scheme (YAML,
`kind: case_review`), and, once accepted into the library (入库), may be published on the public portal,
recognised for replication (全区/全市/全省/全国复制推广, with date and source document) and adopted by other
units (who, when, with what result).

Scope: the office and leaders over the case's unit read it in every state; the unit's own people read
their unit's cases; every signed-in member of staff reads accepted cases (the point of the library is that a
unit looking for how others solved a problem finds it); the public reads only accepted cases published on
the portal.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from luoshi.core.models import Attachment
from luoshi.ideas.models import Idea
from luoshi.intake.models import Request
from luoshi.ledger.models import Finding
from luoshi.org.models import Role, Unit
from luoshi.programs.models import Program
from luoshi.tasks.models import Task

STAFF_ROLES = (Role.OFFICE, Role.LEADER)
ALL_ROLES = tuple(Role.values)


class Nomination(models.TextChoices):
    LEADER = "leader", _("领导推荐")
    SELF = "self", _("单位自荐")
    DEPARTMENT = "department", _("主管部门引荐")


class CaseState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    NOMINATED = "nominated", _("待审核")
    RETURNED = "returned", _("退回修改")
    ACCEPTED = "accepted", _("已入库")
    DECLINED = "declined", _("未入库")


class Level(models.TextChoices):
    DISTRICT = "district", _("全区复制推广")
    CITY = "city", _("全市复制推广")
    PROVINCE = "province", _("全省复制推广")
    NATION = "nation", _("全国复制推广")


LEVEL_ORDER = {Level.DISTRICT: 1, Level.CITY: 2, Level.PROVINCE: 3, Level.NATION: 4}


class CaseQuerySet(models.QuerySet):
    def visible_to(self, scope):
        if scope.is_admin:
            return self
        q = models.Q(unit_path__within=scope.all_paths)
        if scope.person_id is not None:
            q |= models.Q(state=CaseState.ACCEPTED) | models.Q(created_by_id=scope.person_id)
        return self.filter(q)

    def manageable_by(self, scope):
        """Cases the office over the unit reviews, publishes and records replication for."""
        if scope.is_admin:
            return self
        return self.filter(unit_path__within=scope.paths_for(Role.OFFICE))

    def public(self):
        return self.filter(state=CaseState.ACCEPTED, is_public=True)


class Case(models.Model):
    title = models.CharField(_("案例名称"), max_length=100)
    summary = models.CharField(_("摘要"), max_length=300)
    problem = models.TextField(_("解决的问题"), max_length=4000)
    body = models.TextField(_("主要做法"), max_length=20000)
    results = models.TextField(_("取得成效"), max_length=4000, blank=True)
    figures = models.JSONField(_("成效数据"), default=list, blank=True)  # [{"label", "value", "unit"}]
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cases", verbose_name=_("牵头单位"))
    unit_path = models.CharField(max_length=255, db_index=True, editable=False)
    team = models.CharField(_("创新团队"), max_length=200, blank=True, help_text=_("领衔人及成员，用顿号分隔"))
    year = models.PositiveSmallIntegerField(_("年度"))
    tags = models.JSONField(_("标签"), default=list, blank=True)
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases",
                                verbose_name=_("专项工作"))
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases",
                             verbose_name=_("来源任务"))
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases",
                                verbose_name=_("来源问题"))
    request = models.ForeignKey(Request, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases",
                                verbose_name=_("来源诉求"))
    idea = models.ForeignKey(Idea, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases",
                             verbose_name=_("来源金点子"))
    attachments = models.ManyToManyField(Attachment, blank=True, related_name="cases")

    state = models.CharField(_("状态"), max_length=12, choices=CaseState.choices, default=CaseState.DRAFT)
    nomination = models.CharField(_("推荐方式"), max_length=12, choices=Nomination.choices, blank=True)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("推荐人"))
    nominated_at = models.DateTimeField(null=True, blank=True)
    nomination_note = models.CharField(_("推荐理由"), max_length=500, blank=True)
    scores = models.JSONField(default=dict, blank=True)  # criterion code → points (strings)
    score = models.DecimalField(_("评审得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    is_public = models.BooleanField(_("在公开网站发布"), default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    top_level = models.CharField(_("最高推广层级"), max_length=12, choices=Level.choices, blank=True)
    search_text = models.TextField(editable=False, default="")  # jieba words of the texts, space separated

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-id"]
        indexes = [models.Index(fields=["state", "year"], name="case_state_year_idx")]
        verbose_name = _("典型案例")
        verbose_name_plural = pgettext_lazy("plural", "典型案例")

    def __str__(self) -> str:
        return self.title

    @property
    def team_members(self) -> list[str]:
        return [p for p in (x.strip() for x in self.team.replace(",", "、").replace("，", "、").split("、")) if p]


class Recognition(models.Model):
    """复制推广 recognised by an authority: the level, when, and the document that says so."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="recognitions")
    level = models.CharField(_("推广层级"), max_length=12, choices=Level.choices)
    date = models.DateField(_("日期"))
    source = models.CharField(_("来源文件"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["date", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "level", "source"], name="case_recognition_unique")]
        verbose_name = _("复制推广")
        verbose_name_plural = pgettext_lazy("plural", "复制推广")


class Adoption(models.Model):
    """Another unit took the case up: when, and with what result."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="adoptions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="case_adoptions", verbose_name=_("借鉴单位"))
    adopted_on = models.DateField(_("借鉴日期"))
    result = models.CharField(_("借鉴成效"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["adopted_on", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "unit"], name="case_adoption_once_per_unit")]
        verbose_name = _("借鉴推广")
        verbose_name_plural = pgettext_lazy("plural", "借鉴推广")
