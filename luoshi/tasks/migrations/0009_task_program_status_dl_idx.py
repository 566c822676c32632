from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0008_milestone_done"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="task",
            index=models.Index(condition=models.Q(("is_archived", False)),
                               fields=["program", "status", "deadline", "id"], name="task_program_status_dl_idx"),
        ),
    ]
