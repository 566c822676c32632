"""Key projects in the admin site: listed, filtered and searched, changed only through projects.services (unit
rows, maintained figures and the journal stay right)."""
from django.contrib import admin

from luoshi.core.admin import RecordAdmin

from .models import (Challenge, ChallengeApplication, ChallengeScore, Project, ProjectConfig, ProjectEvent,
                     ProjectIssue, ProjectMonth, ProjectRating)


@admin.register(Project)
class ProjectAdmin(RecordAdmin):
    list_display = ("code", "name", "type", "district", "lead_unit", "builder_name", "total_investment")
    list_filter = ("type", "program")
    search_fields = ("code", "name", "builder_name")
    list_select_related = ("district", "lead_unit")


@admin.register(ProjectConfig)
class ProjectConfigAdmin(RecordAdmin):
    list_display = ("program",)


@admin.register(ProjectMonth)
class ProjectMonthAdmin(RecordAdmin):
    list_display = ("project", "month")
    search_fields = ("project__code", "project__name")
    list_select_related = ("project",)


@admin.register(ProjectEvent)
class ProjectEventAdmin(RecordAdmin):
    list_display = ("project", "kind")
    list_filter = ("kind",)
    search_fields = ("project__code", "project__name")
    list_select_related = ("project",)


@admin.register(ProjectIssue)
class ProjectIssueAdmin(RecordAdmin):
    list_display = ("project", "kind")
    list_filter = ("kind",)
    search_fields = ("project__code", "project__name")
    list_select_related = ("project",)


@admin.register(ProjectRating)
class ProjectRatingAdmin(RecordAdmin):
    list_display = ("project",)
    search_fields = ("project__code", "project__name")
    list_select_related = ("project",)


@admin.register(Challenge)
class ChallengeAdmin(RecordAdmin):
    list_display = ("title", "owner_unit", "state", "apply_until", "review_until")
    list_filter = ("state",)
    search_fields = ("title",)


@admin.register(ChallengeApplication)
class ChallengeApplicationAdmin(RecordAdmin):
    """Applicants' contact data is personal: listed by team only."""
    list_display = ("challenge", "team_name")
    search_fields = ("team_name",)
    exclude = ("code_hash",)


@admin.register(ChallengeScore)
class ChallengeScoreAdmin(RecordAdmin):
    list_display = ("application",)
