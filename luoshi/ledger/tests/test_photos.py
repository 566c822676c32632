"""Finding photos: what an upload refuses (type by content, size, count) with a message naming the file, that a
refused photo leaves nothing behind, and the background processing: a display copy ≤ 1600 px and a thumbnail
≤ 360 px, turned the way the phone held it, with no EXIF (so no GPS) — while the original stays, for staff."""
from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from luoshi.core.errors import ServiceError
from luoshi.core.files import human_size
from luoshi.core.models import Attachment, JournalEntry
from luoshi.ledger import services
from luoshi.ledger.models import Finding, FindingEvent, FindingPhoto
from luoshi.ledger.photos import DISPLAY_EDGE, THUMB_EDGE, photo_process

from .fixtures_ledger import *  # noqa: F401,F403
from .fixtures_ledger import exif_of, gps_exif, jpeg, noise_jpeg, png, record

DAY0 = "2026-03-02"
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def nothing_written():
    assert not Finding.objects.exists()
    assert not Attachment.objects.exists()
    assert not FindingPhoto.objects.exists()
    assert not FindingEvent.objects.exists()
    assert not JournalEntry.objects.filter(verb__startswith="ledger.").exists()


def refused(findings, inspector, travel, photos) -> ServiceError:
    with travel(DAY0), pytest.raises(ServiceError) as e:
        record(findings, by=inspector, photos=photos)
    return e.value


# ---- refusals ----------------------------------------------------------------------------------------

def test_an_exe_is_refused_by_name(findings, inspector, travel):
    e = refused(findings, inspector, travel, [("现场.jpg", jpeg()), ("setup.exe", b"MZ\x90\x00" + b"\x00" * 200)])
    assert e.message == "文件“setup.exe”的类型不允许上传。允许：jpeg、jpg、png、webp。"
    assert e.field == "files"
    nothing_written()


def test_a_pdf_renamed_jpg_is_refused(findings, inspector, travel):
    e = refused(findings, inspector, travel, [("整改前照片.jpg", b"%PDF-1.7\n" + b"0" * 500)])
    assert e.message == "文件“整改前照片.jpg”的内容与扩展名 .jpg 不符，可能已损坏或被改名。"
    nothing_written()


def test_a_document_is_not_a_photo_even_when_it_is_a_real_pdf(findings, inspector, travel):
    e = refused(findings, inspector, travel, [("情况说明.pdf", b"%PDF-1.7\n" + b"0" * 500)])
    assert "情况说明.pdf" in e.message and "类型不允许上传" in e.message
    nothing_written()


def test_an_empty_photo_is_refused(findings, inspector, travel):
    e = refused(findings, inspector, travel, [("空.jpg", b"")])
    assert e.message == "文件“空.jpg”是空的。"
    nothing_written()


def test_a_photo_over_the_limit_is_refused_with_its_size(findings, inspector, travel, settings):
    settings.LUOSHI_UPLOAD_MAX_BYTES = 200 * 1024
    big = noise_jpeg(300 * 1024)
    e = refused(findings, inspector, travel, [("小.jpg", jpeg()), ("大图.jpg", big)])
    assert e.message == f"文件“大图.jpg”大小为 {human_size(len(big))}，超过上限 200 KB。"
    assert "KB" in human_size(len(big))
    nothing_written()


def test_at_most_nine_photos(findings, inspector, travel):
    e = refused(findings, inspector, travel, [(f"p{i}.jpg", jpeg()) for i in range(10)])
    assert (e.message, e.field) == ("一次最多上传 9 张照片。", "photos")
    nothing_written()
    with travel(DAY0):
        f = record(findings, by=inspector, photos=[(f"p{i}.jpg", jpeg(color=(i * 20, 0, 0))) for i in range(9)])
    assert f.photos.count() == 9 and Attachment.objects.count() == 9
    assert {p.stage for p in f.photos.all()} == {"before"}
    assert {p.event.kind for p in f.photos.all()} == {"recorded"}


def test_numbering_is_not_used_up_by_a_refused_upload(findings, inspector, travel):
    refused(findings, inspector, travel, [("x.exe", b"MZ")])
    with travel(DAY0):
        assert record(findings, by=inspector).code == "2026-00001"


def test_the_form_answers_an_xhr_upload_with_the_files_error(findings, inspector, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(inspector)
    url = reverse("ledger_finding_create", args=["demo-2026"])
    data = {"unit": "中韩街道", "description": "人行道砖破损", "severity": "general", "source": "inspection",
            "photos": [SimpleUploadedFile("好.jpg", jpeg(), "image/jpeg"),
                       SimpleUploadedFile("木马.jpg", b"MZ\x90\x00" + b"\x00" * 100, "image/jpeg")]}
    r = c.post(url, data, **XHR)
    assert r.status_code == 400
    body = r.json()
    assert body["ok"] is False and "木马.jpg" in body["message"]
    assert body["errors"] == {"photos": ["文件“木马.jpg”的内容与扩展名 .jpg 不符，可能已损坏或被改名。"]}
    nothing_written()
    # without JavaScript: the page again, with the reason, what was typed, and a note that photos must be re-chosen
    data["photos"] = [SimpleUploadedFile("木马.jpg", b"MZ\x90\x00" + b"\x00" * 100, "image/jpeg")]
    r = c.post(url, data)
    html = r.content.decode()
    assert r.status_code == 400
    assert "木马.jpg" in html and "人行道砖破损</textarea>" in html and "照片未能保存，请重新选择照片后提交。" in html
    nothing_written()


def test_ten_photos_through_the_form_are_refused(findings, inspector, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client_for(inspector).post(reverse("ledger_finding_create", args=["demo-2026"]), {
        "unit": "中韩街道", "description": "人行道砖破损", "severity": "general", "source": "inspection",
        "photos": [SimpleUploadedFile(f"{i}.jpg", jpeg(), "image/jpeg") for i in range(10)]}, **XHR)
    assert r.status_code == 400 and r.json()["errors"] == {"photos": ["一次最多上传 9 张照片。"]}
    nothing_written()


# ---- processing ----------------------------------------------------------------------------------------

def open_file(field) -> tuple[bytes, Image.Image]:
    with field.open("rb") as f:
        data = f.read()
    return data, Image.open(io.BytesIO(data))


def test_processing_strips_exif_resizes_and_turns_the_photo(findings, inspector, travel):
    # a landscape sensor image, left half red and right half blue, that the phone says to turn 90° clockwise
    original = jpeg(2400, 1200, (220, 20, 20), split=(20, 20, 220), exif=gps_exif(orientation=6))
    assert 0x8825 in exif_of(original) and exif_of(original)[0x0112] == 6
    with travel(DAY0):
        f = record(findings, by=inspector, photos=[("IMG_0001.jpg", original)])
    photo = f.photos.get()
    assert photo.processed_at is None and not photo.display  # not yet: this runs in the background
    assert photo_process(photo.pk) == "ok"
    photo.refresh_from_db()
    assert photo.processed_at is not None and photo.process_error == ""

    data, display = open_file(photo.display)
    assert display.format == "JPEG"
    assert display.size == (800, 1600) == (photo.width, photo.height)  # turned upright, long edge 1600
    assert max(display.size) <= DISPLAY_EDGE
    assert dict(display.getexif()) == {} and b"Exif" not in data and b"TestPhone" not in data
    assert "exif" not in display.info
    top, bottom = display.convert("RGB").getpixel((400, 100)), display.convert("RGB").getpixel((400, 1500))
    assert top[0] > 150 and top[2] < 100, top        # the red left half is now on top
    assert bottom[2] > 150 and bottom[0] < 100, bottom

    tdata, thumb = open_file(photo.thumb)
    assert thumb.size == (180, 360) and max(thumb.size) <= THUMB_EDGE
    assert dict(thumb.getexif()) == {} and b"Exif" not in tdata

    # the original is kept as it came (evidence for staff), GPS and all
    with photo.original.file.open("rb") as fh:
        kept = fh.read()
    assert kept == original and 0x8825 in exif_of(kept)
    assert photo_process(photo.pk) == "done"  # a second run does nothing


def test_a_small_photo_is_not_enlarged_and_a_png_becomes_a_jpeg(findings, inspector, travel):
    with travel(DAY0):
        f = record(findings, by=inspector, photos=[("小图.png", png(120, 90, (0, 128, 0, 128)))])
    photo = f.photos.get()
    photo_process(photo.pk)
    photo.refresh_from_db()
    _data, display = open_file(photo.display)
    assert display.format == "JPEG" and display.mode == "RGB" and display.size == (120, 90)
    _tdata, thumb = open_file(photo.thumb)
    assert thumb.size == (120, 90)


def test_an_unreadable_image_is_refused_at_upload(findings, inspector, travel):
    """A JPEG header followed by anything else is refused before it is stored (core.images.image_check), with
    a clean message naming the file (not a library's object), and nothing is written."""
    broken = b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 20
    count = FindingPhoto.objects.count()
    e = refused(findings, inspector, travel, [("坏图.jpg", broken)])
    assert "坏图.jpg" in e.message and "无法解码" in e.message and "<" not in e.message
    assert FindingPhoto.objects.count() == count


def test_photos_are_processed_when_the_upload_commits(findings, inspector, travel,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with travel(DAY0):
            f = record(findings, by=inspector, photos=[("a.jpg", jpeg(2000, 1000, exif=gps_exif()))])
    assert len(callbacks) == 1  # one job per upload
    assert f.photos.get().processed_at is None  # nothing ran before the commit

    with django_capture_on_commit_callbacks(execute=True):
        with travel(DAY0):
            g = record(findings, by=inspector, photos=[("b.jpg", jpeg(2000, 1000, exif=gps_exif())),
                                                      ("c.png", png())])
    photos = list(g.photos.order_by("id"))
    assert all(p.processed_at and not p.process_error for p in photos)  # the immediate backend ran them
    data, display = open_file(photos[0].display)
    assert display.size == (1600, 800) and b"Exif" not in data


def test_after_photos_of_a_report_are_processed_too(findings, cast, inspector, travel,
                                                    django_capture_on_commit_callbacks):
    with travel(DAY0):
        f = record(findings, by=inspector)
        findings.issue([f])
        with django_capture_on_commit_callbacks(execute=True):
            services.finding_submit(by=cast["liaison_a"], finding=Finding.objects.get(pk=f.pk), text="已整改",
                                    photos=[("整改后.jpg", jpeg(1800, 1800, exif=gps_exif()))])
    [after] = f.photos.all()
    assert after.stage == "after" and after.event.kind == "submitted"
    _data, display = open_file(after.display)
    assert display.size == (1600, 1600) and dict(display.getexif()) == {}


def test_staff_read_the_processed_copy_and_the_original(findings, inspector, cast, travel, client_for):
    original = jpeg(400, 300, exif=gps_exif())
    with travel(DAY0):
        f = record(findings, by=inspector, photos=[("a.jpg", original)])
    photo = f.photos.get()
    c = client_for(cast["liaison_a"])
    # before processing every variant falls back to the original
    r = c.get(reverse("ledger_photo", args=[photo.pk, "display"]))
    assert r.status_code == 200 and b"".join(r.streaming_content) == original
    photo_process(photo.pk)
    r = c.get(reverse("ledger_photo", args=[photo.pk, "display"]))
    assert r["Content-Type"] == "image/jpeg" and b"Exif" not in b"".join(r.streaming_content)
    r = c.get(reverse("ledger_photo", args=[photo.pk, "original"]))
    assert b"".join(r.streaming_content) == original
    assert client_for(cast["liaison_b"]).get(reverse("ledger_photo", args=[photo.pk, "original"])).status_code == 404


def test_a_refused_photo_leaves_no_files_behind(findings, inspector, travel, settings):
    import os

    from luoshi.core.errors import ServiceError
    from luoshi.ledger import services as ledger_services

    with travel("2026-03-02"):
        with pytest.raises(ServiceError):
            ledger_services.finding_record(
                by=inspector, program=findings.program,
                data=ledger_services.FindingInput(unit=findings.unit("street_a"), description="照片中有一张是坏的"),
                photos=[("好.jpg", jpeg()), ("坏.jpg", b"MZ not a jpeg")])
    stored = [f for _root, _dirs, files in os.walk(settings.MEDIA_ROOT) for f in files]
    assert stored == []
