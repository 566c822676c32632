"""Settings read from the environment, checked: a switch, a whole number, a "count,seconds" pair or a number of
seconds that is mistyped stops the start with the variable named in Chinese and English, instead of switching a
setting off without a word or failing with Python's own ValueError. config/settings.py reads every LUOSHI_* value
through these; gunicorn.conf.py (read before Django) uses them too."""
from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation
from typing import NoReturn

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})
# what a Chinese keyboard types for the separators
FULL_WIDTH = {",": "，", "/": "／"}


def _refuse(name: str, value: str, expected_zh: str, expected_en: str) -> NoReturn:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"环境变量 {name} 应为{expected_zh}，现在是 {value!r}。"
                               f" {name} must be {expected_en}, not {value!r}.")


def env_bool(name: str, default: bool) -> bool:
    """A switch: 1/true/yes/on or 0/false/no/off (any case; empty is off). A typo such as `ture` used to switch it
    off without a word."""
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    _refuse(name, value, " 1 或 0（也可写 true/false、yes/no、on/off）", "1 or 0 (or true/false, yes/no, on/off)")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """A whole number, at least `minimum` (unset or empty: the default)."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    text = value.strip()
    if not text.isdigit() or int(text) < minimum:
        _refuse(name, value, f"不小于 {minimum} 的整数", f"a whole number ≥ {minimum}")
    return int(text)


def env_count_seconds(name: str, default: tuple[int, int], *, separator: str = ",") -> tuple[int, int]:
    """"count,seconds" (or with another separator, e.g. "10/3600"): two whole numbers ≥ 1."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    parts = [p.strip() for p in value.replace(FULL_WIDTH.get(separator, separator), separator).split(separator)]
    if len(parts) != 2 or not all(p.isdigit() and int(p) >= 1 for p in parts):
        _refuse(name, value, f"“次数{separator}秒数”两个正整数（如 {default[0]}{separator}{default[1]}）",
                f"\"count{separator}seconds\", two whole numbers ≥ 1 (e.g. {default[0]}{separator}{default[1]})")
    return int(parts[0]), int(parts[1])


def env_seconds(name: str, default: float) -> float:
    """A positive number of seconds, fractions allowed (e.g. 2.5)."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        seconds = Decimal(value.strip())
    except InvalidOperation:
        seconds = Decimal(0)
    if not seconds.is_finite() or seconds <= 0:
        _refuse(name, value, "大于 0 的秒数（可带小数，如 2.5）", "a number of seconds > 0 (e.g. 2.5)")
    return float(seconds)
