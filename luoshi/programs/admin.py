from django.contrib import admin

from luoshi.core.admin import JournaledAdmin

from .models import Program


@admin.register(Program)
class ProgramAdmin(JournaledAdmin):
    list_display = ("name", "code", "year", "owner_unit", "cadence_kind", "is_archived")
    search_fields = ("name", "code")
    readonly_fields = ("code", "owner_unit", "cadence_kind", "cadence_weekday", "cadence_day", "cadence_dates",
                       "start_date", "end_date")  # changed through the app, which regenerates reporting slots
