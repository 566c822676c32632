from django.contrib import admin

from luoshi.core.admin import RecordAdmin

from .models import Adoption, Case, Recognition


class RecognitionInline(admin.TabularInline):
    model = Recognition
    fields = ("level", "date", "source", "recorded_by", "recorded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


class AdoptionInline(admin.TabularInline):
    model = Adoption
    fields = ("unit", "adopted_on", "result", "recorded_by", "recorded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Case)
class CaseAdmin(RecordAdmin):
    """Nomination, review, publication and replication go through the case pages (cases.services: scope checked,
    search words and journal kept)."""

    list_display = ("title", "unit", "year", "state", "nomination", "score", "top_level", "is_public")
    list_filter = ("state", "year", "nomination", "top_level", "is_public")
    search_fields = ("title", "summary", "team", "unit__name")
    list_select_related = ("unit",)
    date_hierarchy = "created_at"
    exclude = ("search_text", "attachments")
    inlines = [RecognitionInline, AdoptionInline]


@admin.register(Recognition)
class RecognitionAdmin(RecordAdmin):
    list_display = ("case", "level", "date", "source")
    list_filter = ("level",)
    search_fields = ("case__title", "source")
    list_select_related = ("case",)
    date_hierarchy = "date"


@admin.register(Adoption)
class AdoptionAdmin(RecordAdmin):
    list_display = ("case", "unit", "adopted_on")
    search_fields = ("case__title", "unit__name", "result")
    list_select_related = ("case", "unit")
    date_hierarchy = "adopted_on"
