"""More ledger fixtures and helpers for the service, scoping, escalation, photo, view and portal tests, on top
of luoshi/ledger/tests/conftest.py (ledger_program, categories, inspector, findings).

- ``inspector2``: 李核验, a second member of 第一督导组 with no role: verifies what 陈督导 recorded.
- ``jpeg`` / ``png`` / ``noise_jpeg``: real image bytes made with Pillow (EXIF, GPS and orientation on demand).
- ``notes(person, kind)``: the in-app notifications a person got.
- ``journal(obj, verb)``: the journal entries of one object.

Import with ``from .fixtures_ledger import *`` (the fixtures are then found by pytest in that module).
"""
from __future__ import annotations

import io
import random

import pytest

from luoshi.core.models import JournalEntry, Notification
from luoshi.ledger.models import InspectionGroup, LedgerConfig

__all__ = ["inspector2", "jpeg", "png", "noise_jpeg", "gps_exif", "notes", "journal", "set_ladder",
           "FULL_LADDER", "exif_of", "record"]

# The ladder of the issue: warning at 3 days overdue; interview at 7 days or a repeat within 30 days of closure
# (recorded); criticism when the interview was confirmed and still 14 days overdue, or when the unit already had
# two interviews confirmed in 90 days and this one is 7 days overdue.
FULL_LADDER = [
    {"key": "warning", "name": "预警提醒", "when": [{"overdue_days": 3}], "notify": ["unit"]},
    {"key": "interview", "name": "约谈", "when": [{"overdue_days": 7}, {"repeat_within_days": 30}],
     "notify": ["unit", "leader"], "record": True},
    {"key": "criticism", "name": "通报批评",
     "when": [{"after_step": "interview", "overdue_days": 14},
              {"unit_prior": {"step": "interview", "count": 2, "within_days": 90}, "overdue_days": 7}],
     "notify": ["unit", "leader", "office"], "bulletin": True},
]


def set_ladder(program, ladder) -> LedgerConfig:
    config = LedgerConfig.objects.get(program=program)
    config.ladder = ladder
    config.save(update_fields=["ladder"])
    return config


@pytest.fixture
def inspector2(inspector, ledger_program, city):
    from luoshi.org.services import person_create

    person = person_create(by=None, username="inspector2", full_name="李核验", unit=city["office_unit"])
    InspectionGroup.objects.get(program=ledger_program, name="第一督导组").members.add(person)
    return person


# ---- images -----------------------------------------------------------------------------------------

GPS = {1: "N", 2: (36.0, 5.0, 30.5), 3: "E", 4: (120.0, 28.0, 12.25)}  # 崂山, as a phone would write it


def gps_exif(orientation: int | None = None):
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "TestPhone"      # Make
    exif[0x0110] = "Model X"        # Model
    if orientation:
        exif[0x0112] = orientation  # Orientation
    exif[0x8825] = GPS              # GPSInfo IFD
    return exif


def jpeg(width=64, height=48, color=(200, 40, 40), *, exif=None, split=None) -> bytes:
    """A JPEG; `split` = a second colour for the right half (to see which way a rotation went)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), color)
    if split:
        ImageDraw.Draw(img).rectangle([width // 2, 0, width, height], fill=split)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, **({"exif": exif} if exif is not None else {}))
    return buf.getvalue()


def png(width=32, height=32, color=(30, 120, 200, 255)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGBA", (width, height), color).save(buf, "PNG")
    return buf.getvalue()


def noise_jpeg(min_bytes: int, seed: int = 3) -> bytes:
    """A JPEG of random noise at least `min_bytes` long (noise does not compress)."""
    from PIL import Image

    rng = random.Random(seed)
    side = 128
    while True:
        img = Image.frombytes("RGB", (side, side), bytes(rng.getrandbits(8) for _ in range(side * side * 3)))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=95)
        if buf.tell() >= min_bytes:
            return buf.getvalue()
        side *= 2


def exif_of(data: bytes) -> dict:
    from PIL import Image

    return dict(Image.open(io.BytesIO(data)).getexif())


def record(findings, unit="street_a", description="小区门口垃圾堆放未及时清运", *, by=None, photos=(),
           category="环境卫生", **fields):
    """Like ``findings.record`` (the conftest's Ledger helper) but with before-photos [(name, bytes)]."""
    from luoshi.ledger import services

    data = services.FindingInput(unit=findings.unit(unit), description=description,
                                 category=findings.categories[category] if isinstance(category, str) else category,
                                 **fields)
    return services.finding_record(by=by or findings.cast["office"], program=findings.program, data=data,
                                   photos=list(photos))


# ---- records ---------------------------------------------------------------------------------------

def notes(person, kind: str | None = None) -> list[Notification]:
    qs = Notification.objects.filter(recipient=person)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("id"))


def journal(obj, verb: str | None = None) -> list[JournalEntry]:
    qs = JournalEntry.objects.filter(object_id=str(obj.pk), object_type=f"{obj._meta.app_label}.{obj._meta.model_name}")
    if verb:
        qs = qs.filter(verb=verb)
    return list(qs.order_by("at", "id"))
