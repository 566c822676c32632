"""批示 (instructions): a leader (or the office acting for them) writes an instruction on a task, a ledger finding, a
request, an assessment result or a key project — any registered target (core.targets), held by content type and
id — naming the units that must act and a deadline. The units answer (InstructionReply); the leader marks it 已阅
and finally 办结. Nothing is deleted; every write is journaled (instructions.services)."""
from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from luoshi.org.models import Role, Unit

WRITE_ROLES = (Role.LEADER, Role.OFFICE)   # over the target's scope: may write a 批示
ANSWER_ROLES = (Role.LIAISON, Role.OFFICE, Role.LEADER)   # over an addressed unit: may answer for it


class InstructionState(models.TextChoices):
    OPEN = "open", _("办理中")
    READ = "read", _("已阅")
    CLOSED = "closed", _("已办结")


class InstructionQuerySet(models.QuerySet):
    def visible_to(self, scope):
        """The author; the leaders and offices over the target's scope or over the author's scope; and every role
        over a unit it is addressed to (a unit sees the 批示 addressed to it, nothing else)."""
        if scope.is_admin:
            return self
        if scope.person_id is None:
            return self.none()
        lead = scope.paths_for(*WRITE_ROLES)
        q = (models.Q(author_id=scope.person_id) | models.Q(target_unit_path__within=lead)
             | models.Q(author_scope_path__within=lead))
        if scope.all_paths:
            q |= models.Q(pk__in=InstructionUnit.objects.filter(unit_path__within=scope.all_paths)
                          .values("instruction_id"))
        return self.filter(q)

    def manageable_by(self, scope):
        """Marked 已阅 / 办结 by its author or by the office over the author's scope (the 督查室 acting for the
        leader) — never by the units it is addressed to."""
        if scope.is_admin:
            return self
        if scope.person_id is None:
            return self.none()
        return self.filter(models.Q(author_id=scope.person_id)
                           | models.Q(author_scope_path__within=scope.paths_for(Role.OFFICE)))


class Instruction(models.Model):
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target_title = models.CharField(_("批示对象"), max_length=300)
    target_unit_path = models.CharField(max_length=255)
    text = models.TextField(_("批示内容"))
    deadline = models.DateField(_("办理时限"), null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("批示人"))
    author_scope_path = models.CharField(max_length=255)  # the unit over which the author holds the writing role
    created_at = models.DateTimeField()
    state = models.CharField(_("状态"), max_length=10, choices=InstructionState.choices, default=InstructionState.OPEN)
    unit_count = models.PositiveSmallIntegerField(default=0)
    answered_count = models.PositiveSmallIntegerField(default=0)  # addressed units that answered at least once
    read_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    close_note = models.TextField(_("办结意见"), blank=True)

    objects = InstructionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="instruction_target_idx"),
            models.Index(fields=["state", "deadline"], name="instruction_state_idx"),
            models.Index(fields=["target_unit_path"], name="instruction_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["author", "state"], name="instruction_author_idx"),
        ]
        verbose_name = _("批示")
        verbose_name_plural = pgettext_lazy("plural", "批示")

    def __str__(self) -> str:
        return f"批示 {self.pk} · {self.target_title[:40]}"

    @property
    def is_closed(self) -> bool:
        return self.state == InstructionState.CLOSED


class InstructionUnit(models.Model):
    """A unit a 批示 is addressed to; `answered_at` is its first answer."""

    instruction = models.ForeignKey(Instruction, on_delete=models.PROTECT, related_name="recipients")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("办理单位"))
    unit_path = models.CharField(max_length=255)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["instruction", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["instruction", "unit"], name="instruction_unit_unique")]
        indexes = [models.Index(fields=["unit_path", "instruction"], name="instruction_unit_path_idx",
                                opclasses=["varchar_pattern_ops", "int8_ops"])]
        verbose_name = _("批示办理单位")
        verbose_name_plural = pgettext_lazy("plural", "批示办理单位")


class InstructionReply(models.Model):
    instruction = models.ForeignKey(Instruction, on_delete=models.PROTECT, related_name="replies")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("落实情况"))
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("批示回复")
        verbose_name_plural = pgettext_lazy("plural", "批示回复")
