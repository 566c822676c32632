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
        migrations.AddIndex(
            model_name="taskassignment",
            index=models.Index(fields=["task", "unit_path"], name="assignment_task_path_idx",
                               opclasses=["int8_ops", "varchar_pattern_ops"]),
        ),
    ]
