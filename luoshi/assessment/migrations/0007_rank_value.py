"""RankValue (ADR 0041): per round, rank-rule leaf and unit, the value its peer group ranks before publication,
maintained by the score services; a score card counts its better peers on `rank_value_idx` instead of reading the
group's scores. Filled here from every round's current scores (a returned score does not count; several counted
values: NULL). SQLite gets the new index's statistics at once."""
from django.db import migrations, models
import django.db.models.deletion


def fill(apps, schema_editor):
    Round = apps.get_model("assessment", "Round")
    Indicator = apps.get_model("assessment", "Indicator")
    RoundUnit = apps.get_model("assessment", "RoundUnit")
    Score = apps.get_model("assessment", "Score")
    RankValue = apps.get_model("assessment", "RankValue")
    for rnd in Round.objects.all():
        leaf_ids = list(Indicator.objects.filter(version=rnd.version_id, is_leaf=True, rule_type="rank")
                        .values_list("pk", flat=True))
        if not leaf_ids:
            continue
        groups = dict(RoundUnit.objects.filter(round=rnd).values_list("unit_id", "group"))
        values = {}
        for indicator_id, unit_id, value in (Score.objects.filter(round=rnd, is_current=True, indicator_id__in=leaf_ids)
                                             .exclude(status="returned")
                                             .values_list("indicator_id", "unit_id", "value").iterator()):
            key = (indicator_id, unit_id)
            values[key] = None if key in values else value
        RankValue.objects.bulk_create([RankValue(round_id=rnd.pk, indicator_id=i, unit_id=u, group=groups[u], value=v)
                                       for (i, u), v in values.items() if u in groups], batch_size=2000)


def analyze(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("ANALYZE rank_value_idx")


class Migration(migrations.Migration):

    dependencies = [
        ("assessment", "0006_score_index_covering"),
    ]

    operations = [
        migrations.CreateModel(
            name="RankValue",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("group", models.CharField(blank=True, max_length=40)),
                ("value", models.DecimalField(decimal_places=4, max_digits=14, null=True)),
                ("indicator", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                to="assessment.indicator")),
                ("round", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                            to="assessment.round")),
                ("unit", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                           to="org.unit")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("round", "indicator", "unit"), name="rank_value_unique")],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        # added after the rows (one sort) and not deferred as a CreateModel index is, so that it can be analyzed here
        migrations.AddIndex(
            model_name="rankvalue",
            index=models.Index(fields=["round", "group", "indicator", "value"], name="rank_value_idx"),
        ),
        migrations.RunPython(analyze, migrations.RunPython.noop, elidable=False),
    ]
