"""Reasons the system writes into rows (a task's 状态说明 "已逾期3天", a project's light reason) in the reader's language.

Such a reason is computed once (by the daily job, or a service) and stored in Chinese, the language of the record,
of Word bulletins and of search. A page in English must still not show it in Chinese, so the code that writes a
reason registers the template it writes it from (`reason_templates_register("已逾期%(days)s天", …)`, each template
also marked for translation); `reason_text(stored)` finds the template the stored text was written from and
renders the translated template with the same values. Parts joined by "；" (or "，") are read one by one. A text that matches
no template (typed by a person) is shown as it is."""
from __future__ import annotations

import re

from django.utils.translation import get_language, gettext

_TEMPLATES: list[tuple[re.Pattern[str], str]] = []
_KNOWN: set[str] = set()
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _pattern(template: str) -> re.Pattern[str]:
    parts, names = [], []
    pos = 0
    for m in PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[pos:m.start()].replace("%%", "%")))
        name = m.group(1)
        parts.append(f"(?P<{name}>.+?)" if name not in names else f"(?P={name})")
        names.append(name)
        pos = m.end()
    parts.append(re.escape(template[pos:].replace("%%", "%")))
    return re.compile("^" + "".join(parts) + "$")


def reason_templates_register(*templates: str) -> None:
    """Chinese templates ("已逾期%(days)s天", or a fixed text "已办结") that stored reasons are written from."""
    for t in templates:
        if t not in _KNOWN:
            _KNOWN.add(t)
            _TEMPLATES.append((_pattern(t), t))


def _match(text: str) -> str | None:
    for pattern, template in _TEMPLATES:
        m = pattern.match(text)
        if m:
            return gettext(template) % m.groupdict() if m.groupdict() else gettext(template)
    return None


def _one(text: str) -> str:
    """One reason; several joined by "，" (an escalation's conditions) are read one by one when the whole is none."""
    whole = _match(text)
    if whole is not None:
        return whole
    if "，" in text:
        parts = [_match(p) for p in text.split("，")]
        if all(p is not None for p in parts):
            return ", ".join(p for p in parts if p is not None)
    return text


def reason_text(stored: str | None) -> str:
    """A stored reason in the active language (as it is in Chinese)."""
    if not stored or (get_language() or "zh").startswith("zh"):
        return stored or ""
    return "; ".join(_one(part) for part in stored.split("；"))
