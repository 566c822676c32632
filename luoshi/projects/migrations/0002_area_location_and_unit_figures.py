"""A project in a function area that also names its 镇街 now concerns both (ProjectUnit role `location` for each),
and the figures gain `street` and `unit` rows (figures.dim_keys): add the missing area rows, then rebuild the figures
of every program with projects."""
from django.db import migrations


def forwards(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    ProjectUnit = apps.get_model("projects", "ProjectUnit")
    Unit = apps.get_model("org", "Unit")
    have = set(ProjectUnit.objects.filter(role="location").values_list("project_id", "unit_id"))
    paths = dict(Unit.objects.values_list("pk", "path"))
    ProjectUnit.objects.bulk_create([
        ProjectUnit(project_id=pid, unit_id=area_id, unit_path=paths[area_id], role="location")
        for pid, area_id in Project.objects.filter(area__isnull=False).values_list("pk", "area_id")
        if (pid, area_id) not in have], batch_size=1000)
    # the figures are derived rows, rebuilt by the current code (figures.program_rebuild, as tasks 0005 does); if a
    # later migration changes the models it reads, move this step there
    from luoshi.projects import figures

    for program_id in Project.objects.values_list("program_id", flat=True).distinct():
        figures.program_rebuild(program_id)


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial"), ("org", "0002_alter_rolegrant_role")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
