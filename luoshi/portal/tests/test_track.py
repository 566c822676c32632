"""办理查询: a visitor follows a request (or an idea) by its 查询码 — state, category, the public timeline and the
masked reply, a link to rate while it waits for 回访; never the requester; lookups throttled per address."""
from __future__ import annotations

from django.test import Client
from django.urls import reverse

from luoshi.intake.tests.conftest import dispatcher, intake, req  # noqa: F401
from luoshi.portal import views

NAME, PHONE = "欧阳明哲", "13912345678"


def track(code, c=None):
    return (c or Client()).get(reverse("portal_track"), {"code": code})


def test_the_empty_page_is_a_form(client):
    r = client.get(reverse("portal_track"))
    html = r.content.decode()
    assert r.status_code == 200 and 'name="code"' in html and '<label for="track-code">查询码</label>' in html


def test_a_request_by_its_code(req, cast):
    r = req.submit("中韩街道海尔路路灯不亮好几天了", name=NAME, phone=PHONE)
    req.dispatch(r)
    req.sign(r)
    req.reply(r, text=f"已更换灯泡，路灯恢复照明。如有问题请联系维修班{PHONE}。")
    r.refresh_from_db()
    resp = track(r.tracking_code.lower() + " ")                          # case and spaces forgiven
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "诉求办理情况" in html and "路灯损坏" in html and "待回访" in html and r.number in html
    assert "已更换灯泡" in html and "139****5678" in html
    assert NAME not in html and PHONE not in html and "example.org" not in html
    for p in cast.values():
        assert p.full_name not in html                                   # no handler names in the timeline
    assert "受理" in html and "派单" in html and "回复" in html               # public events
    assert reverse("portal_request_rate", args=[r.tracking_code, r.rating_token]) in html  # the holder may rate
    assert resp["Cache-Control"] == "private, no-store" and resp["Referrer-Policy"] == "no-referrer"


def test_an_unknown_code(db):
    resp = track("ZZZZZZZZZZ")
    assert resp.status_code == 404 and "没有找到该查询码" in resp.content.decode()


def test_lookups_are_throttled_per_address(req, monkeypatch):
    monkeypatch.setattr(views, "TRACK_LIMIT", 3)
    r = req.submit()
    c = Client(REMOTE_ADDR="10.1.1.1")
    codes = ["AAAAAAAAAA", "BBBBBBBBBB", "CCCCCCCCCC", r.tracking_code]
    statuses = [track(code, c).status_code for code in codes]
    assert statuses == [404, 404, 404, 429]                              # even the right code, once over the limit
    html = track(r.tracking_code, c).content.decode()
    assert "查询过于频繁" in html and "诉求办理情况" not in html
    assert track(r.tracking_code, Client(REMOTE_ADDR="10.1.1.2")).status_code == 200


def test_an_idea_by_its_code(db, monkeypatch):
    """An idea's 查询码 shows the ideas app's public view of it, with free text masked."""
    import datetime as dt

    from luoshi.ideas import selectors as ideas

    seen = []

    def idea_by_tracking_code(code):
        seen.append(code)
        if code != "IDEA234567":
            return None
        return ideas.PublicIdea(
            kind="idea", number="2026-0007", title="建议在地铁站增设共享单车停放点", campaign="2026年改革创新金点子征集",
            topic="城市更新", province="山东省", submitted_on=dt.date(2026, 9, 1), state="decided", state_label="已处理",
            decision="adopted", decision_label="采纳", reply=f"感谢建议，联系人{PHONE}", award="", decided_on=None,
            has_task=False)

    monkeypatch.setattr(ideas, "idea_by_tracking_code", idea_by_tracking_code)
    resp = track("IDEA234567")
    html = resp.content.decode()
    assert resp.status_code == 200 and seen == ["IDEA234567"]
    assert "建议办理情况" in html and "采纳" in html and "共享单车" in html and "2026-0007" in html
    assert "139****5678" in html and PHONE not in html