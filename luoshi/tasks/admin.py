from django.contrib import admin

from luoshi.core.admin import JournaledAdmin

from .models import Tag, Task, TaskPairing


class TaskPairingInline(admin.TabularInline):
    model = TaskPairing
    extra = 1
    autocomplete_fields = ("helper_person", "helper_unit")


@admin.register(Task)
class TaskAdmin(JournaledAdmin):
    """Tasks are edited in the app (which resolves units and recomputes status); the admin manages 包联 and archiving."""

    list_display = ("code", "title", "program", "status", "progress")
    list_filter = ("program", "status")
    search_fields = ("code", "title")
    fields = ("program", "code", "title", "status", "is_archived")
    readonly_fields = ("program", "code", "title", "status")
    inlines = [TaskPairingInline]

    def has_add_permission(self, request):
        return False


admin.site.register(Tag)
admin.site.site_header = "落实 · 系统管理"
admin.site.site_title = "落实"
