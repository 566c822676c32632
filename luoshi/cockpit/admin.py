from django.contrib import admin

from luoshi.core.admin import RecordAdmin

from .models import FigureSnapshot


@admin.register(FigureSnapshot)
class FigureSnapshotAdmin(RecordAdmin):
    """Written by the daily step (cockpit.services.snapshots_take); shown here to check a trend point."""

    list_display = ("day", "unit", "panel", "key", "value")
    list_filter = ("panel", "key")
    search_fields = ("unit__name",)
    list_select_related = ("unit",)
    date_hierarchy = "day"
