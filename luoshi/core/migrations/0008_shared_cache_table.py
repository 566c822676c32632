"""The table of the shared default cache (CACHES["default"], a database cache): the Open311 list bodies, the
ledger figures, the hot topics and the single-flight locks (core.locks) are then the same for every process
and server. Created here so `luoshi migrate` is the one step; with LUOSHI_REDIS_URL the table stays unused."""
from django.core.management import call_command
from django.db import migrations

TABLE = "luoshi_cache"


def create(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0007_ratelimit_cache_table")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
