"""Request photos: at most three, images by content (not by name), within the size limit — refused with a
message and nothing written; accepted ones are processed in the background into a display copy and a
thumbnail without EXIF (so without GPS), and the upload itself is deleted from storage."""
from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from luoshi.core.errors import ServiceError
from luoshi.core.models import JournalEntry
from luoshi.intake import services
from luoshi.intake.models import PhotoStage, Request, RequestEvent, RequestPhoto

GPS = {1: "N", 2: (36.0, 5.0, 30.0), 3: "E", 4: (120.0, 28.0, 10.0)}


def jpeg(width=800, height=600, *, gps=False) -> bytes:
    img = Image.new("RGB", (width, height), (180, 60, 40))
    buf = io.BytesIO()
    kwargs = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "TestPhone"
        exif[0x8825] = GPS  # GPSInfo IFD
        kwargs["exif"] = exif
    img.save(buf, "JPEG", quality=85, **kwargs)
    return buf.getvalue()


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (40, 40), (0, 100, 200, 255)).save(buf, "PNG")
    return buf.getvalue()


def submit(req, photos):
    data = services.RequestInput(category=req.intake["categories"]["0101"], channel=req.intake["channels"]["web"],
                                 description="中韩街道海尔路路灯不亮", area=req.city["street_a"], phone="13812345678")
    return services.request_submit(data=data, photos=photos)


def nothing_written():
    assert not Request.objects.exists()
    assert not RequestPhoto.objects.exists()
    assert not RequestEvent.objects.exists()
    assert not JournalEntry.objects.filter(verb__startswith="request.").exists()


def refused(req, travel, photos) -> ServiceError:
    with travel("2026-03-02T09:00:00+08:00"), pytest.raises(ServiceError) as e:
        submit(req, photos)
    assert e.value.field == "photos"
    nothing_written()
    return e.value


def test_gps_block_is_really_in_the_test_jpeg():
    exif = Image.open(io.BytesIO(jpeg(gps=True))).getexif()
    assert 0x8825 in exif and exif.get_ifd(0x8825)


def test_at_most_three_photos(req, travel):
    e = refused(req, travel, [(f"{i}.jpg", jpeg(40, 30)) for i in range(4)])
    assert e.message == "最多上传 3 张照片，您选择了 4 张。"


def test_type_is_checked_by_content(req, travel):
    e = refused(req, travel, [("现场.jpg", jpeg(40, 30)), ("路灯.jpg", b"%PDF-1.7\n" + b"0" * 200)])
    assert e.message == "文件“路灯.jpg”的内容与扩展名 .jpg 不符，可能已损坏或被改名。"
    e = refused(req, travel, [("照片.jpg", png())])  # a PNG renamed .jpg
    assert "内容与扩展名 .jpg 不符" in e.message
    e = refused(req, travel, [("说明.pdf", b"%PDF-1.7\n" + b"0" * 200)])
    assert "类型不允许上传" in e.message
    e = refused(req, travel, [("空.jpg", b"")])
    assert e.message == "文件“空.jpg”是空的。"


def test_too_large(req, travel, settings):
    data = jpeg(400, 300)
    settings.LUOSHI_UPLOAD_MAX_BYTES = len(data) - 1
    e = refused(req, travel, [("大图.jpg", data)])
    assert e.message.startswith("文件“大图.jpg”大小为") and "超过上限" in e.message


def test_processing_strips_exif_and_deletes_the_upload(req, travel, django_capture_on_commit_callbacks):
    with travel("2026-03-02T09:00:00+08:00"), django_capture_on_commit_callbacks(execute=True):
        r = submit(req, [("IMG_0001.JPG", jpeg(2400, 1800, gps=True)), ("b.png", png())])
    photos = list(RequestPhoto.objects.filter(request=r))
    assert len(photos) == 2 and all(p.stage == PhotoStage.SUBMITTED for p in photos)
    for photo in photos:
        assert photo.processed_at is not None and photo.process_error == ""
        assert not photo.original  # the upload with its EXIF is gone …
        for f in (photo.display, photo.thumb):
            assert f and default_storage.exists(f.name)
            with default_storage.open(f.name, "rb") as fh:
                data = fh.read()
            img = Image.open(io.BytesIO(data))
            assert img.format == "JPEG"
            assert not dict(img.getexif()), "EXIF (with GPS) must not survive"
            assert b"Exif" not in data[:4096]
    big = photos[0]
    assert max(big.width, big.height) <= 1600
    # … and nothing else under the upload folder
    uploads = default_storage.listdir("intake/uploads/2026/03")[1] if default_storage.exists("intake/uploads/2026/03") else []
    assert uploads == []


def test_unreadable_image_is_refused_before_anything_is_stored(req, travel):
    broken = b"\xff\xd8\xff\xe0" + b"\x00" * 300  # looks like a JPEG by its first bytes only
    with travel("2026-03-02T09:00:00+08:00"), pytest.raises(ServiceError) as e:
        submit(req, [("坏图.jpg", broken)])
    assert e.value.field == "photos" and "坏图.jpg" in e.value.message and "无法解码" in e.value.message
    assert not Request.objects.exists() and not RequestPhoto.objects.exists()


def test_reply_photos_are_checked_too(req, travel, cast):
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit()
        req.dispatch(r)
        req.sign(r)
        with pytest.raises(ServiceError) as e:
            services.request_reply(by=cast["liaison_a"], request=r, text="已修复",
                                   photos=[("修复后.jpg", b"GIF89a" + b"0" * 100)])
        assert e.value.field == "photos"
        assert Request.objects.get(pk=r.pk).state == "handling"
        services.request_reply(by=cast["liaison_a"], request=r, text="已修复", photos=[("修复后.jpg", jpeg(40, 30))])
    assert RequestPhoto.objects.get(request=r).stage == PhotoStage.REPLY
