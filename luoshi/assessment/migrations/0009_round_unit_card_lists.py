"""RoundUnit.has_adjustments … has_evidence (ADR 0049): which of a unit's score card short lists have rows, read with
the card's participant row instead of a query per card. Filled here from the rows, as card_lists.round_rebuild does."""
from django.db import migrations, models
from django.db.models import Exists, F, OuterRef


def fill(apps, schema_editor):
    RoundUnit = apps.get_model("assessment", "RoundUnit")
    Score = apps.get_model("assessment", "Score")
    lists = {
        "has_adjustments": apps.get_model("assessment", "Adjustment").objects.filter(is_current=True),
        "has_appeals": apps.get_model("assessment", "Appeal").objects.all(),
        "has_consequences": apps.get_model("assessment", "Consequence").objects.all(),
        "has_materials": apps.get_model("assessment", "Material").objects.all(),
        "has_evidence": Score.evidence.through.objects.filter(score__is_current=True).annotate(
            round_id=F("score__round_id"), unit_id=F("score__unit_id")),
    }
    RoundUnit.objects.update(**{field: Exists(rows.filter(round_id=OuterRef("round_id"), unit_id=OuterRef("unit_id")))
                                for field, rows in lists.items()})


class Migration(migrations.Migration):

    dependencies = [
        ("assessment", "0008_packed_scores"),
    ]

    operations = [
        migrations.AddField(model_name="roundunit", name="has_adjustments", field=models.BooleanField(default=False)),
        migrations.AddField(model_name="roundunit", name="has_appeals", field=models.BooleanField(default=False)),
        migrations.AddField(model_name="roundunit", name="has_consequences", field=models.BooleanField(default=False)),
        migrations.AddField(model_name="roundunit", name="has_materials", field=models.BooleanField(default=False)),
        migrations.AddField(model_name="roundunit", name="has_evidence", field=models.BooleanField(default=False)),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
    ]
