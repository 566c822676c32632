from django.db import models

from luoshi.org.models import Unit


class CadenceKind(models.TextChoices):
    WEEKLY = "weekly", "每周"
    SEMIMONTHLY = "semimonthly", "半月"
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"
    SEMIANNUAL = "semiannual", "每半年"
    CUSTOM = "custom", "自定义日期"


class Program(models.Model):
    """专项工作: a body of work with task lists, a reporting cadence and warning thresholds."""

    code = models.SlugField("代码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=200)
    year = models.PositiveSmallIntegerField("年度")
    owner_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="programs", verbose_name="主办单位")
    description = models.TextField("说明", blank=True)
    sheet_title = models.CharField("清单标题", max_length=200, blank=True)
    sheet_subtitle = models.CharField("清单副标题", max_length=200, blank=True)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")

    cadence_kind = models.CharField("调度频次", max_length=20, choices=CadenceKind.choices, default=CadenceKind.MONTHLY)
    cadence_weekday = models.PositiveSmallIntegerField("每周调度日", default=0, help_text="0=周一 … 6=周日")
    cadence_day = models.PositiveSmallIntegerField("每月调度日", default=25)
    cadence_dates = models.JSONField("自定义调度日期", default=list, blank=True)

    warn_days = models.PositiveSmallIntegerField("到期预警天数", default=7)
    lag_points = models.PositiveSmallIntegerField("进度滞后预警（百分点）", default=20)
    ack_days = models.PositiveSmallIntegerField("及时签收天数", default=3)

    is_archived = models.BooleanField("已归档", default=False)
    created_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "code"]
        verbose_name = "专项工作"
        verbose_name_plural = "专项工作"

    def __str__(self) -> str:
        return self.name


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
        verbose_name = "调度期次"
        verbose_name_plural = "调度期次"

    def __str__(self) -> str:
        return f"第{self.seq}期（{self.start:%m.%d}–{self.due:%m.%d}）"
