from django.db import migrations


class Migration(migrations.Migration):
    """The data revisions keyed the rendered-page cache, which is gone (ADR 0008): nothing reads them."""

    dependencies = [("core", "0005_datarevision")]
    operations = [migrations.DeleteModel(name="DataRevision")]
