"""Fixtures of the 金点子 tests on top of the root cast: a campaign of 崂山区 (the district, where `office`
holds the office role) open from 2026-03-01 to 2026-06-30, five experts, and a `submit` helper. The clock
stands at 2026-04-01 during every test of this folder."""
from pathlib import Path

import pytest

SCHEME = (Path(__file__).resolve().parents[3] / "presets" / "ideas" / "gaige-jindianzi.yaml").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _april(travel):
    with travel("2026-04-01"):
        yield


@pytest.fixture
def campaign(city, cast):
    from luoshi.ideas.services import campaign_create
    import datetime as dt

    return campaign_create(by=cast["office"], name="2026年改革创新金点子征集", owner_unit=city["district"],
                           start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 6, 30), scheme_text=SCHEME,
                           description="面向全社会征集改革创新建议。")


@pytest.fixture
def experts(campaign, cast, city):
    from luoshi.ideas.services import expert_assign
    from luoshi.org.services import person_create

    people = []
    for i in range(1, 6):
        p = person_create(by=None, username=f"expert{i}", full_name=f"专家{i}号", unit=city["district"])
        p.set_password("pw-123456")
        p.save()
        expert_assign(by=cast["office"], campaign=campaign, person=p)
        people.append(p)
    return people


PERSONAL = {"name": "欧阳春晓", "phone": "13912345678", "email": "chunxiao@example.com", "organisation": "青岛某某科技有限公司"}


@pytest.fixture
def submit(campaign):
    from luoshi.ideas.services import IdeaInput, idea_submit

    def _submit(title="推行“证照联办”一次办好", to=None, **kw):
        data = dict(title=title, content="建议把开办企业涉及的营业执照、许可证和社保登记合并为一次申请，一窗受理、并联审批。",
                    topic="营商环境", source_kind="enterprise", province="山东省", city="青岛市", **PERSONAL)
        data.update(kw)
        return idea_submit(campaign=to or campaign, data=IdeaInput(**data))
    return _submit


FULL = {"innovation": "25", "feasibility": "24", "effect": "35"}


@pytest.fixture
def reviewed(submit, cast, experts):
    """An idea passed 初审 and scored by two experts (84 and 70 → 77.00)."""
    from luoshi.ideas.services import idea_score, idea_screen

    idea = idea_screen(by=cast["office"], idea=submit(), passed=True)
    idea_score(by=experts[0], idea=idea, points=FULL)
    idea_score(by=experts[1], idea=idea, points={"innovation": "20", "feasibility": "20", "effect": "30"})
    idea.refresh_from_db()
    return idea
