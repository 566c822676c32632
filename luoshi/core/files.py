"""Accepting uploaded evidence files: limited in size and type, checked by content, hashed."""
from __future__ import annotations

import hashlib
import os

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from . import clock
from .errors import ServiceError
from .models import Attachment

# extension → content check (magic bytes), so a renamed .exe is refused.
ALLOWED = {
    ".pdf": (b"%PDF",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",), ".png": (b"\x89PNG",),
    ".gif": (b"GIF8",), ".webp": (b"RIFF",),
    ".docx": (b"PK\x03\x04",), ".xlsx": (b"PK\x03\x04",), ".pptx": (b"PK\x03\x04",), ".zip": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",), ".xls": (b"\xd0\xcf\x11\xe0",), ".ppt": (b"\xd0\xcf\x11\xe0",),
    ".ofd": (b"PK\x03\x04",), ".txt": None, ".mp4": None,
}
CONTENT_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
                 ".gif": "image/gif", ".webp": "image/webp", ".txt": "text/plain", ".mp4": "video/mp4"}


def human_size(n: int) -> str:
    """1536 → "1.5 KB", 10485760 → "10 MB": one decimal, none when whole."""
    for unit, size in (("MB", 1048576), ("KB", 1024)):
        if n >= size:
            value = f"{n / size:.1f}".removesuffix(".0")
            return f"{value} {unit}"
    return f"{n} B"


IMAGE_TYPES = frozenset({".jpg", ".jpeg", ".png", ".webp"})


def attachment_store(*, by, name: str, data: bytes, allowed: frozenset[str] | None = None) -> Attachment:
    """Validate and store one file. Raises ServiceError naming the file and the problem.
    `allowed` narrows the accepted extensions (e.g. IMAGE_TYPES for photos)."""
    name, ext = upload_check(name=name, data=data, allowed=allowed)
    digest = hashlib.sha256(data).hexdigest()
    att = Attachment(original_name=name[:255], content_type=CONTENT_TYPES.get(ext, "application/octet-stream"),
                     size=len(data), sha256=digest, uploaded_by=by, uploaded_at=clock.now())
    att.file.save(f"{digest[:16]}{ext}", ContentFile(data), save=False)
    att.save()
    return att


def upload_check(*, name: str, data: bytes, allowed: frozenset[str] | None = None) -> tuple[str, str]:
    """(clean file name, extension) of an acceptable upload; ServiceError naming the file otherwise."""
    name = os.path.basename(name or "").strip() or "附件"  # stored file name: data, stays Chinese
    ext = os.path.splitext(name)[1].lower()
    kinds = ALLOWED.keys() & allowed if allowed is not None else ALLOWED.keys()
    if ext not in kinds:
        raise ServiceError(_("文件“%(name)s”的类型不允许上传。允许：%(allowed)s。")
                           % {"name": name, "allowed": "、".join(sorted(e[1:] for e in kinds))}, field="files")
    if not data:
        raise ServiceError(_("文件“%(name)s”是空的。") % {"name": name}, field="files")
    limit = settings.LUOSHI_UPLOAD_MAX_BYTES
    if len(data) > limit:
        raise ServiceError(_("文件“%(name)s”大小为 %(size)s，超过上限 %(limit)s。")
                           % {"name": name, "size": human_size(len(data)), "limit": human_size(limit)}, field="files")
    magics = ALLOWED[ext]
    if magics and not any(data.startswith(m) for m in magics):
        raise ServiceError(_("文件“%(name)s”的内容与扩展名 %(ext)s 不符，可能已损坏或被改名。") % {"name": name, "ext": ext},
                           field="files")
    if ext in IMAGE_TYPES or ext == ".gif":
        from .images import UnreadableImage, image_check

        try:
            image_check(data, ext)
        except UnreadableImage as e:
            raise ServiceError(_("图片“%(name)s”：%(problem)s") % {"name": name, "problem": e}, field="files") from e
    elif ext in (".docx", ".xlsx", ".pptx", ".ofd", ".zip") and not _is_zip(data):
        raise ServiceError(_("文件“%(name)s”的内容与扩展名 %(ext)s 不符，可能已损坏或被改名。") % {"name": name, "ext": ext},
                           field="files")
    return name, ext


def _is_zip(data: bytes) -> bool:
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)):  # the central directory parses: a real zip container
            return True
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
