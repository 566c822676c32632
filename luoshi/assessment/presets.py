"""Assessment presets (presets/assessment/*.yaml, `kind: scheme`): an indicator scheme validated by
`scheme_parse` and stored by `scheme_save`, so a preset is loaded exactly like a scheme an office uploads.
Loading the same file twice changes nothing; loading an edited file makes a new version (or replaces the
text of a version no round has used yet)."""
from __future__ import annotations

from django.utils.translation import gettext as _

from .models import Scheme
from .scheme import scheme_parse
from .services import scheme_save


def load_scheme(*, by, text: str, source: str, **_kw) -> dict:
    """Store the scheme in `text`. Returns the scheme, its current version, and whether anything changed
    ("created": a new scheme; "new_version": a new version; "unchanged": the same text was there)."""
    definition = scheme_parse(text, source=source)
    existing = Scheme.objects.filter(code=definition.code).first()
    latest = existing.current_version if existing else None
    if latest is not None and latest.source == text:
        return {"scheme": existing, "version": latest, "created": False, "new_version": False, "unchanged": True}
    scheme, version, new_version = scheme_save(by=by, text=text, source=source,
                                               note=_("由预置文件 %(source)s 加载") % {"source": source})
    return {"scheme": scheme, "version": version, "created": existing is None,
            "new_version": new_version and existing is not None, "unchanged": False}


def scheme_preset_summary(result: dict) -> str:
    v = result["version"]
    state = _("未变化") if result["unchanged"] else _("新建") if result["created"] else _("已更新")
    return _("指标体系“%(name)s”第%(number)s版：%(state)s。") % {
        "name": result["scheme"].name, "number": v.number, "state": state}
