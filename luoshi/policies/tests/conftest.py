import pytest

from luoshi.core import clock
from luoshi.policies import services
from luoshi.policies.models import DeclareType, Enterprise, Policy, Tag, Theme

RULES = """注册地 = 崂山区
企业规模 在 中型、小型、微型
上年营业收入 >= 2000万元
研发投入占比 >= 3%
失信 = 否"""


@pytest.fixture(autouse=True)
def _fresh_clause_cache():
    """The published clauses kept in memory must not leak from one test's database into the next."""
    from luoshi.policies import selectors

    selectors._published.update(stamp=None, rows=[])
    yield
    selectors._published.update(stamp=None, rows=[])


@pytest.fixture(autouse=True)
def _search_method_known(request):
    """How SQLite searches (FTS5 or substring) is asked of the database once per process, on the first search; a
    test that counts a search page's queries would count that probe only when it happens to run first."""
    needs = [name for name in ("transactional_db", "db") if name in request.fixturenames]
    if needs:
        from luoshi.policies import search

        request.getfixturevalue(needs[0])
        search.search_method()


@pytest.fixture(autouse=True)
def _march(travel):
    with travel("2026-03-02"):
        yield


@pytest.fixture
def vocab(db):
    theme = Theme.objects.create(name="科技创新", sort_order=1)
    other = Theme.objects.create(name="人才引育", sort_order=2)
    for i, name in enumerate(("奖励类", "补贴类", "资助类")):
        DeclareType.objects.create(name=name, sort_order=i)
    return {"theme": theme, "other": other, "tag": Tag.objects.create(theme=theme, name="研发投入"),
            "tag_other": Tag.objects.create(theme=other, name="人才补贴")}


@pytest.fixture
def policy(city):
    return Policy.objects.create(title="崂山区支持科技创新若干政策", doc_number="崂政发〔2026〕1号", issuer="崂山区人民政府",
                                 region=city["district"], region_path=city["district"].path, created_at=clock.now())


def clause_input(vocab, city, **kw):
    data = dict(title="研发投入奖励", theme=vocab["theme"], tags=[vocab["tag"]], declare_type="奖励类",
                beneficiary="区内规上中小企业", condition_text="上年营收2000万元以上、研发投入占比3%以上、无失信记录",
                rules=RULES, amount_rule="比例 研发投入 10% 封顶 100万元", procedure="免申即享，无需申报",
                dept=city["dept"], contact_person="孙敏", contact_phone="0532-88990011", no_application=True)
    data.update(kw)
    return services.ClauseInput(**data)


@pytest.fixture
def clause(vocab, city, cast, policy):
    return services.clause_create(by=cast["liaison_dept"], policy=policy, code="LS-KJ-001", data=clause_input(vocab, city))


def make_enterprise(city, n, *, unit=None, **profile):
    base = {"注册地": "崂山区", "企业规模": "小型", "上年营业收入": "30000000", "研发投入占比": "4",
            "研发投入": "1200000", "失信": False}
    base.update({k: v for k, v in profile.items()})
    base = {k: v for k, v in base.items() if v is not None}
    return Enterprise.objects.create(credit_code=f"91370212MA{n:08d}", name=f"青岛测试企业{n}有限公司",
                                     unit=unit or city["street_a"], unit_path=(unit or city["street_a"]).path,
                                     profile=base, created_at=clock.now(), updated_at=clock.now())


@pytest.fixture
def enterprises(city):
    return {
        "good": make_enterprise(city, 1),
        "nearly": make_enterprise(city, 2, 研发投入占比="2.5"),
        "bad": make_enterprise(city, 3, 研发投入占比="1", 失信=True),
        "other_street": make_enterprise(city, 4, unit=city["street_b"], 研发投入="3000000"),
        "elsewhere": make_enterprise(city, 5, unit=city["other_district"], 注册地="市南区"),
    }

