"""The cockpit's stored trend points: each scope unit's headline figures of each panel, one row per day, written
by the daily step (services.snapshots_take) from the panels' `snapshot` hooks (core.cockpit)."""
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from luoshi.org.models import Unit


class FigureSnapshot(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    panel = models.CharField(max_length=40)
    key = models.CharField(max_length=40)
    value = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "panel", "key", "day"], name="figuresnapshot_unique")]
        verbose_name = _("指标快照")
        verbose_name_plural = pgettext_lazy("plural", "指标快照")

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day} {self.panel}.{self.key}={self.value}"
