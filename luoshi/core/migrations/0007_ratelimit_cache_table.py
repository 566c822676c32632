"""The table of the rate-limit counters (CACHES["ratelimit"], a database cache: core.throttle). Created here so
`luoshi migrate` is the one step on a new server; `createcachetable` would create the same table."""
from django.core.management import call_command
from django.db import migrations

TABLE = "luoshi_ratelimit"


def create(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0006_drop_datarevision")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
