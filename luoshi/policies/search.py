"""Clause search in the database (ADR 0027). A clause's jieba words are stored space-separated in
`Clause.search_text` by the services; the database indexes them:

- PostgreSQL: `search_vector`, a generated tsvector column (one lexeme per word) with a GIN index;
- SQLite: the FTS5 table `policies_clause_fts`, kept by triggers (both made by migration 0002);
- SQLite built without FTS5: a substring match on `search_text` (the method before 0027).

A query is cut by jieba the same way (text.query_words) and every word must match as a word or the start of
one ("研发" finds 研发投入). A query that is exactly a clause's code (as written, or in upper case) finds that clause
too.
"""
from __future__ import annotations

from django.db import connections
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from .text import query_words

_fts_tables: dict[str, bool] = {}


def search_method(alias: str = "default") -> str:
    """"postgresql", "fts5" or "substring": how this database searches."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        return "postgresql"
    if connection.vendor == "sqlite":
        if alias not in _fts_tables:
            _fts_tables[alias] = "policies_clause_fts" in connection.introspection.table_names()
        if _fts_tables[alias]:
            return "fts5"
    return "substring"


def tsquery_of(words: list[str]) -> str:
    """`'研发':* & '投入':*` — each word a quoted lexeme (quote and backslash escaped), matched as a prefix."""
    return " & ".join("'" + w.lower().replace("\\", "\\\\").replace("'", "''") + "':*" for w in words)


def fts5_query_of(words: list[str]) -> str:
    """`"研发"* AND "投入"*` — each word a quoted FTS5 string (a double quote doubled), matched as a prefix."""
    return " AND ".join('"' + w.replace('"', '""') + '"*' for w in words)


def clause_search(qs: QuerySet, query: str) -> QuerySet:
    """The clauses of `qs` whose words match every word of `query`, or whose code is the query."""
    query = (query or "").strip()[:100]
    if not query:
        return qs
    words = query_words(query)
    # codes are upper case as a rule; `in` (not iexact, which is UPPER(code)) lets the unique index serve it, so
    # PostgreSQL can OR it with the GIN index in one bitmap scan
    by_code = Q(code__in={query, query.upper()})
    if not words:
        return qs.filter(by_code)
    method = search_method(qs.db)
    table = qs.model._meta.db_table
    if method == "postgresql":
        match = RawSQL(f'"{table}"."search_vector" @@ %s::tsquery', [tsquery_of(words)], output_field=BooleanField())
        return qs.filter(Q(match) | by_code)
    if method == "fts5":
        ids = RawSQL("SELECT rowid FROM policies_clause_fts WHERE policies_clause_fts MATCH %s", [fts5_query_of(words)])
        return qs.filter(Q(pk__in=ids) | by_code)
    text = Q()
    for w in words:
        text &= Q(search_text__contains=w)
    return qs.filter(text | by_code)


def search_index_check(alias: str = "default") -> list[str]:
    """Problems of the search index: clauses whose indexed words differ from `search_text` (FTS5), or a missing
    index. Empty when all is well (used by `luoshi policies_recount --check` and the tests)."""
    connection = connections[alias]
    method = search_method(alias)
    problems: list[str] = []
    with connection.cursor() as cur:
        if method == "postgresql":
            cur.execute("SELECT count(*) FROM policies_clause WHERE search_vector IS DISTINCT FROM "
                        "array_to_tsvector(array_remove(string_to_array(lower(search_text), ' '), ''))")
            if cur.fetchone()[0]:
                problems.append("search_vector")
        elif method == "fts5":
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'policies_clause_fts_%'")
            missing = {"policies_clause_fts_ai", "policies_clause_fts_ad", "policies_clause_fts_au"} - {
                r[0] for r in cur.fetchall()}
            problems += [f"trigger {m} missing" for m in sorted(missing)]
            try:
                cur.execute("INSERT INTO policies_clause_fts(policies_clause_fts, rank) VALUES ('integrity-check', 1)")
            except Exception as e:  # the index does not match its content table
                problems.append(f"fts5 integrity: {e}")
    return problems


def search_index_rebuild(alias: str = "default") -> None:
    """Rebuild the FTS5 index from the clause table (PostgreSQL's generated column needs nothing)."""
    if search_method(alias) == "fts5":
        with connections[alias].cursor() as cur:
            cur.execute("INSERT INTO policies_clause_fts(policies_clause_fts) VALUES ('rebuild')")
