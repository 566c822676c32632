from django.contrib import admin

from luoshi.core.admin import RecordAdmin

from .models import Instruction, InstructionReply, InstructionUnit


class RecipientInline(admin.TabularInline):
    model = InstructionUnit
    fields = ("unit", "answered_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Instruction)
class InstructionAdmin(RecordAdmin):
    """批示 are written, answered and closed in the app (instructions.services: the to-dos and the journal)."""

    list_display = ("id", "target_title", "author", "created_at", "deadline", "state", "unit_count", "answered_count")
    list_filter = ("state", "target_type")
    search_fields = ("target_title", "text", "author__full_name")
    list_select_related = ("author",)
    date_hierarchy = "created_at"
    inlines = [RecipientInline]


@admin.register(InstructionReply)
class InstructionReplyAdmin(RecordAdmin):
    list_display = ("instruction", "unit", "author", "at")
    search_fields = ("text", "unit__name", "instruction__target_title")
    list_select_related = ("instruction", "unit", "author")
    date_hierarchy = "at"
