"""Request photos in the background: resized copies without metadata are written, then the upload (with its
EXIF and GPS) is deleted."""
from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django_tasks import task

from luoshi.core import clock


def schedule_processing(photo_ids: list[int]) -> None:
    def enqueue():
        for pk in photo_ids:
            process_request_photo.enqueue(pk)

    transaction.on_commit(enqueue)


@task()
def process_request_photo(photo_id: int) -> str:
    return request_photo_process(photo_id)


def request_photo_process(photo_id: int) -> str:
    from luoshi.core.images import UnreadableImage, image_variants

    from .models import RequestPhoto

    photo = RequestPhoto.objects.filter(pk=photo_id).first()
    if photo is None or photo.processed_at:
        return "done"
    try:
        with photo.original.open("rb") as f:
            outputs = image_variants(f.read())
    except (UnreadableImage, FileNotFoundError, ValueError) as e:
        photo.process_error = f"无法读取图片：{e}"[:200]
        outputs = None
    if outputs:
        stem = f"r{photo.request_id}-{photo.pk}"
        photo.display.save(f"{stem}-d.jpg", ContentFile(outputs["display"][0]), save=False)
        photo.thumb.save(f"{stem}-t.jpg", ContentFile(outputs["thumb"][0]), save=False)
        photo.width, photo.height = outputs["display"][1]
        photo.process_error = ""
    if photo.original:
        photo.original.delete(save=False)  # the upload carried EXIF (GPS): it does not stay
    photo.processed_at = clock.now()
    photo.save()
    return "ok" if outputs else "error"
