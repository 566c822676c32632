"""The `procedure` preset kind: `luoshi preset load pingdu-nongdi-rushi` stores (or versions) the definition."""
from __future__ import annotations

from django.utils.translation import gettext as _

from .services import definition_load


def procedure_preset_load(*, by, text: str, spec, source: str, year=None) -> dict:
    return definition_load(by=by, text=text, spec=spec, source=source)


def procedure_preset_summary(result: dict) -> str:
    d = result["definition"]
    if result["created"]:
        return _("已加载程序“%(name)s”第 %(v)s 版。") % {"name": d.name, "v": d.version}
    return _("程序“%(name)s”第 %(v)s 版未变。") % {"name": d.name, "v": d.version}
