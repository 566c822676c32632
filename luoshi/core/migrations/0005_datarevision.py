from django.db import migrations, models


def create_counters(apps, schema_editor):
    DataRevision = apps.get_model("core", "DataRevision")
    for name in ("org", "programs", "tasks", "ledger"):
        DataRevision.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_calendar_cn")]
    operations = [
        migrations.CreateModel(
            name="DataRevision",
            fields=[
                ("name", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("value", models.PositiveBigIntegerField(default=0)),
            ],
            options={"verbose_name": "数据版本", "verbose_name_plural": "数据版本"},
        ),
        migrations.RunPython(create_counters, migrations.RunPython.noop),
    ]
