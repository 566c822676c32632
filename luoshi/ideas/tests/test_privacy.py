"""No public page shows who submitted an idea: name, phone, e-mail, organisation — even when the office
writes a phone number into the reply, and whatever state the idea is in."""
from django.urls import reverse

from luoshi.ideas import services
from luoshi.ideas.models import Decision

from .conftest import FULL, PERSONAL


def test_public_pages_never_show_the_submitter(client, campaign, submit, cast, experts):
    office = cast["office"]
    ideas = [submit(title=f"建议{i}", name=f"提交人{i}号", phone=f"1391234000{i}", email=f"p{i}@example.com",
                    organisation=f"单位{i}号") for i in range(4)]
    for idea in ideas[:3]:
        services.idea_screen(by=office, idea=idea, passed=True)
        services.idea_score(by=experts[0], idea=idea, points=FULL)
    services.idea_decide(by=office, idea=ideas[0], decision=Decision.ADOPTED,
                         reply="已采纳，请联系 0532-88886666 或 13800001111（身份证 370212199001011234）。")
    services.idea_decide(by=office, idea=ideas[1], decision=Decision.PARTIAL, reply="部分采纳")
    services.idea_award(by=office, idea=ideas[1], award="merit")
    services.idea_decide(by=office, idea=ideas[2], decision=Decision.NOT_ADOPTED, reply="暂不采纳")
    pages = [client.get(reverse("portal_ideas")), client.get(reverse("portal_idea_new"))]
    pages += [client.get(reverse("portal_idea_track"), {"code": i.tracking_code}) for i in ideas]
    text = "".join(p.content.decode() for p in pages)
    assert "建议0" in text and "优秀奖" in text and "0532-****6666" in text and "138****1111" in text
    for i in range(4):
        for secret in (f"提交人{i}号", f"1391234000{i}", f"p{i}@example.com", f"单位{i}号"):
            assert secret not in text
    for secret in ("13800001111", "88886666", "370212199001011234", *PERSONAL.values()):
        assert secret not in text


def test_public_selectors_do_not_load_personal_fields(campaign, submit, cast, experts):
    from luoshi.ideas.selectors import PERSONAL_FIELDS, idea_by_tracking_code, public_ideas

    idea = submit()
    services.idea_screen(by=cast["office"], idea=idea, passed=True)
    services.idea_score(by=experts[0], idea=idea, points=FULL)
    services.idea_decide(by=cast["office"], idea=idea, decision=Decision.ADOPTED, reply="采纳")
    row = public_ideas().get()
    assert not set(PERSONAL_FIELDS) & set(row.__dict__)
    view = idea_by_tracking_code(f" {idea.tracking_code.lower()} ")
    assert view.state == "decided" and view.decision_label == "采纳" and view.reply == "采纳"
    assert not {"submitter_name", "submitter_phone", "submitter_email", "submitter_org"} & set(vars(view))
    assert idea_by_tracking_code("") is None and idea_by_tracking_code("X" * 40) is None
