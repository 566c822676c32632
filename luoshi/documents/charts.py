"""Charts as PNG images for Word and PDF documents, drawn with Pillow.

Pages draw their charts with ECharts; documents get the same numbers as pictures. The palette is
ECharts' default so a bulletin looks like the dashboard it comes from. Chinese text needs a CJK font on
the server (Debian: fonts-wqy-microhei); without one the chart refuses with a message saying so.
"""
from __future__ import annotations

import functools
import io
import math
import shutil
import subprocess
from pathlib import Path

from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from luoshi.core.errors import ServiceError

__all__ = ["CJKFontMissing", "PALETTE", "bar_chart_png", "cjk_font_path"]

PALETTE = ("#5470C6", "#91CC75", "#EE6666", "#FAC858", "#73C0DE", "#3BA272", "#FC8452", "#9A60B4")
INK = "#333333"
MUTED = "#6E7079"
GRID = "#E0E6F1"
AXIS = "#6E7079"

KNOWN_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
FC_PATTERNS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", ":lang=zh")


class CJKFontMissing(ServiceError):
    """No font on this server can draw Chinese."""


def _draws_chinese(path: str) -> bool:
    """True when the font has real glyphs for Chinese (fc-match falls back to any font, e.g. DejaVu)."""
    try:
        font = ImageFont.truetype(path, 32)
    except OSError:
        return False
    # A font without the glyphs draws every missing character as the same box.
    masks = [bytes(font.getmask(ch)) for ch in ("中", "国", "\u0378")]
    return bool(masks[0]) and len(set(masks)) == 3


def _fc_match(pattern: str) -> str | None:
    if shutil.which("fc-match") is None:
        return None
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


@functools.lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """The file of an installed font that can draw Chinese, or None."""
    candidates = [_fc_match(p) for p in FC_PATTERNS] + list(KNOWN_PATHS)
    seen = set()
    for path in candidates:
        if not path or path in seen:
            continue
        seen.add(path)
        if Path(path).is_file() and _draws_chinese(path):
            return path
    return None


def _font_or_fail():
    path = cjk_font_path()
    if path is None:
        raise CJKFontMissing(_("服务器上没有可显示中文的字体，无法生成图表。请管理员安装中文字体后重试"
                               "（Debian/Ubuntu：apt-get install fonts-wqy-microhei）。"))
    return functools.partial(ImageFont.truetype, path)


def _nice_ticks(top: int, want: int = 5) -> tuple[int, int]:
    """(step, axis maximum) with a round step such as 1, 2, 5, 10, 20, 50 …"""
    if top <= 0:
        return 1, want
    raw = top / want
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next((m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw), 10 * magnitude)
    step = max(1, int(step))
    return step, step * math.ceil(top / step)


def _text_width(draw, text: str, font) -> float:
    return draw.textlength(text, font=font)


def _fit_label(draw, text: str, font, width: float) -> str:
    """The label cut with “…” to fit `width` pixels."""
    if _text_width(draw, text, font) <= width:
        return text
    while text and _text_width(draw, text + "…", font) > width:
        text = text[:-1]
    return text + "…"


def _wrap_label(draw, text: str, font, width: float, lines: int = 2) -> list[str]:
    """Break a Chinese label into at most `lines` lines of `width` pixels (the last one cut with “…”)."""
    out, rest = [], text
    while rest and len(out) < lines - 1:
        n = len(rest)
        while n > 1 and _text_width(draw, rest[:n], font) > width:
            n -= 1
        out.append(rest[:n])
        rest = rest[n:]
    if rest:
        out.append(_fit_label(draw, rest, font, width))
    return out


def _fmt(value: int) -> str:
    return f"{value:,}" if abs(value) >= 10000 else str(value)


def bar_chart_png(*, title: str, categories: list[str], series: list[tuple[str, list[int]]],
                  width_px: int = 1600, height_px: int = 900, horizontal: bool | None = None,
                  colors: list[str] | None = None, value_format=None) -> bytes:
    """A grouped bar chart: one group of bars per category, one bar per series, with a legend and the
    value written at each bar. Horizontal bars (categories down the left) when there are many categories
    or long names, unless `horizontal` says otherwise. Sizes scale with `width_px`; at the default
    1600 px the text stays readable when the picture is 15 cm wide in Word. Values may be decimals
    (floats) when `value_format` writes them, e.g. ``lambda v: f"{v:.2f}"``; the axis keeps whole steps."""
    for name, values in series:
        if len(values) != len(categories):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(categories)} categories")
    if width_px < 200 or height_px < 150:
        raise ValueError("chart too small")
    make_font = _font_or_fail()
    fmt = value_format or _fmt
    colors = list(colors or PALETTE)
    if horizontal is None:
        horizontal = len(categories) > 8 or any(len(c) > 6 for c in categories)

    # At 1600 px across 15 cm one point is about 3.8 px: labels are about 8.5 pt, values and axis 7 pt.
    scale = width_px / 1600
    title_font = make_font(max(12, round(42 * scale)))
    label_font = make_font(max(10, round(32 * scale)))
    small_font = make_font(max(9, round(26 * scale)))
    pad = round(32 * scale)

    image = Image.new("RGB", (width_px, height_px), "white")
    draw = ImageDraw.Draw(image)

    # title
    y = pad
    if title:
        tw = _text_width(draw, title, title_font)
        draw.text(((width_px - tw) / 2, y), title, font=title_font, fill=INK)
        y += title_font.size + round(pad * 0.6)

    # legend, centred, one line (wraps to more lines if it must)
    swatch = round(label_font.size * 0.9)
    gap = round(label_font.size * 1.2)
    items = [(name, colors[i % len(colors)]) for i, (name, _values) in enumerate(series)]
    lines, line, line_w = [], [], 0.0
    for name, color in items:
        w = swatch + label_font.size * 0.4 + _text_width(draw, name, label_font)
        if line and line_w + gap + w > width_px - 2 * pad:
            lines.append((line, line_w))
            line, line_w = [], 0.0
        line_w += (gap if line else 0) + w
        line.append((name, color, w))
    if line:
        lines.append((line, line_w))
    for line, line_w in lines:
        x = (width_px - line_w) / 2
        for name, color, w in line:
            top = y + (label_font.size - swatch) / 2 + 2
            draw.rectangle([x, top, x + swatch, top + swatch], fill=color)
            draw.text((x + swatch + label_font.size * 0.4, y), name, font=label_font, fill=INK)
            x += w + gap
        y += round(label_font.size * 1.5)
    y += round(pad * 0.4)

    plot_top, plot_bottom = y, height_px - pad
    values_max = max((v for _name, values in series for v in values), default=0)
    step, axis_max = _nice_ticks(values_max)

    if not categories or not series:
        msg = "暂无数据"
        draw.text(((width_px - _text_width(draw, msg, label_font)) / 2, (plot_top + plot_bottom) / 2), msg,
                  font=label_font, fill=MUTED)
        return _png(image)

    n_series = len(series)
    if horizontal:
        label_w = min(max(_text_width(draw, c, label_font) for c in categories), width_px * 0.28)
        left = pad + label_w + round(pad * 0.5)
        value_room = _text_width(draw, fmt(axis_max) + "0", small_font)
        right = width_px - pad - value_room
        bottom = plot_bottom - small_font.size - round(pad * 0.4)   # room for the axis numbers
        span = right - left
        # grid and axis numbers
        for k in range(0, axis_max + 1, step):
            x = left + span * k / axis_max
            draw.line([(x, plot_top), (x, bottom)], fill=GRID if k else AXIS, width=max(1, round(2 * scale)))
            text = _fmt(k)
            draw.text((x - _text_width(draw, text, small_font) / 2, bottom + round(pad * 0.2)), text,
                      font=small_font, fill=MUTED)
        band = (bottom - plot_top) / len(categories)
        bar = band * 0.8 / n_series
        value_font = make_font(max(9, round(22 * scale), min(small_font.size, round(bar))))
        for i, cat in enumerate(categories):
            top = plot_top + band * i + band * 0.1
            text = _fit_label(draw, cat, label_font, label_w)
            draw.text((left - round(pad * 0.5) - _text_width(draw, text, label_font),
                       plot_top + band * i + (band - label_font.size) / 2 - 2), text, font=label_font, fill=INK)
            for s, (_name, values) in enumerate(series):
                v = values[i]
                y0 = top + bar * s
                x1 = left + span * v / axis_max
                if v:
                    draw.rectangle([left, y0, x1, y0 + bar - 1], fill=colors[s % len(colors)])
                draw.text((x1 + round(6 * scale), y0 + (bar - value_font.size) / 2 - 1), fmt(v), font=value_font,
                          fill=INK)
    else:
        axis_w = _text_width(draw, _fmt(axis_max), small_font)
        left = pad + axis_w + round(pad * 0.4)
        right = width_px - pad
        band = (right - left) / len(categories)
        label_lines = [_wrap_label(draw, c, label_font, band * 0.95) for c in categories]
        n_lines = max(len(lines) for lines in label_lines)
        bottom = plot_bottom - n_lines * round(label_font.size * 1.2) - round(pad * 0.3)
        top_room = small_font.size + round(pad * 0.3)  # values written above the tallest bars
        span = bottom - (plot_top + top_room)
        for k in range(0, axis_max + 1, step):
            yk = bottom - span * k / axis_max
            draw.line([(left, yk), (right, yk)], fill=GRID if k else AXIS, width=max(1, round(2 * scale)))
            text = _fmt(k)
            draw.text((left - round(pad * 0.3) - _text_width(draw, text, small_font), yk - small_font.size / 2 - 2),
                      text, font=small_font, fill=MUTED)
        bar = band * 0.7 / n_series
        value_font = make_font(max(9, min(small_font.size, round(bar / max(1, len(_fmt(values_max))) * 1.6))))
        for i, lines in enumerate(label_lines):
            x0 = left + band * i + band * 0.15
            for j, text in enumerate(lines):
                draw.text((left + band * i + (band - _text_width(draw, text, label_font)) / 2,
                           bottom + round(pad * 0.3) + j * round(label_font.size * 1.2)), text, font=label_font,
                          fill=INK)
            for s, (_name, values) in enumerate(series):
                v = values[i]
                xs = x0 + bar * s
                y1 = bottom - span * v / axis_max
                if v:
                    draw.rectangle([xs, y1, xs + bar - 1, bottom], fill=colors[s % len(colors)])
                text = fmt(v)
                draw.text((xs + (bar - _text_width(draw, text, value_font)) / 2, y1 - value_font.size - 4), text,
                          font=value_font, fill=INK)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(254, 254))
    return out.getvalue()
