from django.db import migrations


def count_existing(apps, schema_editor):
    """The ledger tallies gained the `gram` rows (findings whose number, description or address contains a
    character or a pair of characters: the count of a short keyword search, ADR 0062): count them for the findings
    already stored, so the search's count is right after an upgrade. Calls the current code."""
    from luoshi.ledger.tallies import rebuild_in_migration

    rebuild_in_migration(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0010_list_tallies_count'),
    ]

    operations = [
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
