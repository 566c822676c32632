"""The case library tests run on the root cast (崂山区 with 中韩/沙子口街道 and 区行政审批服务局, 市南区's outsider);
the clock stands at 2026-04-01."""
import pytest


@pytest.fixture(autouse=True)
def _april(travel):
    with travel("2026-04-01"):
        yield


@pytest.fixture
def write(cast, city):
    from luoshi.cases.services import CaseInput, case_create

    def _write(by=None, unit=None, **kw):
        data = dict(title="老旧小区加装电梯“一次协商”工作法", summary="一次性协商解决加装电梯出资和低层补偿。",
                    problem="低层住户反对多，协商反复、久拖不决。",
                    body="社区议事会一次性召集全体业主，第三方评估低层影响，制定出资分摊和补偿方案。",
                    results="一年内加装电梯数量翻番。", unit=unit or city["street_a"], year=2026, team="周强、吴芳",
                    tags=["城市更新", "基层治理"], figures=[{"label": "新加装电梯", "value": "48", "unit": "部"}])
        data.update(kw)
        return case_create(by=by or cast["liaison_a"], data=CaseInput(**data))
    return _write


@pytest.fixture
def accepted(write, cast):
    from luoshi.cases import services

    case = write()
    services.case_nominate(by=cast["liaison_a"], case=case, how="self")
    services.case_review(by=cast["office"], case=case, decision="accepted",
                         scores={"originality": "25", "effect": "30", "replicable": "20", "material": "8"})
    return case
