"""申报类型 as a managed vocabulary (filled from the types the clauses already use), and the database search
index of the clauses' jieba words (ADR 0027):

- PostgreSQL: a generated tsvector column of the words (`search_text`, lower-cased, one lexeme per word) and a
  GIN index. The database keeps it on every write, including bulk ones.
- SQLite with FTS5: an external-content FTS5 table over `search_text`, kept by triggers on the clause table.
- SQLite without FTS5: nothing; the selector falls back to a substring match on `search_text`.
"""
import sqlite3

from django.db import migrations, models

PG_UP = [
    "ALTER TABLE policies_clause ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(array_to_tsvector(array_remove(string_to_array(lower(search_text), ' '), ''))) STORED",
    "CREATE INDEX policies_clause_search_gin ON policies_clause USING gin (search_vector)",
]
PG_DOWN = ["DROP INDEX IF EXISTS policies_clause_search_gin",
           "ALTER TABLE policies_clause DROP COLUMN IF EXISTS search_vector"]
SQLITE_UP = [
    "CREATE VIRTUAL TABLE policies_clause_fts USING fts5(search_text, content='policies_clause', content_rowid='id', "
    "prefix='1 2')",
    "CREATE TRIGGER policies_clause_fts_ai AFTER INSERT ON policies_clause BEGIN "
    "INSERT INTO policies_clause_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER policies_clause_fts_ad AFTER DELETE ON policies_clause BEGIN "
    "INSERT INTO policies_clause_fts(policies_clause_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER policies_clause_fts_au AFTER UPDATE OF search_text ON policies_clause BEGIN "
    "INSERT INTO policies_clause_fts(policies_clause_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO policies_clause_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO policies_clause_fts(policies_clause_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS policies_clause_fts_ai", "DROP TRIGGER IF EXISTS policies_clause_fts_ad",
               "DROP TRIGGER IF EXISTS policies_clause_fts_au", "DROP TABLE IF EXISTS policies_clause_fts"]


def fts5_available() -> bool:
    try:
        sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    except sqlite3.Error:
        return False
    return True


def search_up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = PG_UP if vendor == "postgresql" else SQLITE_UP if vendor == "sqlite" and fts5_available() else []
    for sql in statements:
        schema_editor.execute(sql)


def search_down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in PG_DOWN if vendor == "postgresql" else SQLITE_DOWN if vendor == "sqlite" else []:
        schema_editor.execute(sql)


def types_from_clauses(apps, schema_editor):
    Clause = apps.get_model("policies", "Clause")
    DeclareType = apps.get_model("policies", "DeclareType")
    names = sorted(set(Clause.objects.values_list("declare_type", flat=True)))
    DeclareType.objects.bulk_create([DeclareType(name=n, sort_order=i) for i, n in enumerate(names) if n])


class Migration(migrations.Migration):

    dependencies = [
        ('policies', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='DeclareType',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=30, unique=True, verbose_name='申报类型')),
                ('sort_order', models.PositiveSmallIntegerField(default=0)),
            ],
            options={
                'verbose_name': '申报类型',
                'verbose_name_plural': '申报类型',
                'ordering': ['sort_order', 'id'],
            },
        ),
        migrations.RunPython(types_from_clauses, migrations.RunPython.noop),
        migrations.RunPython(search_up, search_down),
    ]
