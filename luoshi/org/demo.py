"""Building blocks shared by the apps' demo modules (luoshi.demo loads them in order): the demo password,
the demo account record, a unit by its path of names, and a synthetic site photo."""
from __future__ import annotations

import io
import random
from dataclasses import dataclass

from .models import Unit

DEMO_PASSWORD = "luoshi-demo"


@dataclass
class Account:
    username: str
    full_name: str
    role: str
    unit_path: str  # "崂山区/区委办公室"
    title: str = ""
    note: str = ""


def unit_at(path: str) -> Unit:
    """The unit at a path of names, e.g. "青岛市/崂山区/中韩街道"."""
    unit = None
    for part in path.split("/"):
        unit = Unit.objects.get(parent=unit, name=part)
    assert unit is not None
    return unit


def demo_photo(color: tuple[int, int, int], rng: random.Random) -> bytes:
    """An 800×600 JPEG of a plain colour with darker blocks: one synthetic-photo maker for every demo."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (800, 600), color)
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = rng.randint(0, 760), rng.randint(0, 560)
        draw.rectangle([x, y, x + rng.randint(20, 160), y + rng.randint(20, 120)],
                       fill=tuple(max(0, c - rng.randint(20, 80)) for c in color))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70)
    return buf.getvalue()
