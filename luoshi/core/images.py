"""Photos as the pages show them: oriented as taken, resized, re-encoded as a fresh JPEG (so no EXIF and no
GPS survive). Used by the background jobs of the ledger and of requests."""
from __future__ import annotations

import io

from django.utils.translation import gettext as _

DISPLAY_EDGE = 1600
THUMB_EDGE = 360


MAX_PIXELS = 60_000_000  # a 50-megapixel phone photo fits; 20000×20000 (a decompression bomb) does not
MAX_EDGE = 16_000
FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP", ".gif": "GIF"}


class UnreadableImage(ValueError):
    """Not a picture we can use; the message is for the user (中文), never a library's object."""


def _limits():
    from PIL import Image

    # PIL's own guard, for every decoder the project runs (uploads and the background jobs): past twice this it
    # raises DecompressionBombError instead of allocating gigabytes
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def image_check(data: bytes, ext: str) -> tuple[int, int]:
    """(width, height) of an uploaded picture, after checking, before it is accepted, that it is the kind its
    name says, that its declared size is within MAX_PIXELS / MAX_EDGE (read from the header, nothing decoded
    yet), and that it decodes (a JPEG header followed by a web page does not). UnreadableImage otherwise."""
    import warnings

    from PIL import Image

    _limits()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            expected = FORMATS.get(ext)
            if expected and image.format != expected:
                raise UnreadableImage(_("内容不是 %(kind)s 图片（实际是 %(actual)s），可能是被改了扩展名的文件。")
                                      % {"kind": expected, "actual": image.format or _("未知格式")})
            if width * height > MAX_PIXELS or max(width, height) > MAX_EDGE:
                raise UnreadableImage(_("图片尺寸 %(w)s×%(h)s 像素过大（最多 %(mp)s 百万像素、边长 %(edge)s 像素）。")
                                      % {"w": width, "h": height, "mp": MAX_PIXELS // 1_000_000, "edge": MAX_EDGE})
            if image.format == "JPEG":
                image.draft("RGB", (DISPLAY_EDGE, DISPLAY_EDGE))  # decode at a fraction of the size: cheap
            image.load()
    except UnreadableImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise UnreadableImage(_("图片尺寸过大（最多 %(mp)s 百万像素、边长 %(edge)s 像素）。")
                              % {"mp": MAX_PIXELS // 1_000_000, "edge": MAX_EDGE}) from e
    except Exception as e:  # PIL raises many kinds (OSError, SyntaxError, struct.error, bomb errors …)
        raise UnreadableImage(_("不是完整有效的图片（无法解码），可能已损坏或不是图片。")) from e
    return width, height


def image_variants(data: bytes) -> dict[str, tuple[bytes, tuple[int, int]]]:
    """{'display': (jpeg, (w, h)), 'thumb': (jpeg, (w, h))}; UnreadableImage when it is not a picture."""
    from PIL import Image, ImageOps

    _limits()
    try:
        image: Image.Image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as e:  # UnidentifiedImageError, OSError, DecompressionBombError …: a clean message
        raise UnreadableImage(_("不是完整有效的图片（无法解码），可能已损坏或不是图片。")) from e
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
