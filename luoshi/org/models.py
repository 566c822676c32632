from django.contrib.auth.models import AbstractUser
from django.db import models


class UnitKind(models.TextChoices):
    CITY = "city", "市"
    DISTRICT = "district", "区市"
    STREET = "street", "镇街"
    COMMUNITY = "community", "村社区"
    GRID = "grid", "网格"
    DEPARTMENT = "department", "部门"
    ZONE = "zone", "功能区"
    SOE = "soe", "国企"
    THIRD_PARTY = "third_party", "第三方机构"


class Unit(models.Model):
    """A node of the organisation tree.

    `path` is the chain of ids from the root ("/1/12/305/"), so a subtree is one indexed prefix
    match. Paths are maintained by org.services only.
    """

    name = models.CharField("单位名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    code = models.CharField("编码", max_length=50, null=True, blank=True, unique=True)
    kind = models.CharField("单位类型", max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="上级单位")
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="unit_name_unique_under_parent")]
        indexes = [models.Index(fields=["name"], name="unit_name_idx"), models.Index(fields=["short_name"], name="unit_short_name_idx")]
        verbose_name = "单位"
        verbose_name_plural = "单位"

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p]


class Person(AbstractUser):
    """A person who signs in: office staff, leaders, liaisons, evaluators."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    title = models.CharField("职务", max_length=100, blank=True)
    phone = models.CharField("电话", max_length=30, blank=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="people", verbose_name="所在单位")

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        indexes = [models.Index(fields=["full_name"], name="person_full_name_idx")]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    OFFICE = "office", "督查室/办公室"
    LEADER = "leader", "责任领导"
    LIAISON = "liaison", "单位联络员"
    EVALUATOR = "evaluator", "评估员"


class RoleGrant(models.Model):
    """A role held over a unit and everything below it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="grants", verbose_name="范围单位")
    granted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "role", "unit"], name="grant_unique")]
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} @ {self.unit}"


class Pairing(models.Model):
    """包联: a leader or a unit assigned to help another unit. (包联 of a task is tasks.TaskPairing.)"""

    helper_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="pairings", verbose_name="包联领导")
    helper_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="helping", verbose_name="包联单位")
    target_unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="helped_by", verbose_name="被包联单位")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(helper_person__isnull=False) | models.Q(helper_unit__isnull=False),
                name="pairing_has_helper",
            )
        ]
        verbose_name = "包联关系"
        verbose_name_plural = "包联关系"

    def __str__(self) -> str:
        return f"{self.helper_person or self.helper_unit} 包联 {self.target_unit}"
