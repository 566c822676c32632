"""The enterprise-profile import checks and prepares every row with no transaction open, then writes in one short
set-based transaction (ADR 0028): the number of statements in it does not grow with the rows, a refusal (bad
cells, too many rows, a clash with a concurrent change, a failure half-way through the write) leaves the
database as it was."""
import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from luoshi.core.excel import ImportFailed
from luoshi.core.models import JournalEntry
from luoshi.policies import services
from luoshi.policies.models import Enterprise, EnterpriseAttribute

from .conftest import make_enterprise
from .test_services import snapshot_db, xlsx

HEAD = ["统一社会信用代码", "企业名称", "所在区域", "数据日期", "上年营业收入", "研发投入占比", "资质", "失信"]


STAGES = (services.enterprises_check, services.enterprises_prepare, services.enterprise_write_many)


def sheet_rows(n: int, *, start: int = 0) -> list[list]:
    return [[f"91370212MA{start + i:08d}", f"青岛导入企业{start + i}有限公司", "中韩街道", "2026-01-31", "3500万元",
             f"{3 + i % 4}", "专精特新、高新技术企业", "否"] for i in range(n)]


def watched_import(monkeypatch, by, data) -> tuple[dict, dict]:
    """Run the import recording, for each stage, whether a transaction was open, and the statements the write
    stage sent."""
    seen: dict = {"check": [], "prepare": [], "write": [], "statements": []}
    check, prepare, write = STAGES

    def watch(name, fn):
        def run(**kw):
            seen[name].append(connection.in_atomic_block)
            if name != "write":
                return fn(**kw)
            with CaptureQueriesContext(connection) as ctx:
                result = fn(**kw)
            seen["statements"].append(len(ctx.captured_queries))
            return result
        return run

    monkeypatch.setattr(services, "enterprises_check", watch("check", check))
    monkeypatch.setattr(services, "enterprises_prepare", watch("prepare", prepare))
    monkeypatch.setattr(services, "enterprise_write_many", watch("write", write))
    return services.enterprises_import(by=by, data=data), seen


@pytest.mark.django_db(transaction=True)
def test_rows_are_checked_and_prepared_outside_and_the_write_is_a_few_statements(city, cast, monkeypatch):
    small, seen_small = watched_import(monkeypatch, cast["office"], xlsx([HEAD] + sheet_rows(3)))
    assert small == {"created": 3, "updated": 0, "rows": 3}
    assert seen_small["check"] == [False] and seen_small["prepare"] == [False] and seen_small["write"] == [True]
    # twenty times the rows, half of them changes to enterprises already there: the same statements
    rows = sheet_rows(30) + sheet_rows(30, start=100)
    for r in rows[:30]:
        r[5] = "9"  # 研发投入占比 changes on the 30 existing ones
    big, seen_big = watched_import(monkeypatch, cast["office"], xlsx([HEAD] + rows))
    assert big == {"created": 57, "updated": 3, "rows": 60}
    # new: insert, read keys, attributes, journal; changed: version check, bulk update, delete replaced attributes
    assert seen_small["statements"][0] <= 6 and seen_big["statements"][0] <= 10
    again, seen_again = watched_import(monkeypatch, cast["office"], xlsx([HEAD] + sheet_rows(60, start=200)))
    assert again["created"] == 60 and seen_again["statements"] == seen_small["statements"]
    assert seen_again["write"] == [True]


def test_written_rows_are_those_of_a_row_by_row_import(city, cast):
    """Profile, attribute rows (source and date) and one journal entry per enterprise, naming it by id."""
    services.enterprises_import(by=cast["office"], data=xlsx([HEAD] + sheet_rows(2)))
    e = Enterprise.objects.get(credit_code="91370212MA00000001")
    assert e.profile == {"上年营业收入": "35000000", "研发投入占比": "4", "资质": ["专精特新", "高新技术企业"], "失信": False}
    assert e.unit == city["street_a"] and e.unit_path == city["street_a"].path and e.profile_version == 1
    attrs = {a.key: a for a in EnterpriseAttribute.objects.filter(enterprise=e)}
    assert set(attrs) == set(e.profile) and {a.source for a in attrs.values()} == {"import"}
    assert {str(a.as_of) for a in attrs.values()} == {"2026-01-31"}
    assert {a.updated_by_id for a in attrs.values()} == {cast["office"].pk}
    entry = JournalEntry.objects.get(verb="policy.enterprise_import", object_id=str(e.pk))
    assert entry.object_repr == e.name and entry.object_type == "policies.enterprise"
    assert entry.actor == cast["office"] and entry.scope_path == city["street_a"].path
    assert entry.changes["研发投入占比"] == [None, "4"] and entry.changes["source"] == "import"
    # a second file changes one attribute: the attribute row is replaced, the others stay, version goes up
    row = sheet_rows(2)[1]
    row[5] = "6"
    assert services.enterprises_import(by=cast["office"], data=xlsx([HEAD[:3] + ["研发投入占比"], row[:3] + [row[5]]])) == {
        "created": 0, "updated": 1, "rows": 1}
    e.refresh_from_db()
    assert e.profile["研发投入占比"] == "6" and e.profile["资质"] == ["专精特新", "高新技术企业"] and e.profile_version == 2
    assert EnterpriseAttribute.objects.get(enterprise=e, key="研发投入占比").value == "6"
    assert EnterpriseAttribute.objects.filter(enterprise=e).count() == 4
    assert JournalEntry.objects.filter(verb="policy.enterprise_import", object_id=str(e.pk)).count() == 2


def test_more_rows_than_the_limit_are_refused_whole(city, cast, settings):
    settings.LUOSHI_IMPORT_MAX_ROWS = 2
    before = snapshot_db()
    with pytest.raises(ImportFailed, match="一次最多导入 2 行，这张表有 3 行"):
        services.enterprises_import(by=cast["office"], data=xlsx([HEAD] + sheet_rows(3)))
    assert snapshot_db() == before
    assert services.enterprises_import(by=cast["office"], data=xlsx([HEAD] + sheet_rows(2)))["created"] == 2


def test_empty_sheet_and_bad_rows_are_refused_with_their_place(city, cast):
    before = snapshot_db()
    with pytest.raises(ImportFailed, match="表里没有企业"):
        services.enterprises_import(by=cast["office"], data=xlsx([HEAD]))
    rows = sheet_rows(3)
    rows[2][0] = rows[0][0]
    rows[1][6] = "火箭企业"
    with pytest.raises(ImportFailed) as e:
        services.enterprises_import(by=cast["office"], data=xlsx([HEAD] + rows))
    text = " ".join(str(x) for x in e.value.errors)
    assert "第4行“统一社会信用代码”列：与第2行重复" in text and "第3行“资质”列" in text
    assert snapshot_db() == before


@pytest.mark.django_db(transaction=True)
def test_a_late_error_in_the_write_leaves_nothing(city, cast, monkeypatch):
    """The enterprises and their attributes are in, then the journal's INSERT fails (a full disk, a lost
    connection): the one transaction takes everything back — committed on a real connection, then read back."""
    insert = services.insert_rows

    def failing_journal(model, columns, rows):
        if model is JournalEntry:
            assert Enterprise.objects.filter(credit_code="91370212MA00000001").exists()
            assert EnterpriseAttribute.objects.filter(enterprise__credit_code="91370212MA00000001").exists()
            raise OperationalError("disk I/O error")
        return insert(model, columns, rows)

    before = snapshot_db()
    monkeypatch.setattr(services, "insert_rows", failing_journal)
    with pytest.raises(OperationalError):
        services.enterprises_import(by=cast["office"], data=xlsx([HEAD] + sheet_rows(5)))
    assert snapshot_db() == before


@pytest.mark.django_db(transaction=True)
def test_a_profile_changed_between_prepare_and_write_refuses_the_import(city, cast, monkeypatch, enterprises):
    """The rows are prepared from profiles read without a lock; if someone changes one of those enterprises
    before the write, the import is refused rather than overwriting their change with stale values."""
    e = enterprises["nearly"]
    prepare = services.enterprises_prepare

    def then_someone_edits(**kw):
        prepared = prepare(**kw)
        services.enterprise_profile_update(by=cast["office"], enterprise=e, values={"企业规模": "中型"})
        return prepared

    monkeypatch.setattr(services, "enterprises_prepare", then_someone_edits)
    rows = [[e.credit_code, e.name, "中韩街道", "", "", "5", "", ""]] + sheet_rows(2)
    before = snapshot_db()
    with pytest.raises(ImportFailed, match="导入期间有 1 家企业的画像被他人修改"):
        services.enterprises_import(by=cast["office"], data=xlsx([HEAD] + rows))
    e.refresh_from_db()
    assert e.profile["企业规模"] == "中型" and e.profile["研发投入占比"] == "2.5" and e.profile_version == 2
    # only the concurrent edit (its attribute row and journal entry) was written
    assert snapshot_db() == (before[0], before[1], before[2], before[3] + 1, before[4] + 1)


@pytest.mark.django_db(transaction=True)
def test_an_enterprise_created_between_prepare_and_write_refuses_the_import(city, cast, monkeypatch):
    prepare = services.enterprises_prepare

    def then_someone_creates(**kw):
        prepared = prepare(**kw)
        make_enterprise(city, 1)  # another process adds the sheet's second enterprise
        return prepared

    monkeypatch.setattr(services, "enterprises_prepare", then_someone_creates)
    with pytest.raises(ImportFailed, match="导入期间有人新增了表中的企业"):
        services.enterprises_import(by=cast["office"], data=xlsx([HEAD] + sheet_rows(3)))
    assert list(Enterprise.objects.values_list("credit_code", flat=True)) == ["91370212MA00000001"]
