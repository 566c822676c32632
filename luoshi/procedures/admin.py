from django.contrib import admin

from luoshi.core.admin import RecordAdmin

from .models import Case, CaseStep, Definition, Institution, Notice


@admin.register(Definition)
class DefinitionAdmin(RecordAdmin):
    """Definitions are loaded from YAML (`luoshi procedures load`, validated with located errors), never typed here."""

    list_display = ("code", "version", "name", "owner_unit", "is_current", "created_at")
    list_filter = ("is_current", "subject")
    search_fields = ("code", "name")
    list_select_related = ("owner_unit",)


class StepInline(admin.TabularInline):
    model = CaseStep
    fields = ("name", "actor_unit", "state", "light", "opened_at", "due_at", "closed_at", "decision_label")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Case)
class ProcedureCaseAdmin(RecordAdmin):
    list_display = ("number", "title", "definition", "unit", "state", "outcome", "started_at", "finished_at")
    list_filter = ("state", "definition__code")
    search_fields = ("number", "title", "unit__name")
    list_select_related = ("definition", "unit")
    date_hierarchy = "started_at"
    exclude = ("fields", "amounts", "passed")
    inlines = [StepInline]


@admin.register(Institution)
class InstitutionAdmin(RecordAdmin):
    list_display = ("name", "field", "unit", "authority", "cert_expires", "last_operation_on", "state")
    list_filter = ("state", "field")
    search_fields = ("name", "cert_number")
    list_select_related = ("unit", "authority")


@admin.register(Notice)
class NoticeAdmin(RecordAdmin):
    list_display = ("title", "kind", "case", "published_at")
    list_filter = ("kind",)
    search_fields = ("title", "case__number")
    date_hierarchy = "published_at"
