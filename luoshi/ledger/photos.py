"""Photos: the upload stores the original at once; resizing and stripping metadata (EXIF, with its GPS)
happen in the background worker, so a phone's 8 MB picture never holds up a request."""
from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django_tasks import task

from luoshi.core import clock
from luoshi.core.images import DISPLAY_EDGE, THUMB_EDGE  # noqa: F401  (re-exported for callers and tests)


def schedule_processing(photo_ids: list[int]) -> None:
    """After the upload's transaction commits, queue one job per photo."""
    def enqueue():
        for pk in photo_ids:
            process_photo.enqueue(pk)

    transaction.on_commit(enqueue)


@task()
def process_photo(photo_id: int) -> str:
    return photo_process(photo_id)


def photo_process(photo_id: int) -> str:
    """Write the display and thumbnail copies: oriented as taken, no metadata, JPEG."""
    from luoshi.core.images import UnreadableImage, image_variants

    from .models import FindingPhoto

    photo = FindingPhoto.objects.select_related("original").get(pk=photo_id)
    if photo.processed_at:
        return "done"
    try:
        with photo.original.file.open("rb") as f:
            outputs = image_variants(f.read())
    except UnreadableImage as e:
        photo.process_error = f"无法读取图片：{e}"[:200]
        photo.processed_at = clock.now()
        photo.save(update_fields=["process_error", "processed_at"])
        return "error"
    stem = photo.original.sha256[:16]
    photo.display.save(f"{stem}-d.jpg", ContentFile(outputs["display"][0]), save=False)
    photo.thumb.save(f"{stem}-t.jpg", ContentFile(outputs["thumb"][0]), save=False)
    photo.width, photo.height = outputs["display"][1]
    photo.processed_at = clock.now()
    photo.process_error = ""
    photo.save(update_fields=["display", "thumb", "width", "height", "processed_at", "process_error"])
    return "ok"
