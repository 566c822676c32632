"""Nothing to load: the holiday calendar shipped with the code (presets/calendar/cn.yaml) is read directly by
core.workdays for every year the database has no rows for. Database rows are only the office's own corrections
(`luoshi calendar load`); copying the shipped file into the database here would freeze it, so a release that
corrects or adds a year would not take effect. (An earlier version of this migration did copy it.)"""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0003_calendarday")]
    operations = []
