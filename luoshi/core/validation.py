"""Checks that services share, with messages that name the field."""
from __future__ import annotations

from django.utils.translation import gettext as _

from .errors import ServiceError


def clean_text(value: str, label: str, field: str, *, limit: int, required: bool = True) -> str:
    """The text without surrounding spaces; ServiceError when it is required and empty, or longer than `limit`
    (never cut short: what the user typed is kept or refused, not trimmed)."""
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(_("请填写%(label)s。") % {"label": label}, field=field)
    if len(value) > limit:
        raise ServiceError(_("%(label)s最多 %(limit)s 字，现有 %(n)s 字。") % {"label": label, "limit": limit, "n": len(value)},
                           field=field)
    return value


def too_long(model, field: str, value: str | None) -> str | None:
    """The Chinese message when `value` does not fit `model.field` (its max_length), else None: checked before a
    write, so neither SQLite (which would store it whole) nor PostgreSQL (which refuses with an error) decides."""
    limit = model._meta.get_field(field).max_length
    if value and limit and len(value) > limit:
        label = model._meta.get_field(field).verbose_name
        return _("%(label)s最多 %(limit)s 字，现有 %(n)s 字。") % {"label": label, "limit": limit, "n": len(value)}
    return None
