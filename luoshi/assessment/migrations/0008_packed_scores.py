"""PackedScores (ADR 0045): per round and unit, the unit's counted current scores packed in one row (indicator ids and
values joined by commas in (indicator id, value) order, and how many wait for approval), maintained by the score
services; `round_compute` reads these rows instead of every score. Filled here from every round's current scores (a
returned score does not count), as packed_scores.packed writes them."""
from django.db import migrations, models
import django.db.models.deletion


def fill(apps, schema_editor):
    Round = apps.get_model("assessment", "Round")
    Score = apps.get_model("assessment", "Score")
    PackedScores = apps.get_model("assessment", "PackedScores")
    for rnd in Round.objects.all():
        by_unit = {}
        for unit_id, indicator_id, value, status in (Score.objects.filter(round=rnd, is_current=True)
                                                     .exclude(status="returned")
                                                     .values_list("unit_id", "indicator_id", "value", "status")
                                                     .iterator(chunk_size=20000)):
            by_unit.setdefault(unit_id, []).append((indicator_id, value, status))
        rows = []
        for unit_id, scores in by_unit.items():
            scores.sort(key=lambda row: row[:2])
            rows.append(PackedScores(round_id=rnd.pk, unit_id=unit_id,
                                     indicator_ids=",".join([str(row[0]) for row in scores]),
                                     values=",".join([str(row[1]) for row in scores]),
                                     unapproved=sum(1 for row in scores if row[2] != "approved")))
        PackedScores.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("assessment", "0007_rank_value"),
        ("org", "0003_person_language"),
    ]

    operations = [
        migrations.CreateModel(
            name="PackedScores",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("indicator_ids", models.TextField()),
                ("values", models.TextField()),
                ("unapproved", models.PositiveIntegerField(default=0)),
                ("round", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                            to="assessment.round")),
                ("unit", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                           to="org.unit")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("round", "unit"), name="packed_scores_unique")],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
    ]
