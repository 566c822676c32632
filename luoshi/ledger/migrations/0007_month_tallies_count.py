from django.db import migrations


def count_existing(apps, schema_editor):
    """The ledger tallies gained per-month and subtree rows (ADR 0026): count them for the findings already
    stored, so the cockpit is right after an upgrade without waiting for the nightly run. Calls the current code."""
    from luoshi.ledger.tallies import rebuild_in_migration

    rebuild_in_migration(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0006_finding_tallies'),
    ]

    operations = [
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
