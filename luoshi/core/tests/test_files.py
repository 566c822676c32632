"""Evidence files: luoshi.core.files.attachment_store checks and the scoped download view."""
from __future__ import annotations

import hashlib
import re

import pytest

from luoshi.core.errors import ServiceError
from luoshi.core.files import attachment_store
from luoshi.core.models import Attachment

def _real_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


PNG = _real_png()
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def uploader(cast):
    return cast["liaison_a"]


def _refused(uploader, name, data, problem):
    with pytest.raises(ServiceError) as exc:
        attachment_store(by=uploader, name=name, data=data)
    msg = exc.value.message
    assert f"“{name}”" in msg, msg
    assert CHINESE.search(msg) and problem in msg, msg
    assert exc.value.field == "files"
    assert Attachment.objects.count() == 0
    return msg


def test_refuses_an_exe(uploader):
    msg = _refused(uploader, "安装程序.exe", b"MZ\x90\x00\x03" + b"\x00" * 100, "类型不允许")
    assert "pdf" in msg and "png" in msg  # tells what is allowed


@pytest.mark.parametrize("name", ["报告.PDF.exe", "脚本.js", "无扩展名", "page.html", "archive.tar.gz"])
def test_refuses_other_types(uploader, name):
    _refused(uploader, name, b"%PDF-1.7 something", "类型不允许")


def test_refuses_an_empty_file(uploader):
    _refused(uploader, "空文件.pdf", b"", "是空的")


def test_refuses_a_file_over_the_limit(uploader, settings):
    settings.LUOSHI_UPLOAD_MAX_BYTES = 2 * 1048576
    data = PNG + b"\x00" * (2 * 1048576 - len(PNG) + 1)
    msg = _refused(uploader, "大图.png", data, "超过上限")
    assert "2 MB" in msg
    # exactly at the limit is fine
    att = attachment_store(by=uploader, name="刚好.png", data=data[:-1])
    assert att.size == settings.LUOSHI_UPLOAD_MAX_BYTES


def test_refuses_a_png_that_is_not_a_png(uploader):
    msg = _refused(uploader, "截图.png", b"MZ\x90\x00 this is an exe renamed", "不符")
    assert ".png" in msg


@pytest.mark.parametrize("name,data", [("扫描件.pdf", b"\x89PNG\r\n\x1a\n...."), ("照片.jpg", b"GIF89a......"),
                                       ("表格.xlsx", b"%PDF-1.4 ...")])
def test_refuses_content_that_does_not_match_the_extension(uploader, name, data):
    _refused(uploader, name, data, "不符")


def test_accepts_a_real_png(uploader, travel):
    with travel("2026-03-01"):
        att = attachment_store(by=uploader, name="/tmp/../现场照片.png", data=PNG)
    att.refresh_from_db()
    assert att.original_name == "现场照片.png"  # the path part is dropped
    assert (att.content_type, att.size, att.uploaded_by) == ("image/png", len(PNG), uploader)
    assert att.sha256 == hashlib.sha256(PNG).hexdigest()
    with att.file.open("rb") as f:
        assert f.read() == PNG
    assert att.file.name.startswith("evidence/2026/03/")


def test_extension_check_is_case_insensitive(uploader):
    att = attachment_store(by=uploader, name="PHOTO.PNG", data=PNG)
    assert att.content_type == "image/png"


# ---- download ----------------------------------------------------------------------------------------

@pytest.fixture
def evidence(program, cast, travel):
    """A PNG attached to a progress report on task_a and a PDF attached to a closure request on task_a."""
    from luoshi.tasks import services

    task, liaison = program["task_a"], cast["liaison_a"]
    with travel("2026-03-01"):
        services.task_acknowledge(by=liaison, task=task)
        report = services.task_report_progress(by=liaison, task=task, text="见照片", percent=20,
                                               files=[("现场照片.png", PNG)])
        closure = services.task_request_closure(by=liaison, task=task, summary="见验收单",
                                                files=[("验收单.pdf", b"%PDF-1.7\n...")])
    return {"png": report.attachments.get(), "pdf": closure.attachments.get()}


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("kind", ["png", "pdf"])
def test_download_refused_to_another_units_liaison(evidence, cast, client_for, kind):
    for who in ("liaison_b", "liaison_dept", "outsider"):
        r = client_for(cast[who]).get(f"/files/{evidence[kind].pk}/")
        assert r.status_code == 404, who


def test_download_allowed_to_the_tasks_people(evidence, cast, client_for):
    for who in ("liaison_a", "office", "leader", "evaluator"):
        r = client_for(cast[who]).get(f"/files/{evidence['png'].pk}/")
        assert r.status_code == 200, who
        assert r["Content-Type"] == "image/png"
        assert _body(r) == PNG
    r = client_for(cast["liaison_a"]).get(f"/files/{evidence['pdf'].pk}/")
    assert r.status_code == 200 and _body(r).startswith(b"%PDF")


def test_download_needs_login_and_a_linked_task(evidence, cast, client, client_for):
    r = client.get(f"/files/{evidence['png'].pk}/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    orphan = attachment_store(by=cast["liaison_a"], name="未关联.png", data=PNG)
    assert client_for(cast["office"]).get(f"/files/{orphan.pk}/").status_code == 404
    assert client_for(cast["liaison_a"]).get("/files/999999/").status_code == 404


def test_a_small_limit_is_stated_in_kilobytes(uploader, settings):
    settings.LUOSHI_UPLOAD_MAX_BYTES = 500 * 1024
    msg = _refused(uploader, "图.png", PNG + b"\x00" * (600 * 1024), "超过上限")
    assert "超过上限 500 KB" in msg and " MB" not in msg


@pytest.mark.parametrize("size,text", [(512, "512 B"), (1536, "1.5 KB"), (10 * 1048576, "10 MB"),
                                       (int(2.25 * 1048576), "2.2 MB")])
def test_human_size(size, text):
    from luoshi.core.files import human_size

    assert human_size(size) == text


# ---- uploads that say no: bombs and disguised files (core.images.image_check) ------------------------------

def _png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares width×height pixels but whose data is a few bytes: a decompression bomb."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("name,data,words", [
    ("炸弹.png", _png_declaring(20000, 20000), ("过大",)),
    ("大图.png", _png_declaring(9000, 9000), ("过大",)),
    ("长条.png", _png_declaring(100_000, 10), ("100000×10", "过大")),
    ("网页.jpg", b"\xff\xd8\xff\xe0" + b"<html><script>alert(1)</script></html>" * 20, ("无法解码",)),
    ("改名.jpg", PNG, ("不符",)),
    ("改名.webp", b"RIFF" + PNG, ("无法解码",)),
    ("假文档.docx", b"PK\x03\x04" + b"<html>" * 50, ("不符",)),
])
def test_bombs_and_disguised_files_are_refused_cleanly(db, name, data, words):
    from luoshi.core.files import upload_check

    with pytest.raises(ServiceError) as e:
        upload_check(name=name, data=data)
    message = e.value.message
    assert name in message and all(w in message for w in words), message
    assert "object at 0x" not in message and "PIL" not in message


def test_a_real_photo_passes(db):
    from luoshi.core.files import upload_check

    assert upload_check(name="照片.png", data=PNG) == ("照片.png", ".png")
