"""Chinese numerals, read and written with cn2an: the 序号 of a task sheet (十二、 （二十一）), months and quarters
in deadline phrases (十二月底前, 第三季度), and the ordinals of a 公文 ((十二) → （十二）).

cn2an is imported on first use: importing it takes about half a second, which a process that never meets a
Chinese numeral should not pay."""
from __future__ import annotations

import re

# Whole numbers only: cn2an also reads 负一 and 一点五, which no caller wants.
_CHINESE_INTEGER = re.compile(r"[零〇一二两三四五六七八九十百千]+")


def parse_int(text: str) -> int | None:
    """"12", "十二", "二十一", "一百零一" → the number; None when `text` is not a whole number written in ASCII
    digits or Chinese numerals (so "十十" or "二二" is not read as anything)."""
    text = text.strip()
    if text.isascii() and text.isdigit():
        return int(text)
    if not _CHINESE_INTEGER.fullmatch(text):
        return None
    import cn2an

    try:
        # strict mode refuses malformed numerals; it knows 零 but not 〇, and 两 only before a unit (两百)
        value = cn2an.cn2an(text.replace("〇", "零").replace("两", "二"), "strict")
    except ValueError:
        return None
    return int(value)


def to_chinese(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一: the ordinal a 公文 writes in （一）; from 100 on (and for 0 or less)
    Arabic digits, as offices write long lists."""
    if not 1 <= n <= 99:
        return str(n)
    import cn2an

    return cn2an.an2cn(n)


_LEADING_ORDINAL = re.compile(r"^\s*[（(]?\s*([零〇一二两三四五六七八九十百千]+|\d+)\s*[)）]?\s*[、.．]?")


def ordinal_key(text: str) -> tuple[int, str]:
    """A sort key that follows a heading's leading ordinal — "一、…" < "二、…" < "十一、…", "(三)" after "(二)" — and
    puts headings without one after them in text order: how a 清单's categories are listed (not 一、三、二、四 as
    plain text sorts them)."""
    m = _LEADING_ORDINAL.match(text or "")
    n = parse_int(m.group(1)) if m else None
    return (n if n is not None else 10**6, text or "")
