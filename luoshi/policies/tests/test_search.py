"""The dictionary search in the database (PostgreSQL tsvector + GIN, SQLite FTS5, or the substring fallback):
kept on every write, every query word must match (as a word or its start), a code finds its clause, and what a
user types is never SQL or query syntax."""
import pytest
from django.db import connection

from luoshi.policies import search, selectors, services
from luoshi.policies.models import Clause

from .conftest import clause_input


def found(q: str, **kw) -> list[str]:
    return list(selectors.public_clause_list(filters=selectors.ClauseFilters(q=q, **kw)).values_list("code", flat=True))


@pytest.fixture
def two(clause, vocab, city, cast, policy):
    other = services.clause_create(by=cast["liaison_dept"], policy=policy, code="LS-RC-002", data=clause_input(
        vocab, city, title="青年人才住房补贴", theme=vocab["other"], tags=[vocab["tag_other"]], declare_type="补贴类",
        condition_text="新引进的全日制本科以上青年人才", rules="", amount_rule="", no_application=False))
    return clause, other


def test_the_database_method_is_used():
    expected = {"postgresql": "postgresql", "sqlite": "fts5"}[connection.vendor]
    assert search.search_method() == expected


def test_words_prefixes_codes_and_every_word(two):
    assert found("研发") == ["LS-KJ-001"]
    assert found("研发投入奖励") == ["LS-KJ-001"]
    assert found("人才 住房") == ["LS-RC-002"]
    assert found("研发 住房") == []            # every word must match
    assert found("ls-rc-002") == ["LS-RC-002"]  # the code, any case
    assert found("崂山") == ["LS-KJ-001", "LS-RC-002"]
    assert found("人才", theme=two[0].theme_id) == []
    assert found("不存在的词") == []


@pytest.mark.parametrize("q", ["'", "\"", "研发' OR 1=1 --", "研发\" OR \"", "a:*&!|()", "\\", "NEAR(研发 投入)", "研发*"])
def test_query_syntax_in_what_is_typed_is_just_text(two, q):
    found(q)  # no database error


def test_the_index_follows_edits_and_imports(two, cast, vocab, city):
    clause, other = two
    services.clause_update(by=cast["liaison_dept"], clause=other, data=clause_input(
        vocab, city, title="博士后工作站资助", theme=vocab["other"], tags=[vocab["tag_other"]], declare_type="补贴类",
        condition_text="新设立博士后科研工作站", rules="", amount_rule="", no_application=False))
    assert found("住房") == [] and found("博士后") == ["LS-RC-002"]
    Clause.objects.filter(pk=clause.pk).update(search_text="换成 别的 词")  # a bulk write is indexed too
    assert found("研发") == [] and found("别的") == ["LS-KJ-001"]
    assert search.search_index_check() == []


def test_unpublished_clauses_stay_out_of_the_public_search(two):
    Clause.objects.filter(code="LS-RC-002").update(is_published=False)
    assert found("人才") == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 triggers are SQLite's")
def test_recount_finds_a_lost_trigger_and_a_stale_index(two):
    from django.core.management import CommandError, call_command

    with connection.cursor() as cur:  # as a migration that rebuilt the clause table would leave it
        cur.execute("DROP TRIGGER policies_clause_fts_au")
    Clause.objects.filter(code="LS-KJ-001").update(search_text="换成 别的 词")
    assert found("别的") == []  # the index did not follow
    problems = search.search_index_check()
    assert "trigger policies_clause_fts_au missing" in problems and any("integrity" in p for p in problems)
    with pytest.raises(CommandError):
        call_command("policies_recount", "--check")
    call_command("policies_recount")  # rebuilds the index from the clause table
    assert found("别的") == ["LS-KJ-001"]
