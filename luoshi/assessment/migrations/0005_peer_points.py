"""Result.peer_points and Round.peer_points_stale (ADR 0022): the score card reads a unit's rank-leaf points
from its stored result instead of ranking its peer group again. Results stored before this migration have no
peer points, so every existing round is marked stale: its cards rank the group as before until the round is
computed, published or revised again."""
from django.db import migrations, models


def mark_existing_stale(apps, schema_editor):
    apps.get_model("assessment", "Round").objects.update(peer_points_stale=True)


class Migration(migrations.Migration):

    dependencies = [
        ("assessment", "0004_score_leaf_cover_sqlite"),
    ]

    operations = [
        migrations.AddField(
            model_name="result",
            name="peer_points",
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name="round",
            name="peer_points_stale",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_existing_stale, migrations.RunPython.noop, elidable=True),
    ]
