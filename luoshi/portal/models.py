"""群众批题: the public's satisfaction ratings of published tasks and 民生实事.

A visitor is never identified: `rater_key` is a hash of the server secret and a random id kept in a signed,
long-lived anonymous cookie, and `ip_hash` a hash of the secret and the address (kept to look into abuse,
never shown). One rating per visitor per task is a database constraint."""
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from luoshi.tasks.models import Task


class Score(models.IntegerChoices):
    # the five levels of 政务服务“好差评” (GB/T 39735-2020)
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    FAIR = 3, _("基本满意")
    UNSATISFIED = 2, _("不满意")
    VERY_UNSATISFIED = 1, _("非常不满意")


class PublicRating(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="public_ratings", verbose_name=_("任务"))
    score = models.PositiveSmallIntegerField(_("评价"), choices=Score.choices)
    comment = models.CharField(_("意见"), max_length=200, blank=True)
    rater_key = models.CharField(max_length=64)
    ip_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("评价时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "rater_key"], name="public_rating_once_per_visitor"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="public_rating_score_1_5"),
        ]
        indexes = [models.Index(fields=["task", "score"], name="public_rating_task_score_idx"),
                   models.Index(fields=["created_at"], name="public_rating_created_idx")]
        verbose_name = _("群众评价")
        verbose_name_plural = pgettext_lazy("plural", "群众评价")

    def __str__(self) -> str:
        return f"{self.task.code} {self.get_score_display()}"
