"""诉求 (citizen requests) and their 工单 workflow.

受理 → 派单 → 签收 (or 退单 back to the dispatcher) → 办理 → 回复 → 回访 (rated by the requester) → 办结;
延期 on request, 重办 when the requester is unsatisfied, 催办/督办 when overdue. Each transition is a
RequestEvent and a journal entry; the times and on-time flags the metrics need are stored on the request,
so a month's unit figures are one grouped query over an index (selectors.unit_metrics).

Personal data (name, phone, e-mail) lives only in the requester_* fields: dispatchers and the handling
unit see it, everyone else sees it masked, and the public site and the Open311 API never read it.
"""
from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from luoshi.org.models import Role, Unit


class RequestKind(models.TextChoices):
    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")


class ChannelKind(models.TextChoices):
    HOTLINE = "hotline", _("热线电话")
    ONLINE = "online", _("网络平台")
    LETTER = "letter", _("信件来访")
    OTHER = "other", _("其他渠道")


class Channel(models.Model):
    """Where requests arrive: 12345, 12319, 市长信箱, 公众号, 110 非警务, the public site, an app via Open311…"""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("渠道类型"), max_length=10, choices=ChannelKind.choices, default=ChannelKind.OTHER)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("受理渠道")
        verbose_name_plural = pgettext_lazy("plural", "受理渠道")

    def __str__(self) -> str:
        return self.name


class ServiceCategory(models.Model):
    """A line of the 派单目录, and an Open311 service. Time limits: dispatch within `dispatch_hours` of
    受理, sign within `sign_hours` of 派单, reply within `limit_days` working days of 派单."""

    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    group = models.CharField(_("大类"), max_length=40)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    kind = models.CharField(_("诉求类型"), max_length=12, choices=RequestKind.choices, default=RequestKind.COMPLAINT)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    limit_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"), default=7)
    dispatch_hours = models.PositiveSmallIntegerField(_("派单时限（小时）"), default=24)
    sign_hours = models.PositiveSmallIntegerField(_("签收时限（小时）"), default=24)
    # Open311 service definition attributes: [{code, description, datatype, required, order, values:[{key,name}]}]
    attributes = models.JSONField(_("附加项"), default=list, blank=True)
    is_public = models.BooleanField(_("公众可选"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("诉求类别")
        verbose_name_plural = pgettext_lazy("plural", "诉求类别")

    def __str__(self) -> str:
        return f"{self.group} / {self.name}"


class DispatchTarget(models.TextChoices):
    AREA = "area", _("属地镇街")
    UNIT = "unit", _("指定单位")


class DispatchRule(models.Model):
    """派单规则: the first active rule (by sort_order) that matches the request's category (or group) and
    area proposes the lead unit; the dispatcher may override. Loaded from presets/intake/*.yaml."""

    sort_order = models.PositiveIntegerField(default=0)
    category = models.ForeignKey(ServiceCategory, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    category_group = models.CharField(_("大类"), max_length=40, blank=True)
    area = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("适用区域"))
    target = models.CharField(_("承办"), max_length=8, choices=DispatchTarget.choices, default=DispatchTarget.AREA)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("承办单位"))
    assist_units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("协办单位"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("派单规则")
        verbose_name_plural = pgettext_lazy("plural", "派单规则")


class RevisitRule(models.TextChoices):
    """What happens when the requester does not answer the 回访 by its deadline."""

    SATISFIED = "satisfied", _("视为满意并办结")
    CLOSE_UNRATED = "close_unrated", _("办结，不计入满意率")
    OFFICE = "office", _("转受理员电话回访")


class IntakeSettings(models.Model):
    """One row: the rules of the 工单 workflow that are not per category (loaded from the preset)."""

    name = models.CharField(_("名称"), max_length=100, default="诉求办理")
    # the receiving centre: requests with no known area belong to its subtree until dispatched
    centre = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("受理中心所属"))
    revisit_days = models.PositiveSmallIntegerField(_("回访期限（工作日）"), default=3)
    no_answer = models.CharField(_("逾期未评价"), max_length=16, choices=RevisitRule.choices,
                                 default=RevisitRule.CLOSE_UNRATED)
    max_reopen = models.PositiveSmallIntegerField(_("最多重办次数"), default=2)
    satisfied_from = models.PositiveSmallIntegerField(_("计为满意的最低评价"), default=3,
                                                      help_text=_("1 非常不满意 … 5 非常满意；3 = 基本满意及以上计为满意"))
    return_hours = models.PositiveSmallIntegerField(_("退单时限（小时）"), default=24)
    retention_days = models.PositiveIntegerField(_("个人信息保留天数（办结后）"), default=365)
    source = models.TextField(_("配置来源"), blank=True)
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("诉求办理设置")
        verbose_name_plural = pgettext_lazy("plural", "诉求办理设置")


class RequestState(models.TextChoices):
    RECEIVED = "received", _("待派单")
    DISPATCHED = "dispatched", _("待签收")
    RETURNED = "returned", _("退单待改派")
    HANDLING = "handling", _("办理中")
    REPLIED = "replied", _("待回访")
    CLOSED = "closed", _("已办结")


OPEN_STATES = (RequestState.RECEIVED, RequestState.DISPATCHED, RequestState.RETURNED, RequestState.HANDLING)


class Outcome(models.TextChoices):
    SATISFIED = "satisfied", _("满意办结")
    UNSATISFIED = "unsatisfied", _("不满意办结")
    UNRATED = "unrated", _("未评价办结")
    INVALID = "invalid", _("不予受理")
    DUPLICATE = "duplicate", _("重复诉求")


# who reads every request of a region (the request's region_path) or of a handling unit (its unit_path)
REGION_READ_ROLES = (Role.DISPATCHER, Role.OFFICE, Role.LEADER)


class RequestQuerySet(models.QuerySet):
    def visible_to(self, scope):
        """Requests the scope may read: for a dispatcher, office member or leader, those whose region or
        handling unit lies in their subtrees; for a liaison, those dispatched to (or asked of, 协办) a unit
        in theirs. The staff queue and every request page, photo and API detail read through this."""
        if scope.is_admin:
            return self
        region = scope.paths_for(*REGION_READ_ROLES)
        units = scope.paths_for(*REGION_READ_ROLES, Role.LIAISON)
        q = models.Q(region_path__within=region) | models.Q(unit_path__within=units)
        liaison = scope.paths_for(Role.LIAISON)
        if liaison:
            q |= models.Exists(RequestAssist.objects.filter(unit_path__within=liaison, request=models.OuterRef("pk")))
        return self.filter(q)


class Request(models.Model):
    """A 工单. `tracking_code` is the requester's secret key to follow it (查询码); it never leaves the site's own pages
    (the Open311 token is a separate signed value, open311/keys.py)."""

    tracking_code = models.CharField(max_length=12, unique=True)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="requests", verbose_name=_("渠道"))
    category = models.ForeignKey(ServiceCategory, on_delete=models.PROTECT, related_name="requests",
                                 verbose_name=_("类别"))
    kind = models.CharField(_("诉求类型"), max_length=12, choices=RequestKind.choices)
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("诉求内容"), max_length=4000)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    attributes = models.JSONField(_("附加项"), default=dict, blank=True)

    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    area = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("属地"))
    # the subtree that owns the request for dispatching: the area when known, else the receiving centre
    region_path = models.CharField(max_length=255, db_index=True)

    requester_name = models.CharField(_("诉求人"), max_length=50, blank=True)
    requester_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    requester_email = models.CharField(_("电子邮箱"), max_length=100, blank=True)
    anonymous = models.BooleanField(_("匿名"), default=False)
    external_id = models.CharField(_("外部编号"), max_length=60, blank=True)  # the channel's own ticket number
    personal_purged_at = models.DateTimeField(null=True, blank=True)

    state = models.CharField(_("状态"), max_length=10, choices=RequestState.choices, default=RequestState.RECEIVED)
    outcome = models.CharField(_("办结结果"), max_length=12, choices=Outcome.choices, blank=True)
    lead_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("承办单位"))
    unit_path = models.CharField(max_length=255, blank=True, default="")
    return_locked = models.BooleanField(_("审定派单（不可再退）"), default=False)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    received_at = models.DateTimeField(_("受理时间"))
    dispatch_due = models.DateTimeField(_("派单时限"))
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    sign_due = models.DateTimeField(_("签收时限"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_on_time = models.BooleanField(null=True, blank=True)
    due_at = models.DateTimeField(_("办理时限"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("已延期（工作日）"), default=0)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    replied_on_time = models.BooleanField(null=True, blank=True)
    reply_text = models.TextField(_("答复"), blank=True)
    revisit_due = models.DateTimeField(_("回访期限"), null=True, blank=True)
    rating_token = models.CharField(max_length=24, blank=True, db_index=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    resolved = models.BooleanField(_("问题已解决"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=500, blank=True)
    rating_source = models.CharField(max_length=12, blank=True)  # requester | phone | rule
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    supervised_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    counted = models.BooleanField(_("纳入考评"), default=True)
    updated_at = models.DateTimeField()

    objects = RequestQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["state", "received_at"], name="req_state_received_idx"),
            models.Index(fields=["unit_path", "state"], name="req_unit_state_idx"),
            models.Index(fields=["received_at"], name="req_received_idx"),
            models.Index(fields=["dispatched_at", "lead_unit"], name="req_dispatched_unit_idx"),
            models.Index(fields=["category", "received_at"], name="req_category_received_idx"),
            models.Index(fields=["updated_at"], name="req_updated_idx"),
            models.Index(fields=["state", "due_at"], name="req_state_due_idx"),
            # the working tabs of the dispatcher's list (selectors.request_queue), each in its tab's order: small
            # partial indexes over the open rows, so a tab's first page is an index range and not a walk past a
            # million closed requests (PostgreSQL took (received_at) and filtered 990,000 rows: 0.6 s → 1 ms); the 已办结
            # tab's newest-first page would otherwise sort every closed request (1.1 s)
            models.Index(fields=["received_at", "id"], condition=models.Q(state__in=["received", "returned"]),
                         name="req_tab_pending_idx"),
            models.Index(fields=["sign_due", "id"], condition=models.Q(state="dispatched"),
                         name="req_tab_dispatched_idx"),
            models.Index(fields=["due_at", "id"], condition=models.Q(state="handling"), name="req_tab_handling_idx"),
            models.Index(fields=["revisit_due", "id"], condition=models.Q(state="replied"), name="req_tab_replied_idx"),
            models.Index(fields=["closed_at", "id"], condition=models.Q(state="closed"), name="req_tab_closed_idx"),
            # the cockpit's "now" part of its monthly counts: requests not yet signed / replied whose limit passed
            # (intake.tallies.pending) — open requests only, a small part of a city's million
            models.Index(fields=["sign_due"], condition=models.Q(signed_at__isnull=True), name="req_unsigned_due_idx"),
            models.Index(fields=["due_at"], condition=models.Q(replied_at__isnull=True), name="req_unreplied_due_idx"),
        ]
        verbose_name = _("诉求工单")
        verbose_name_plural = pgettext_lazy("plural", "诉求工单")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        """工单号: the day received and the id, e.g. 20261130-0001234 (derived, so inserting is one write)."""
        from luoshi.core import clock

        day = clock.localtime(self.received_at).strftime("%Y%m%d") if self.received_at else "00000000"
        return f"{day}-{self.pk or 0:07d}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class RequestAssist(models.Model):
    """A 协办单位 of a request: sees it and reports its part, but the lead unit replies."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="assists")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "unit"], name="req_assist_unique")]


class EventKind(models.TextChoices):
    RECEIVED = "received", _("受理")
    DISPATCHED = "dispatched", _("派单")
    SIGNED = "signed", _("签收")
    RETURNED = "returned", _("退单")
    NOTE = "note", _("办理记录")
    REPLIED = "replied", _("回复")
    RATED = "rated", _("回访评价")
    REOPENED = "reopened", _("重办")
    CLOSED = "closed", _("办结")
    EXTENSION_ASKED = "ext_asked", _("申请延期")
    EXTENSION_DECIDED = "ext_decided", _("延期审批")
    URGED = "urged", _("催办")
    SUPERVISED = "supervised", _("督办")
    PURGED = "purged", _("清除个人信息")


class RequestEvent(models.Model):
    """The 工单's timeline. `public` events (受理, 派单 to a unit, 回复, 办结…) are shown to the requester
    on the tracking page; internal notes are not."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"], name="req_event_idx")]


class PhotoStage(models.TextChoices):
    SUBMITTED = "submitted", _("诉求照片")
    REPLY = "reply", _("办理照片")


class RequestPhoto(models.Model):
    """A photo. The upload is kept only until the background job has written the resized copies without
    metadata (EXIF, GPS); then the original is deleted, so a citizen's location never stays on disk."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(max_length=10, choices=PhotoStage.choices, default=PhotoStage.SUBMITTED)
    original = models.FileField(upload_to="intake/uploads/%Y/%m/", blank=True)
    display = models.FileField(upload_to="intake/photos/%Y/%m/", blank=True)
    thumb = models.FileField(upload_to="intake/photos/%Y/%m/", blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    uploaded_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    process_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]


class DecisionState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    REFUSED = "refused", _("未同意")


class ExtensionRequest(models.Model):
    """延期申请 by the lead unit, before the deadline; decided by a dispatcher."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="extensions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField()
    days = models.PositiveSmallIntegerField(_("延期（工作日）"))
    reason = models.TextField(_("理由"))
    state = models.CharField(max_length=10, choices=DecisionState.choices, default=DecisionState.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-asked_at"]


class Open311Key(models.Model):
    """An api_key for Open311 POST. Requests posted with it are recorded under its channel. Only a hash is
    stored; the key is shown once."""

    name = models.CharField(_("名称"), max_length=100)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+", verbose_name=_("渠道"))
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 接口密钥")
        verbose_name_plural = pgettext_lazy("plural", "Open311 接口密钥")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class TopicPromotionQuerySet(models.QuerySet):
    def visible_to(self, scope):
        """Promotions of the programs whose owner unit lies where the person is office, leader or dispatcher."""
        if scope.is_admin:
            return self
        return self.filter(task__program__owner_unit__path__within=scope.paths_for(*REGION_READ_ROLES))


class TopicPromotion(models.Model):
    """A hot topic (热点诉求) the office turned into a 实事 task: which requests it stood for (category and
    keywords over a period, with the count at the time) and the task that answers it ("人民出题—顶层破题")."""

    label = models.CharField(_("热点"), max_length=100)
    category = models.ForeignKey(ServiceCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    period_start = models.DateField()
    period_end = models.DateField()
    request_count = models.PositiveIntegerField(_("诉求件数"))
    task = models.ForeignKey("tasks.Task", on_delete=models.PROTECT, related_name="+", verbose_name=_("实事任务"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    note = models.CharField(_("说明"), max_length=300, blank=True)

    objects = TopicPromotionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("热点转实事")
        verbose_name_plural = pgettext_lazy("plural", "热点转实事")

    def __str__(self) -> str:
        return self.label


def overdue_q(now: datetime.datetime) -> models.Q:
    """Past the limit of the step the request is waiting at: 派单, 签收 (or the 办理 limit), 办理, 回访."""
    return (models.Q(state__in=(RequestState.RECEIVED, RequestState.RETURNED), dispatch_due__lt=now)
            | models.Q(state=RequestState.DISPATCHED, sign_due__lt=now)
            | models.Q(state=RequestState.DISPATCHED, due_at__lt=now)
            | models.Q(state=RequestState.HANDLING, due_at__lt=now)
            | models.Q(state=RequestState.REPLIED, revisit_due__lt=now))


class RequestTally(models.Model):
    """A maintained count over the requests (intake.tallies, ADR 0008, 0026): `n` requests of `figure` in the row
    (dimension, key) — e.g. ("month", "<unit id>/2026-03", "replied_on_time"): requests dispatched in March 2026 to
    units in the unit's subtree and replied on time. Written only by intake.tallies."""

    dimension = models.CharField(max_length=12)
    key = models.CharField(max_length=40)
    figure = models.CharField(max_length=16)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dimension", "key", "figure"], name="requesttally_unique")]
        verbose_name = _("诉求统计")
        verbose_name_plural = pgettext_lazy("plural", "诉求统计")
