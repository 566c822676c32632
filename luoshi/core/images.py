"""Photos as the pages show them: oriented as taken, resized, re-encoded as a fresh JPEG (so no EXIF and no
GPS survive). Used by the background jobs of the ledger and of requests."""
from __future__ import annotations

import io

DISPLAY_EDGE = 1600
THUMB_EDGE = 360


class UnreadableImage(ValueError):
    pass


def image_variants(data: bytes) -> dict[str, tuple[bytes, tuple[int, int]]]:
    """{'display': (jpeg, (w, h)), 'thumb': (jpeg, (w, h))}; UnreadableImage when it is not a picture."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image: Image.Image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise UnreadableImage(str(e)) from e
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.convert("RGBA").split()[-1])
        image = background
    outputs = {}
    for name, edge in (("display", DISPLAY_EDGE), ("thumb", THUMB_EDGE)):
        copy = image.copy()
        copy.thumbnail((edge, edge))
        buf = io.BytesIO()
        copy.convert("RGB").save(buf, "JPEG", quality=82, optimize=True)  # a fresh JPEG: no EXIF, no GPS
        outputs[name] = (buf.getvalue(), copy.size)
    return outputs
