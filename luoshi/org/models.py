from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy


class UnitKind(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区市")
    STREET = "street", _("镇街")
    COMMUNITY = "community", _("村社区")
    GRID = "grid", _("网格")
    DEPARTMENT = "department", _("部门")
    ZONE = "zone", _("功能区")
    SOE = "soe", _("国企")
    THIRD_PARTY = "third_party", _("第三方机构")


class Unit(models.Model):
    """A node of the organisation tree.

    `path` is the chain of ids from the root ("/1/12/305/"), so a subtree is one indexed prefix
    match. Paths are maintained by org.services only.
    """

    name = models.CharField(_("单位名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    code = models.CharField(_("编码"), max_length=50, null=True, blank=True, unique=True)
    kind = models.CharField(_("单位类型"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级单位"))
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="unit_name_unique_under_parent")]
        indexes = [models.Index(fields=["name"], name="unit_name_idx"), models.Index(fields=["short_name"], name="unit_short_name_idx")]
        verbose_name = _("单位")
        verbose_name_plural = pgettext_lazy("plural", "单位")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p]


class Person(AbstractUser):
    """A person who signs in: office staff, leaders, liaisons, evaluators."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="people", verbose_name=_("所在单位"))
    # what is written for this person (messages, digests, e-mails) and the interface after sign-in; blank: the
    # site's language (settings.LANGUAGE_CODE). One of settings.LANGUAGES (core.language).
    language = models.CharField(_("语言"), max_length=10, blank=True, default="")

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = pgettext_lazy("plural", "人员")
        indexes = [models.Index(fields=["full_name"], name="person_full_name_idx")]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    OFFICE = "office", _("督查室/办公室")
    LEADER = "leader", _("责任领导")
    LIAISON = "liaison", _("单位联络员")
    EVALUATOR = "evaluator", _("评估员")
    DISPATCHER = "dispatcher", _("受理派单员")


class RoleGrant(models.Model):
    """A role held over a unit and everything below it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="grants", verbose_name=_("范围单位"))
    granted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "role", "unit"], name="grant_unique")]
        verbose_name = _("角色授权")
        verbose_name_plural = pgettext_lazy("plural", "角色授权")

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} @ {self.unit}"


class Pairing(models.Model):
    """包联: a leader or a unit assigned to help another unit. (包联 of a task is tasks.TaskPairing.)"""

    helper_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="pairings", verbose_name=_("包联领导"))
    helper_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="helping", verbose_name=_("包联单位"))
    target_unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="helped_by", verbose_name=_("被包联单位"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(helper_person__isnull=False) | models.Q(helper_unit__isnull=False),
                name="pairing_has_helper",
            )
        ]
        verbose_name = _("包联关系")
        verbose_name_plural = pgettext_lazy("plural", "包联关系")

    def __str__(self) -> str:
        return f"{self.helper_person or self.helper_unit} 包联 {self.target_unit}"
