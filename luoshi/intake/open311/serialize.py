"""Our models as Open311 GeoReport v2 records (plain dicts in the spec's field order; render.py writes them).

Status: Open311 knows only open and closed. `open` = 待派单/待签收/退单待改派/办理中 (models.OPEN_STATES);
`closed` = 待回访 (the unit has answered) and 已办结. A 重办 turns a request open again. The finer state goes in
`status_notes`: for an open request its stage (退单 shows as 待派单: the back-and-forth between the centre and
units is internal), for an answered one the latest public answer, masked.

Nothing here reads a personal field: rows come from selectors.public_requests() (requester fields deferred);
free text (description, address, the answer) goes through `public_text`.
"""
from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from ..models import OPEN_STATES, Outcome, Request, RequestState, ServiceCategory
from ..selectors import public_text as _mask

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# when this facade (the discovery document) last changed: a sortable time in the past, as the spec asks
CHANGESET = "2026-11-30T00:00:00+08:00"
public_text = _mask  # phone, ID numbers and e-mail addresses masked (core.privacy)


def w3c(value: dt.datetime | None) -> str | None:
    """2026-11-30T09:00:00+08:00: the server's time zone, to the second."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def service_type() -> str:
    return "batch" if getattr(settings, "LUOSHI_OPEN311_SERVICE_TYPE", "realtime") == "batch" else "realtime"


def keywords(text: str) -> str:
    return ",".join(w for w in re.split(r"[,，、;；\s]+", text or "") if w)


def service_notice(category: ServiceCategory) -> str:
    return _("派单后 %(n)s 个工作日内办结答复") % {"n": category.limit_days}


def service(category: ServiceCategory) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or "",
        "metadata": bool(category.attributes),
        "type": service_type(),
        "keywords": keywords(category.keywords),
        "group": category.group,
    }


def service_definition(category: ServiceCategory) -> dict:
    attrs = []
    for a in sorted(category.attributes or [], key=lambda a: a.get("order") or 0):
        attr = {
            "variable": bool(a.get("variable", True)),
            "code": str(a["code"]),
            "datatype": a.get("datatype", "string"),
            "required": bool(a.get("required", False)),
            "datatype_description": a.get("datatype_description") or "",
            "order": int(a.get("order") or 0) or None,
            "description": a.get("description") or "",
        }
        if attr["datatype"] in ("singlevaluelist", "multivaluelist"):
            attr["values"] = [{"key": str(v["key"]), "name": str(v["name"])} for v in a.get("values") or []]
        attrs.append(attr)
    return {"service_code": category.code, "attributes": attrs}


def status(request: Request) -> str:
    return "open" if request.state in OPEN_STATES else "closed"


_OPEN_NOTES = {
    RequestState.RECEIVED: gettext_lazy("已受理，待派单"),
    RequestState.RETURNED: gettext_lazy("已受理，待派单"),
    RequestState.DISPATCHED: gettext_lazy("已派单，待承办单位签收"),
    RequestState.HANDLING: gettext_lazy("承办单位办理中"),
}


def status_notes(request: Request) -> str:
    if request.state in OPEN_STATES:
        note = _OPEN_NOTES[request.state]
        if request.state == RequestState.HANDLING and request.reopen_count:
            note = _("重办中")
        return str(note)
    answer = public_text(request.reply_text)
    if answer:
        return answer
    if request.state == RequestState.REPLIED:
        return _("已答复，待回访")
    return str(Outcome(request.outcome).label) if request.outcome else _("已办结")


def _coarse(value):
    """A coordinate to 3 decimals (about 100 m): enough to find the lamp post or the pothole, not enough to
    point at the requester's door when a noise complaint was sent from home."""
    return None if value is None else round(float(value), 3)


def service_request(request: Request) -> dict:
    """One request. `request` comes from public_requests().select_related("category", "lead_unit")."""
    closed = request.state == RequestState.CLOSED
    return {
        "service_request_id": str(request.pk),
        "status": status(request),
        "status_notes": status_notes(request),
        "service_name": request.category.name,
        "service_code": request.category.code,
        "description": public_text(request.description),
        "agency_responsible": request.lead_unit.name if request.lead_unit_id else None,
        "service_notice": service_notice(request.category),
        "requested_datetime": w3c(request.received_at),
        "updated_datetime": w3c(request.closed_at if closed and request.closed_at else request.updated_at),
        "expected_datetime": w3c(request.due_at),
        "address": public_text(request.address),
        "address_id": None,
        "zipcode": None,
        "lat": _coarse(request.lat),
        "long": _coarse(request.lng),
        "media_url": None,
    }


def discovery(url: str) -> dict:
    contact = getattr(settings, "LUOSHI_OPEN311_CONTACT", "") or _("%(site)s 诉求受理中心") % {
        "site": settings.LUOSHI_SITE_NAME}
    return {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": _("api_key 由受理中心发放（luoshi intake_apikey --name 名称 --channel 渠道代码），"
                         "仅提交诉求（POST requests）需要。"),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": url,
            "changeset": CHANGESET,
            "type": getattr(settings, "LUOSHI_OPEN311_ENDPOINT_TYPE", "production"),
            "formats": ["text/xml", "application/json"],
        }],
    }
