"""The public 曝光台 (no login): only published findings, never a person (no reporter, verifier or liaison name,
no username, no phone or ID number, no coordinates), and only the processed photos (no EXIF/GPS) of published
findings; everything else is 404."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from luoshi.ledger import services
from luoshi.ledger.models import Finding, FindingPhoto
from luoshi.ledger.photos import photo_process
from luoshi.ledger.tests.conftest import categories, findings, inspector, ledger_program  # noqa: F401
from luoshi.ledger.tests.fixtures_ledger import *  # noqa: F401,F403
from luoshi.ledger.tests.fixtures_ledger import exif_of, gps_exif, jpeg, record

DAY0 = "2026-03-02"
PHONE = "13812345678"
ID_NUMBER = "370212199001011234"
OPEN_TEXT = f"人行道堆放建筑垃圾，群众来电反映（联系人电话{PHONE}，身份证{ID_NUMBER}）"
CLOSED_TEXT = "公交站台公益广告破损"
HIDDEN_TEXT = "内部核查：某单位门前违规停车"


@pytest.fixture
def exposure(findings, cast, inspector, inspector2, travel):
    """pub_open (published, rectifying, one before-photo), pub_closed (published, closed by inspector2, before
    and after photos), hidden (not published, with a photo). Photos carry GPS; all are processed."""
    def make(text, unit):
        return record(findings, unit, text, by=inspector, address=f"崂山区某路12号（业主{PHONE}）",
                      latitude=36.123456, longitude=120.654321,
                      photos=[("前.jpg", jpeg(800, 600, exif=gps_exif()))])
    with travel(DAY0):
        pub_open, pub_closed, hidden = make(OPEN_TEXT, "street_a"), make(CLOSED_TEXT, "street_b"), \
            make(HIDDEN_TEXT, "street_a")
        for sheet in findings.issue([pub_open, pub_closed, hidden]):
            findings.acknowledge(sheet)
        services.finding_submit(by=cast["liaison_b"], finding=Finding.objects.get(pk=pub_closed.pk),
                                text=f"已更换，联系电话{PHONE}", photos=[("后.jpg", jpeg(800, 600, (0, 0, 200),
                                                                           exif=gps_exif()))])
    with travel("2026-03-04"):
        services.finding_verify(by=inspector2, finding=Finding.objects.get(pk=pub_closed.pk), close=True,
                                reason="经李核验现场核实")
        for f in (pub_open, pub_closed):
            services.finding_publish(by=cast["office"], finding=f, public=True)
    for p in FindingPhoto.objects.all():
        photo_process(p.pk)
    return {"open": Finding.objects.get(pk=pub_open.pk), "closed": Finding.objects.get(pk=pub_closed.pk),
            "hidden": Finding.objects.get(pk=hidden.pk)}


def personal_data(cast, inspector, inspector2) -> list[str]:
    people = [cast[k] for k in ("office", "liaison_a", "liaison_b", "leader")] + [inspector, inspector2]
    return ([p.full_name for p in people] + [p.username for p in people] + [p.email for p in people if p.email]
            + [PHONE, ID_NUMBER, "36.123456", "120.654321", "36.12", "120.65"])


def assert_no_personal_data(html: str, cast, inspector, inspector2):
    for text in personal_data(cast, inspector, inspector2):
        assert text not in html, text
    assert not re.search(r"1[3-9]\d{9}", html), "an unmasked mobile number"


def photo_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]*/photos/[^"]+)"', html)


def test_the_list_shows_only_published_findings_without_personal_data(exposure, cast, inspector, inspector2, client):
    r = client.get(reverse("portal_exposure"))
    html = r.content.decode()
    assert r.status_code == 200
    assert "138****5678" in html and "370212********1234" in html  # masked, in the description and the address
    assert "公交站台公益广告破损" in html and "人行道堆放建筑垃圾" in html
    assert HIDDEN_TEXT not in html
    assert {f.pk for f in r.context["page"]} == {exposure["open"].pk, exposure["closed"].pk}
    assert_no_personal_data(html, cast, inspector, inspector2)
    urls = photo_urls(html)
    assert urls and all(re.fullmatch(r"/public/photos/\d+/(thumb|display)\.jpg", u) for u in urls), urls
    # open ones show only the before photo; closed ones before and after
    assert html.count('alt="整改后照片"') == 1 and html.count('alt="整改前照片"') == 2


def test_the_status_tabs(exposure, client):
    open_ = client.get(reverse("portal_exposure"), {"status": "open"})
    assert [f.pk for f in open_.context["page"]] == [exposure["open"].pk]
    closed = client.get(reverse("portal_exposure"), {"status": "closed"})
    assert [f.pk for f in closed.context["page"]] == [exposure["closed"].pk]
    assert "已整改销号" in closed.content.decode()


def test_the_detail_page(exposure, cast, inspector, inspector2, client):
    f = exposure["closed"]
    r = client.get(reverse("portal_exposure_detail", args=[f.pk]))
    html = r.content.decode()
    assert r.status_code == 200
    assert CLOSED_TEXT in html and "沙子口街道" in html and "已整改销号" in html and "2026-03-04" in html
    assert "崂山区某路12号（业主138****5678）" in html
    assert_no_personal_data(html, cast, inspector, inspector2)
    assert "已更换" not in html and "经李核验现场核实" not in html  # no handling texts either
    before, after = (list(FindingPhoto.objects.filter(finding=f, stage=s)) for s in ("before", "after"))
    for p in before + after:
        assert reverse("portal_photo", args=[p.pk, "thumb"]) in html
        assert reverse("portal_photo", args=[p.pk, "display"]) in html
    html = client.get(reverse("portal_exposure_detail", args=[exposure["open"].pk])).content.decode()
    assert "138****5678" in html and "370212********1234" in html
    assert_no_personal_data(html, cast, inspector, inspector2)


def test_the_home_page_shows_recent_published_findings(exposure, cast, inspector, inspector2, client):
    html = client.get(reverse("portal_home")).content.decode()
    assert CLOSED_TEXT in html and HIDDEN_TEXT not in html
    assert_no_personal_data(html, cast, inspector, inspector2)


def test_photos_are_the_processed_copies_without_gps(exposure, client):
    for p in FindingPhoto.objects.filter(finding__in=[exposure["open"], exposure["closed"]]):
        for variant in ("thumb", "display"):
            r = client.get(reverse("portal_photo", args=[p.pk, variant]))
            assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
            data = b"".join(r.streaming_content)
            assert exif_of(data) == {} and b"Exif" not in data and b"TestPhone" not in data
            assert "public" in r["Cache-Control"]
        assert client.get(reverse("portal_photo", args=[p.pk, "original"])).status_code == 404


def test_unpublished_findings_and_their_photos_are_404(exposure, cast, client):
    hidden = exposure["hidden"]
    assert client.get(reverse("portal_exposure_detail", args=[hidden.pk])).status_code == 404
    [p] = FindingPhoto.objects.filter(finding=hidden)
    for variant in ("thumb", "display"):
        assert client.get(reverse("portal_photo", args=[p.pk, variant])).status_code == 404
    # taking a finding off the 曝光台 closes its page and its photos
    f = exposure["open"]
    services.finding_publish(by=cast["office"], finding=f, public=False)
    assert client.get(reverse("portal_exposure_detail", args=[f.pk])).status_code == 404
    for p in FindingPhoto.objects.filter(finding=f):
        assert client.get(reverse("portal_photo", args=[p.pk, "thumb"])).status_code == 404
    assert client.get(reverse("portal_exposure_detail", args=[10**9])).status_code == 404


def test_an_unprocessed_photo_is_not_shown(findings, cast, inspector, travel, client):
    with travel(DAY0):
        f = record(findings, by=inspector, photos=[("前.jpg", jpeg(exif=gps_exif()))])
        services.finding_publish(by=cast["office"], finding=f, public=True)
    [p] = f.photos.all()
    assert p.processed_at is None
    html = client.get(reverse("portal_exposure_detail", args=[f.pk])).content.decode()
    assert "/public/photos/" not in html and "无照片" in html
    assert client.get(reverse("portal_photo", args=[p.pk, "thumb"])).status_code == 404


def test_an_archived_programs_photos_are_gone_with_its_pages(exposure, client):
    program = exposure["closed"].program
    program.is_archived = True
    program.save(update_fields=["is_archived"])
    assert client.get(reverse("portal_exposure_detail", args=[exposure["closed"].pk])).status_code == 404
    [p] = FindingPhoto.objects.filter(finding=exposure["closed"], stage="after")
    assert client.get(reverse("portal_photo", args=[p.pk, "thumb"])).status_code == 404
