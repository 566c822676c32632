from django.db import migrations


def count_existing(apps, schema_editor):
    """The ledger tallies gained the findings list's `list` rows (by unit subtree, source, overdue and status,
    ADR 0056): count them for the findings already stored, so the list's count is right after an upgrade. Calls
    the current code."""
    from luoshi.ledger.tallies import rebuild_in_migration

    rebuild_in_migration(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0009_finding_path_filter_pattern_ops'),
    ]

    operations = [
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
