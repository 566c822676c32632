"""金点子 / 改革创新建议: a 征集活动 (campaign) collects ideas from anyone; the owner unit's office screens
them (初审), assigned experts score them against the campaign's scheme, the office ranks them, decides
(采纳 / 部分采纳 / 不采纳) with a public reply, gives awards, and turns an adopted idea into a task.

Personal data (name, phone, e-mail, organisation) lives only in the submitter_* fields: the office of the
owner unit sees it; experts review blind; the public site and the public selectors never read it.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from luoshi.org.models import Role, Unit

# read a campaign and all its ideas when the owner unit lies in their subtree
STAFF_ROLES = (Role.OFFICE, Role.LEADER)


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, scope):
        """Campaigns whose owner unit lies where the person is office or leader, and those they review."""
        if scope.is_admin:
            return self
        q = models.Q(owner_path__within=scope.paths_for(*STAFF_ROLES))
        if scope.person_id is not None:
            q |= models.Q(pk__in=CampaignExpert.objects.filter(person_id=scope.person_id).values("campaign_id"))
        return self.filter(q)

    def manageable_by(self, scope):
        """Campaigns the office over the owner unit runs."""
        if scope.is_admin:
            return self
        return self.filter(owner_path__within=scope.paths_for(Role.OFFICE))


class IdeaQuerySet(models.QuerySet):
    def visible_to(self, scope):
        """Every idea of a campaign the person reads as staff; an expert, the ideas under review or decided."""
        if scope.is_admin:
            return self
        q = models.Q(campaign__owner_path__within=scope.paths_for(*STAFF_ROLES))
        if scope.person_id is not None:
            q |= models.Q(state__in=EXPERT_STATES, campaign__in=CampaignExpert.objects.filter(
                person_id=scope.person_id).values("campaign_id"))
        return self.filter(q)


class Campaign(models.Model):
    """征集活动. `scheme` is the validated review scheme (criteria, trim_from, places, awards, topics) as
    JSON; `scheme_source` the YAML it came from, so an office can read and copy it."""

    name = models.CharField(_("活动名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    owner_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="idea_campaigns",
                                   verbose_name=_("主办单位"))
    owner_path = models.CharField(max_length=255, db_index=True, editable=False)
    start_date = models.DateField(_("征集开始"))
    end_date = models.DateField(_("征集截止"))
    description = models.TextField(_("征集公告"), blank=True)
    scheme_source = models.TextField(_("评审方案"))
    scheme = models.JSONField(default=dict)
    is_closed = models.BooleanField(_("已结束征集"), default=False)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    experts = models.ManyToManyField(settings.AUTH_USER_MODEL, through="CampaignExpert", related_name="idea_campaigns_as_expert",
                                     blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("征集活动")
        verbose_name_plural = pgettext_lazy("plural", "征集活动")

    def __str__(self) -> str:
        return self.name

    @property
    def topics(self) -> list[str]:
        return list(self.scheme.get("topics") or [])

    @property
    def criteria(self) -> list[dict]:
        return list(self.scheme.get("criteria") or [])

    @property
    def awards(self) -> list[dict]:
        return list(self.scheme.get("awards") or [])

    def award_name(self, code: str) -> str:
        return next((a["name"] for a in self.awards if a["code"] == code), code)

    def is_open_on(self, day) -> bool:
        return not self.is_closed and self.start_date <= day <= self.end_date


class CampaignExpert(models.Model):
    """An expert (评审专家) assigned to score the campaign's ideas."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="expert_links")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "person"], name="idea_expert_unique")]


class SourceKind(models.TextChoices):
    PERSON = "person", _("个人")
    ENTERPRISE = "enterprise", _("企业")
    OFFICIAL = "official", _("机关干部")
    SCHOLAR = "scholar", _("专家学者")
    ORGANISATION = "organisation", _("社会组织")
    OTHER = "other", _("其他")


class IdeaState(models.TextChoices):
    SUBMITTED = "submitted", _("待初审")
    REJECTED = "rejected", _("初审未通过")
    DUPLICATE = "duplicate", _("重复建议")
    REVIEWING = "reviewing", _("专家评审")
    DECIDED = "decided", _("已答复")


# the states in which an assigned expert sees an idea
EXPERT_STATES = (IdeaState.REVIEWING, IdeaState.DECIDED)


class Decision(models.TextChoices):
    ADOPTED = "adopted", _("采纳")
    PARTIAL = "partial", _("部分采纳")
    NOT_ADOPTED = "not_adopted", _("不采纳")


ADOPTED_DECISIONS = (Decision.ADOPTED, Decision.PARTIAL)


class Idea(models.Model):
    """One 金点子. `tracking_code` is the submitter's key to follow it (查询码)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="ideas", verbose_name=_("征集活动"))
    seq = models.PositiveIntegerField(_("序号"))
    tracking_code = models.CharField(max_length=12, unique=True)
    title = models.CharField(_("标题"), max_length=100)
    content = models.TextField(_("建议内容"), max_length=5000)
    topic = models.CharField(_("征集领域"), max_length=30)
    source_kind = models.CharField(_("建议人类别"), max_length=12, choices=SourceKind.choices)
    province = models.CharField(_("所在省份"), max_length=20)
    city = models.CharField(_("所在城市"), max_length=30, blank=True)

    submitter_name = models.CharField(_("姓名"), max_length=50)
    submitter_phone = models.CharField(_("联系电话"), max_length=30)
    submitter_email = models.CharField(_("电子邮箱"), max_length=100, blank=True)
    submitter_org = models.CharField(_("工作单位"), max_length=100, blank=True)

    state = models.CharField(_("状态"), max_length=10, choices=IdeaState.choices, default=IdeaState.SUBMITTED)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("与之重复"))
    screen_note = models.CharField(_("初审意见"), max_length=500, blank=True)
    screened_at = models.DateTimeField(_("初审时间"), null=True, blank=True)
    score = models.DecimalField(_("评审得分"), max_digits=8, decimal_places=4, null=True, blank=True)
    score_count = models.PositiveSmallIntegerField(_("已评专家数"), default=0)
    decision = models.CharField(_("处理结果"), max_length=12, choices=Decision.choices, blank=True)
    reply = models.TextField(_("答复"), blank=True, max_length=2000)
    decided_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    is_public = models.BooleanField(_("在公开网站发布"), default=False)
    award = models.CharField(_("奖项"), max_length=30, blank=True)
    awarded_at = models.DateTimeField(_("评奖时间"), null=True, blank=True)
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="ideas",
                             verbose_name=_("转化任务"))
    submitted_at = models.DateTimeField(_("提交时间"))
    updated_at = models.DateTimeField()

    objects = IdeaQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "seq"], name="idea_seq_unique")]
        indexes = [
            models.Index(fields=["campaign", "state"], name="idea_campaign_state_idx"),
            models.Index(fields=["campaign", "score"], name="idea_campaign_score_idx"),
            models.Index(fields=["is_public", "decided_at"], name="idea_public_idx"),
        ]
        verbose_name = _("金点子")
        verbose_name_plural = pgettext_lazy("plural", "金点子")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        """建议编号: the campaign's year and the sequence, e.g. 2026-0007."""
        return f"{self.campaign.year}-{self.seq:04d}" if self.campaign_id else f"{self.seq:04d}"

    @property
    def is_adopted(self) -> bool:
        return self.decision in ADOPTED_DECISIONS


class ExpertScore(models.Model):
    """One expert's scores of one idea: {criterion code: points as a string}, and their total."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="scores")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    points = models.JSONField(default=dict)
    total = models.DecimalField(max_digits=8, decimal_places=2)
    note = models.CharField(_("评语"), max_length=500, blank=True)
    submitted_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "expert"], name="idea_score_unique")]
