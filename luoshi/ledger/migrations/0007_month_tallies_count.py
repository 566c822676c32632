from django.db import migrations


def count_existing(apps, schema_editor):
    """The ledger tallies gained per-month and subtree rows (ADR 0026): count them for the findings already
    stored, so the cockpit is right after an upgrade without waiting for the nightly run. Calls the current code."""
    LedgerConfig = apps.get_model("ledger", "LedgerConfig")
    if not LedgerConfig.objects.exists():
        return
    from luoshi.ledger.tallies import ledger_programs, program_rebuild

    for program in ledger_programs():
        program_rebuild(program)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0006_finding_tallies'),
    ]

    operations = [
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
