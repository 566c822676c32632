"""Privacy scan of the whole public surface: seed distinctive names, phone numbers, e-mail addresses and ID
numbers into every personal field the app has (requesters, idea submitters, progress report authors, finding
reporters and verifiers, staff accounts) and into free texts, then GET every public page and API response —
every URL pattern under /public/ and /open311/v2/ that takes no argument, the tracking page with real codes, and
every /public/ or /open311/ link found on those pages, followed breadth-first — and assert that none of them
prints a name, an e-mail address, an ID number or an unmasked mobile number."""
from __future__ import annotations

import datetime as dt
import re
from collections import deque

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from luoshi.intake.tests.conftest import dispatcher, intake, req  # noqa: F401
from luoshi.ledger.tests.conftest import categories, findings, inspector, ledger_program  # noqa: F401
from luoshi.ledger.tests.fixtures_ledger import *  # noqa: F401,F403
from luoshi.org.models import Person

from .conftest import EMAIL, ID_NUMBER, PHONE
from .test_exposure import exposure  # noqa: F401

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
REQUESTER = {"name": "上官秘语", "phone": "13987654321", "email": "shangguan.miyu@secret.example"}
SUBMITTER = {"name": "欧阳金点", "phone": "13711112222", "email": "ouyang.jindian@secret.example"}
REQUESTER_ID = "370202199912120011"
STAFF_PHONE = "13600001111"
LINK = re.compile(r"""(?:href|src|action)=["']([^"']+)["']|<(?:url|media_url)>([^<]+)</""")
PREFIXES = ("/public/", "/open311/v2/")


def _seed_ideas(cast, city, travel) -> list[str]:
    """An idea submitted, and one screened, scored, adopted and published. Returns their tracking codes."""
    from django.conf import settings

    from luoshi.ideas import services as ideas
    from luoshi.ideas.models import Idea, SourceKind

    scheme = (settings.BASE_DIR / "presets" / "ideas" / "gaige-jindianzi.yaml").read_text(encoding="utf-8")
    with travel("2026-03-02"):
        campaign = ideas.campaign_create(by=cast["office"], name="2026年改革金点子征集", owner_unit=city["district"],
                                         start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 5, 31),
                                         scheme_text=scheme)
        made = []
        for title in ("建议推行企业开办一网通办", "建议增设社区食堂助老餐"):
            made.append(ideas.idea_submit(campaign=campaign, data=ideas.IdeaInput(
                title=title, content=f"{title}，具体做法是整合窗口、压缩环节，联系电话{SUBMITTER['phone']}，"
                                     f"身份证{ID_NUMBER}，邮箱{SUBMITTER['email']}。",
                topic=campaign.topics[0], source_kind=SourceKind.values[0], name=SUBMITTER["name"],
                phone=SUBMITTER["phone"], email=SUBMITTER["email"], organisation="某某科技公司", province="山东省")))
    with travel("2026-03-10"):
        idea = made[1]
        ideas.idea_screen(by=cast["office"], idea=idea, passed=True)
        ideas.expert_assign(by=cast["office"], campaign=campaign, person=cast["evaluator"])
        ideas.idea_score(by=cast["evaluator"], idea=Idea.objects.get(pk=idea.pk),
                         points={"innovation": 25, "feasibility": 25, "effect": 30})
        ideas.idea_decide(by=cast["office"], idea=Idea.objects.get(pk=idea.pk), decision="adopted",
                          reply=f"已采纳，请留意后续（电话{SUBMITTER['phone']}）。", publish=True)
    assert Idea.objects.filter(is_public=True).count() == 1  # the adopted idea is on the public list the scan reads
    return [i.tracking_code for i in made]


@pytest.fixture
def seeded(published, exposure, req, cast, city, travel):  # noqa: F811
    """Everything personal the app stores, filled with strings that cannot occur by chance."""
    Person.objects.filter(pk__in=[p.pk for p in cast.values()]).update(phone=STAFF_PHONE)
    codes = []
    for i, kind in enumerate(["open", "replied", "closed", "anonymous"]):
        r = req.submit(f"中韩街道海尔路{i}号路灯不亮，电话{REQUESTER['phone']}，"
                       f"身份证{REQUESTER_ID}，邮箱{REQUESTER['email']}",
                       name=REQUESTER["name"], phone=REQUESTER["phone"], email=REQUESTER["email"],
                       anonymous=kind == "anonymous")
        if kind in ("replied", "closed"):
            req.dispatch(r)
            req.sign(r)
            req.reply(r, text=f"已修复。已电话联系{REQUESTER['phone']}告知。")
            r.refresh_from_db()
        if kind == "closed":
            req.rate(r, 5)
        codes.append(r.tracking_code)
    codes += _seed_ideas(cast, city, travel)
    people = [p for p in Person.objects.all()]
    secrets = ([p.full_name for p in people if len(p.full_name) >= 2] + [p.email for p in people if p.email]
               + [REQUESTER["name"], REQUESTER["email"], SUBMITTER["name"], SUBMITTER["email"], EMAIL,
                  ID_NUMBER, REQUESTER_ID, PHONE, REQUESTER["phone"], SUBMITTER["phone"], STAFF_PHONE])
    return {"codes": codes, "secrets": secrets}


def public_start_urls() -> list[str]:
    """Every URL pattern under /public/ and /open311/v2/ that takes no argument (both formats for Open311)."""
    out = []

    def walk(patterns, prefix):
        for p in patterns:
            route = str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern):
                full = "/" + prefix + route
                full = full.replace("^", "").replace("$", "")
                if full.endswith(r"\.(?P<fmt>xml|json)"):
                    base = full[: -len(r"\.(?P<fmt>xml|json)")]
                    if "(?P" not in base:
                        out.extend([base + ".json", base + ".xml"])
                elif "<" not in full and "(?P" not in full and full.startswith(PREFIXES):
                    out.append(full)
    walk(get_resolver().url_patterns, "")
    return sorted(set(u for u in out if u.startswith(PREFIXES)))


def scan(client: Client, start: list[str], limit: int = 400) -> dict[str, str]:
    """GET the start URLs and every /public/ or /open311/v2/ link they lead to; {url: body} of the text answers."""
    seen, pages, queue = set(), {}, deque(start)
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        r = client.get(url)
        if r.status_code >= 300 or r.get("Content-Type", "").split(";")[0] not in (
                "text/html", "application/json", "text/xml", "application/xml"):
            continue
        body = r.content.decode()
        pages[url] = body
        for a, b in LINK.findall(body):
            link = (a or b).replace("&amp;", "&").split("#")[0]
            link = re.sub(r"^https?://[^/]+", "", link)
            if link.startswith(PREFIXES) and link not in seen:
                queue.append(link)
    return pages


def leaks(pages: dict[str, str], secrets: list[str]) -> list[str]:
    found = []
    for url, body in pages.items():
        for s in secrets:
            if s in body:
                found.append(f"{url}: {s}")
        for m in MOBILE.findall(body):
            found.append(f"{url}: unmasked mobile {m}")
    return found


def scan_all(seeded) -> dict[str, str]:
    client = Client(REMOTE_ADDR="10.77.0.1")
    start = public_start_urls()
    start += [f"/public/track/?code={c}" for c in seeded["codes"]]
    start += [f"/open311/v2/requests/{pk}.{fmt}" for pk in _request_ids() for fmt in ("json", "xml")]
    return scan(client, start)


def _request_ids() -> list[str]:
    from luoshi.intake.models import Request

    ids = []
    for r in Request.objects.all():
        ids += [str(r.pk), r.number]
    return ids


def test_no_public_page_or_api_prints_personal_data(seeded, published, exposure):  # noqa: F811
    pages = scan_all(seeded)
    # the scan reached every kind of page with seeded text on it (masked)
    urls = set(pages)
    for must in (f"/public/programs/{published['program'].pk}/", f"/public/shishi/{published['canteen'].pk}/",
                 f"/public/exposure/{exposure['open'].pk}/", "/public/track/", "/public/"):
        assert must in urls, must
    assert any(u.startswith("/public/track/?code=") and "诉求办理情况" in b for u, b in pages.items())
    assert any(u.startswith("/open311/v2/requests") for u in urls)
    if len(seeded["codes"]) > 4:                                          # the ideas app could be seeded
        assert any(u.startswith("/public/track/?code=") and "建议办理情况" in b for u, b in pages.items())
    assert any("139****5678" in b for b in pages.values())              # the masked phone of a report text
    assert any("139****4321" in b for b in pages.values())              # … and of a request
    problems = leaks(pages, seeded["secrets"])
    assert not problems, "personal data on public pages:\n" + "\n".join(problems[:80])


def test_the_scan_finds_a_leak(seeded, monkeypatch):
    """If a public page printed a report's text unmasked, the scan must say so."""
    from luoshi.portal import selectors

    monkeypatch.setattr(selectors, "public_text", lambda text: text or "")
    problems = leaks(scan_all(seeded), seeded["secrets"])
    assert any(PHONE in p for p in problems), problems
