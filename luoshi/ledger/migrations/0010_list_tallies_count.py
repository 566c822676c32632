from django.db import migrations


def count_existing(apps, schema_editor):
    """The ledger tallies gained the findings list's `list` rows (by unit subtree, source, overdue and status,
    ADR 0056): count them for the findings already stored, so the list's count is right after an upgrade. Calls
    the current code."""
    LedgerConfig = apps.get_model("ledger", "LedgerConfig")
    if not LedgerConfig.objects.exists():
        return
    from luoshi.ledger.tallies import ledger_programs, program_rebuild

    for program in ledger_programs():
        program_rebuild(program)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0009_finding_path_filter_pattern_ops'),
    ]

    operations = [
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
