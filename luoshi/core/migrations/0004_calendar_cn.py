"""Load the Chinese public-holiday calendar (presets/calendar/cn.yaml) so that every new database counts
working days correctly from the start; later years are added with `luoshi calendar load`."""
from django.db import migrations


def load(apps, schema_editor):
    from luoshi.core.workdays import calendar_parse, calendar_path, clear_cache

    CalendarDay = apps.get_model("core", "CalendarDay")
    days = calendar_parse(calendar_path().read_text(encoding="utf-8"))
    CalendarDay.objects.bulk_create([CalendarDay(date=d, is_workday=w, name=n[:50]) for d, (w, n) in sorted(days.items())],
                                    ignore_conflicts=True)
    clear_cache()


class Migration(migrations.Migration):
    dependencies = [("core", "0003_calendarday")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
