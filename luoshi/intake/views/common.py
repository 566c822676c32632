"""What the staff and the public request forms share: reading photos and category attributes from the
POST, turning a ServiceError into field errors, and the JSON answers for forms sent by script."""
from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

from luoshi.core.errors import ServiceError
from luoshi.core.files import human_size

from .. import services


def wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def read_photos(request, field: str = "photos") -> list[tuple[str, bytes]]:
    """The uploaded photos, refused before reading when there are too many or one is too large (so a
    phone's 4 × 20 MB never sits in memory); types are checked by content in the service."""
    files = request.FILES.getlist(field)
    if len(files) > services.MAX_PHOTOS:
        raise ServiceError(_("最多上传 %(n)s 张照片，您选择了 %(m)s 张。") % {"n": services.MAX_PHOTOS, "m": len(files)},
                           field="photos")
    limit = settings.LUOSHI_UPLOAD_MAX_BYTES
    for f in files:
        if f.size > limit:
            raise ServiceError(_("文件“%(name)s”大小为 %(size)s，超过上限 %(limit)s。") % {
                "name": f.name, "size": human_size(f.size), "limit": human_size(limit)}, field="photos")
    return [(f.name, f.read()) for f in files]


def attribute_groups(categories, data=None, errors=None) -> list[dict]:
    """The extra fields (Open311 attributes) of each category, with what was posted. Field names carry the
    category (attr-<pk>-<code>) so two categories may use the same code."""
    errors = errors or {}
    groups = []
    for c in categories:
        if not c.attributes:
            continue
        fields = []
        for a in sorted(c.attributes, key=lambda a: a.get("order", 0)):
            if not a.get("variable", True):
                continue
            name = f"attr-{c.pk}-{a['code']}"
            multi = a.get("datatype") == "multivaluelist"
            value = (data.getlist(name) if multi else data.get(name, "")) if data is not None else ([] if multi else "")
            fields.append({"name": name, "label": a.get("description") or a["code"], "datatype": a.get("datatype", "string"),
                           "required": bool(a.get("required")), "help": a.get("datatype_description", ""),
                           "values": a.get("values") or [], "value": value, "errors": errors.get(name, [])})
        if fields:
            groups.append({"category": c.pk, "name": c.name, "fields": fields})
    return groups


def attributes_posted(category, data) -> dict:
    out = {}
    for a in category.attributes or []:
        name = f"attr-{category.pk}-{a['code']}"
        if a.get("datatype") == "multivaluelist":
            values = [v for v in data.getlist(name) if v]
            if values:
                out[a["code"]] = values
        else:
            value = (data.get(name) or "").strip()
            if value:
                out[a["code"]] = value
    return out


def field_of(error_field: str | None, category=None) -> str | None:
    """The form field a service's error belongs to."""
    if not error_field:
        return None
    if error_field == "files":
        return "photos"
    if error_field.startswith("attribute[") and category is not None:
        return f"attr-{category.pk}-{error_field[len('attribute['):-1]}"
    return error_field


def form_errors(form) -> dict[str, list[str]]:
    return {field: [str(e) for e in errs] for field, errs in form.errors.items()}


def json_fail(message: str, errors: dict | None = None, status: int = 400) -> JsonResponse:
    return JsonResponse({"ok": False, "message": message, "errors": errors or {}}, status=status)
