from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0006_public_review"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="task",
            index=models.Index(condition=models.Q(("is_archived", False), models.Q(("status", "closed"), _negated=True)),
                               fields=["deadline", "id"], name="task_open_deadline_idx"),
        ),
    ]
