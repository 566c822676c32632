"""Masking personal data in text that may reach the public (descriptions written by staff can carry a
phone number or an ID number)."""
from __future__ import annotations

import re

MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[-—－ ]?(\d{3,4})(\d{4})(?!\d)")
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@(?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,}")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")


def mask_phone(text: str) -> str:
    """13812341234 → 138****1234."""
    return MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text or "")


def mask_personal(text: str) -> str:
    """Phone numbers, 居民身份证号 and e-mail addresses masked; everything else unchanged."""
    text = EMAIL.sub("***@***", text or "")
    text = ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(3)}", text)
    text = mask_phone(text)
    return LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)
