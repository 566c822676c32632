"""Importing units from Excel (luoshi.org.services.units_import_xlsx and /units/import/): rows in any order,
parents in the file or already in the system; every problem located by row and column; all or nothing."""
from __future__ import annotations

import pytest

from luoshi.core.errors import PermissionDeniedError
from luoshi.core.excel import ImportFailed
from luoshi.core.models import JournalEntry
from luoshi.org.models import Unit
from luoshi.org.services import grant_role, person_create, unit_create, units_import_xlsx
from luoshi.tasks.tests.sheets import plain_sheet

HEADER = ["单位名称", "上级单位", "单位类型", "简称", "编码"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin(city):
    p = person_create(by=None, username="root", full_name="管理员", unit=city["city"])
    grant_role(by=None, person=p, role="admin", unit=city["city"])
    return p


def sheet(*rows, header=HEADER, title="单位"):
    return plain_sheet([header, *rows], sheet_title=title)


def snapshot():
    return sorted(Unit.objects.values_list("id", "name", "parent_id", "path", "kind", "short_name", "code"))


def test_import_in_any_order(city, admin):
    data = sheet(
        ["科创园一期", "崂山科创园", "功能区", "", ""],                           # row 2: parent is a later row
        ["西韩社区第一网格", "西韩社区", "网格", "", None],                        # row 3: grandchild first
        ["西韩社区", "中韩街道", "社区", "", ""],                                 # row 4: parent already exists
        ["崂山科创园", "崂山区", "功能区", "科创园", "LS-ZONE-1"],                 # row 5
        ["区科技创新委员会", "崂山", "department", "区科创委", "LS-DEPT-9"],       # row 6: parent by short name, kind by value
        ["青岛银行", "", "国有企业", "", ""],                                     # row 7: no parent: a root
    )
    before = Unit.objects.count()
    result = units_import_xlsx(by=admin, data=data)
    assert result == {"created": 6}
    assert Unit.objects.count() == before + 6
    u = {x.name: x for x in Unit.objects.filter(name__in=["科创园一期", "西韩社区第一网格", "西韩社区", "崂山科创园",
                                                            "区科技创新委员会", "青岛银行"])}
    assert u["科创园一期"].parent == u["崂山科创园"] and u["科创园一期"].kind == "zone"
    assert u["崂山科创园"].parent == city["district"]
    assert (u["崂山科创园"].short_name, u["崂山科创园"].code) == ("科创园", "LS-ZONE-1")
    assert u["西韩社区"].parent == city["street_a"] and u["西韩社区"].kind == "community"
    assert u["西韩社区第一网格"].parent == u["西韩社区"] and u["西韩社区第一网格"].kind == "grid"
    assert u["区科技创新委员会"].parent == city["district"] and u["区科技创新委员会"].kind == "department"
    assert (u["区科技创新委员会"].short_name, u["区科技创新委员会"].code) == ("区科创委", "LS-DEPT-9")
    assert u["青岛银行"].parent is None and u["青岛银行"].kind == "soe" and u["青岛银行"].code is None
    # paths and depths are kept in step with the tree
    for x in u.values():
        parent_path = x.parent.path if x.parent else "/"
        assert x.path == f"{parent_path}{x.pk}/"
        assert x.depth == x.path.count("/") - 2
    assert u["西韩社区第一网格"].depth == 4
    entry = JournalEntry.objects.get(verb="unit.import")
    assert entry.actor == admin and sorted(entry.changes["created"]) == sorted(u)


def test_dry_run_writes_nothing(city, admin):
    before = snapshot()
    result = units_import_xlsx(by=admin, data=sheet(["甲", "崂山区", "部门"], ["乙", "甲", "部门"]), dry_run=True)
    assert result == {"created": 0, "would_create": 2}
    assert snapshot() == before


def test_header_below_a_title_and_columns_in_other_order(city, admin):
    data = plain_sheet([["崂山区新设单位名单"], ["单位类型", "单位名称", "上级单位"], ["部门", "区数据局", "崂山区"]])
    assert units_import_xlsx(by=None, data=data) == {"created": 1}
    assert Unit.objects.get(name="区数据局").parent == city["district"]


@pytest.mark.parametrize("rows, errors", [
    ([["甲", "崂山区", "部门"], ["乙", "不存在的单位", "部门"]], {(3, "上级单位", "找不到上级单位“不存在的单位”")}),
    ([["甲", "崂山区", "部门"], ["乙", "崂山区", "县"]], {(3, "单位类型", "未知的单位类型“县”")}),
    ([["甲", "崂山区", "部门"], ["甲", "崂山区", "部门"]], {(3, "单位名称", "与第2行重复")}),
    ([["甲", "崂山区", "部门", "", "X1"], ["乙", "崂山区", "部门", "", "X1"]], {(3, "编码", "编码“X1”已被使用")}),
    ([["甲", "崂山区", "部门", "", "EXIST-1"]], {(2, "编码", "编码“EXIST-1”已被使用")}),
    ([["甲", "乙", "部门"], ["乙", "丙", "部门"], ["丙", "甲", "部门"]],
     {(2, "上级单位", "循环"), (3, "上级单位", "循环"), (4, "上级单位", "循环")}),
    ([["甲", "崂山区", "部门"], ["", "崂山区", "部门"]], {(3, "单位名称", "单位名称为空")}),
    ([["中韩街道", "崂山区", "街道"]], {(2, "单位名称", "“崂山区”下已有“中韩街道”")}),
], ids=["unknown-parent", "unknown-kind", "duplicate-name", "duplicate-code", "code-in-use", "cycle", "empty-name",
        "exists"])
def test_errors_are_located_and_nothing_written(city, admin, rows, errors):
    unit_create(by=None, name="已有单位", kind="department", parent=city["district"], code="EXIST-1")
    before, journal = snapshot(), JournalEntry.objects.count()
    with pytest.raises(ImportFailed) as exc:
        units_import_xlsx(by=admin, data=sheet(*rows))
    assert snapshot() == before and JournalEntry.objects.count() == journal
    got = exc.value.errors
    assert len(got) == len(errors), [str(e) for e in got]
    for row, column, message in errors:
        matching = [e for e in got if e.row == row and e.column == column and message in e.message]
        assert matching, (row, column, message, [str(e) for e in got])
        text = str(matching[0])
        assert "工作表“单位”" in text and f"第{row}行" in text and f"“{column}”列" in text and message in text


def test_several_errors_at_once(city, admin):
    rows = [["甲", "不存在", "部门"], ["乙", "崂山区", "县"], ["", "崂山区", "部门"], ["丁", "崂山区", "部门"]]
    before = snapshot()
    with pytest.raises(ImportFailed) as exc:
        units_import_xlsx(by=admin, data=sheet(*rows))
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, "上级单位"), (3, "单位类型"), (4, "单位名称")]
    assert snapshot() == before


@pytest.mark.parametrize("data, message", [
    (plain_sheet([["名称x", "上级x"], ["甲", "乙"]]), "没有找到表头"),
    (sheet(["甲", "崂山区"], header=["单位名称", "上级单位"]), "缺少“单位类型”列"),
    (sheet(), "表中没有单位数据"),
    (b"PK\x03\x04 not really a zip", "不是 Excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
], ids=["no-header", "no-kind-column", "empty", "not-a-zip", "old-xls"])  # the workbooks' bytes hold their creation time
def test_unusable_sheets(city, admin, data, message):
    before = snapshot()
    with pytest.raises(ImportFailed, match=message):
        units_import_xlsx(by=admin, data=data)
    assert snapshot() == before


def test_only_admins_may_import(city, cast):
    before = snapshot()
    with pytest.raises(PermissionDeniedError):
        units_import_xlsx(by=cast["office"], data=sheet(["甲", "崂山区", "部门"]))
    assert snapshot() == before


def test_same_name_under_different_parents(city, admin):
    data = sheet(["市北区", "青岛市", "区市"], ["区委办公室", "市北区", "部门"],
                 ["李沧区", "青岛市", "区市"], ["区委办公室", "李沧区", "部门"])
    assert units_import_xlsx(by=admin, data=data) == {"created": 4}
    assert {u.parent.name for u in Unit.objects.filter(name="区委办公室")} == {"崂山区", "李沧区", "市北区"}


def test_a_repeated_name_as_parent_needs_the_path_form(city, admin):
    data = sheet(["市北区", "青岛市", "区市"], ["区委办公室", "市北区", "部门"], ["督查科", "区委办公室", "部门"])
    before = snapshot()
    with pytest.raises(ImportFailed) as exc:
        units_import_xlsx(by=admin, data=data)
    assert snapshot() == before
    [error] = exc.value.errors
    assert (error.row, error.column) == (4, "上级单位")
    assert "2个同名单位" in error.message and "崂山区/区委办公室" in error.message and "市北区/区委办公室" in error.message
    data = sheet(["市北区", "青岛市", "区市"], ["区委办公室", "市北区", "部门"], ["督查科", "市北区/区委办公室", "部门"])
    assert units_import_xlsx(by=admin, data=data) == {"created": 3}
    assert Unit.objects.get(name="督查科").parent.parent.name == "市北区"


# ---- the page ----------------------------------------------------------------------------------------

def post(client, data, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/units/import/", {"file": SimpleUploadedFile("units.xlsx", data), **extra})


def test_page_is_admin_only(city, cast, client_for):
    before = snapshot()
    for who in ("office", "leader", "liaison_a"):
        c = client_for(cast[who])
        assert c.get("/units/import/").status_code == 403
        assert post(c, sheet(["甲", "崂山区", "部门"])).status_code == 403
    assert snapshot() == before


def test_page_check_then_import(city, admin, client_for):
    c = client_for(admin)
    assert c.get("/units/import/").status_code == 200
    before = snapshot()
    resp = post(c, sheet(["甲", "崂山区", "部门"], ["乙", "甲", "部门"]), dry_run="1")
    assert resp.status_code == 200 and "检查通过：将新建 2 个单位" in resp.content.decode()
    assert snapshot() == before
    resp = post(c, sheet(["甲", "崂山区", "部门"], ["乙", "甲", "部门"]))
    assert resp.status_code == 302 and resp["Location"] == "/units/"
    assert Unit.objects.get(name="乙").parent == Unit.objects.get(name="甲", parent=city["district"])


def test_page_lists_errors(city, admin, client_for):
    before = snapshot()
    resp = post(client_for(admin), sheet(["甲", "不存在", "部门"], ["乙", "崂山区", "县"]))
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "共 2 处问题" in html
    assert "第2行“上级单位”列" in html and "第3行“单位类型”列" in html
    assert snapshot() == before


def test_a_name_too_long_is_refused_where_it_is(db):
    """SQLite would store 32,767 characters and PostgreSQL would answer with an error: the import says it first."""
    import io

    import openpyxl

    from luoshi.core.excel import ImportFailed
    from luoshi.org.models import Unit
    from luoshi.org.services import units_import_xlsx

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["单位名称", "上级单位", "单位类型", "简称"])
    ws.append(["青岛市", "", "市", ""])
    ws.append(["区" * 40000, "青岛市", "区", "简" * 60])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ImportFailed) as e:
        units_import_xlsx(by=None, data=out.getvalue())
    where = {(err.row, err.column) for err in e.value.errors}
    assert where == {(3, "单位名称"), (3, "简称")}
    assert "最多 100 字" in str(e.value)
    assert not Unit.objects.exists()
