from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from luoshi.org.models import Role, Unit

# Roles that read a whole program when its owner unit lies in their subtree (a liaison never does: a liaison
# sees only the rows of a program that concern their units).
PROGRAM_READ_ROLES = (Role.OFFICE, Role.LEADER, Role.EVALUATOR)

# How an app's rows make a program visible to someone who does not read the whole of it: each app that hangs
# scoped rows off a program (tasks) registers a function scope -> Q over Program (see docs/adr/0010).
PART_READERS: list = []


def reads_part_of_program(fn):
    """Register `fn(scope) -> Q over Program`: the programs where the scope reads some of the app's rows."""
    PART_READERS.append(fn)
    return fn


class ProgramQuerySet(models.QuerySet):
    def wholly_visible_to(self, scope):
        """Programs whose owner unit lies where the person is office, leader or evaluator."""
        if scope.is_admin:
            return self
        return self.filter(owner_unit__path__within=scope.paths_for(*PROGRAM_READ_ROLES))

    def visible_to(self, scope):
        """Programs read whole (above), and programs where a registered app grants some rows."""
        if scope.is_admin:
            return self
        q = models.Q(owner_unit__path__within=scope.paths_for(*PROGRAM_READ_ROLES))
        for reader in PART_READERS:
            q |= reader(scope)
        return self.filter(q)

    def manageable_by(self, scope):
        """Programs whose owner unit lies where the person is 督查室/办公室: they add and decide tasks."""
        if scope.is_admin:
            return self
        return self.filter(owner_unit__path__within=scope.paths_for(Role.OFFICE))


class CadenceKind(models.TextChoices):
    WEEKLY = "weekly", _("每周")
    SEMIMONTHLY = "semimonthly", _("半月")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    SEMIANNUAL = "semiannual", _("每半年")
    CUSTOM = "custom", _("自定义日期")


class Program(models.Model):
    """专项工作: a body of work with task lists, a reporting cadence and warning thresholds."""

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    owner_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="programs", verbose_name=_("主办单位"))
    description = models.TextField(_("说明"), blank=True)
    sheet_title = models.CharField(_("清单标题"), max_length=200, blank=True)
    sheet_subtitle = models.CharField(_("清单副标题"), max_length=200, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))

    cadence_kind = models.CharField(_("调度频次"), max_length=20, choices=CadenceKind.choices, default=CadenceKind.MONTHLY)
    cadence_weekday = models.PositiveSmallIntegerField(_("每周调度日"), default=0, help_text=_("0=周一 … 6=周日"))
    cadence_day = models.PositiveSmallIntegerField(_("每月调度日"), default=25)
    cadence_dates = models.JSONField(_("自定义调度日期"), default=list, blank=True)

    warn_days = models.PositiveSmallIntegerField(_("到期预警天数"), default=7)
    lag_points = models.PositiveSmallIntegerField(_("进度滞后预警（百分点）"), default=20)
    ack_days = models.PositiveSmallIntegerField(_("及时签收天数"), default=3)

    is_archived = models.BooleanField(_("已归档"), default=False)
    # 阳光公开: a published program shows its tasks and their progress on the public site; a 民生实事
    # program is shown there as 实事 with timelines and can be rated by the public.
    is_public = models.BooleanField(_("在公开网站发布"), default=False)
    is_shishi = models.BooleanField(_("民生实事"), default=False)
    # the lead units' progress text reaches the public site only after the office released it (审核后公开)
    public_review = models.BooleanField(_("进展文字经督查室审核后公开"), default=True)
    created_at = models.DateTimeField(null=True, blank=True)

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "code"]
        verbose_name = _("专项工作")
        verbose_name_plural = pgettext_lazy("plural", "专项工作")

    def __str__(self) -> str:
        return self.name

    def wholly_visible_to(self, scope) -> bool:
        """`Program.objects.wholly_visible_to(scope)` for this one program, decided in Python."""
        return scope.covers(self.owner_unit.path, *PROGRAM_READ_ROLES)

    def manageable_by(self, scope) -> bool:
        """`Program.objects.manageable_by(scope)` for this one program, decided in Python."""
        return scope.covers(self.owner_unit.path, Role.OFFICE)


class ReportingPeriod(models.Model):
    """A reporting slot. Slot k covers the days after the previous 调度 day up to and including
    this one (`start`..`due`); a report submitted in that window counts for it."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="periods")
    seq = models.PositiveIntegerField()
    start = models.DateField()
    due = models.DateField()

    class Meta:
        ordering = ["program", "seq"]
        constraints = [models.UniqueConstraint(fields=["program", "seq"], name="period_seq_unique")]
        indexes = [models.Index(fields=["program", "due"], name="period_due_idx")]
        verbose_name = _("调度期次")
        verbose_name_plural = pgettext_lazy("plural", "调度期次")

    def __str__(self) -> str:
        return f"第{self.seq}期（{self.start:%m.%d}–{self.due:%m.%d}）"
