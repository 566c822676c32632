"""Writes of the 工单 workflow. Each function checks permission, changes the request in one transaction,
adds a timeline event and a journal entry, and tells the people who must act.

Time limits (one clock, core.workdays):
- 派单 within category.dispatch_hours of 受理; 签收 within category.sign_hours of 派单 (clock hours);
- 回复 within category.limit_days working days of 派单 — the day of 派单 is not counted, so a request
  dispatched on the Friday before 国庆 is due on the working days after the holiday; a re-dispatch after
  退单 or a 重办 starts a new limit; an approved 延期 adds working days to the limit;
- 回访 within settings.revisit_days working days of 回复; unanswered, settings.no_answer applies.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from luoshi.core import clock, workdays
from luoshi.core.bulk import insert_rows, object_rows, pks_by
from luoshi.core.models import JournalEntry
from luoshi.core.errors import ServiceError
from luoshi.core.files import IMAGE_TYPES, upload_check
from luoshi.core.journal import journal_entry, journal_record, journal_record_many
from luoshi.core.language import Text
from luoshi.core.notify import notify_people
from luoshi.core.permissions import require
from luoshi.core.validation import clean_text
from luoshi.org.lookups import path_within
from luoshi.org.models import Role, RoleGrant, Unit, UnitKind
from luoshi.org.scopes import ancestor_paths, scope_for

from . import permissions as perms
from .config import intake_settings
from . import tallies
from .models import (Channel, DecisionState, DispatchRule, DispatchTarget, EventKind, ExtensionRequest, Outcome,
                     PhotoStage, Request, RequestAssist, RequestEvent, RequestKind, RequestPhoto, RequestState,
                     RevisitRule, ServiceCategory)
from .text import keywords_of

MAX_PHOTOS = 3
MAX_DESCRIPTION = 4000
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out over the phone
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{5,8})$")


def new_code(n: int = 10) -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _i in range(n))


# ---- helpers ------------------------------------------------------------------------------------------

def _event(request: Request, kind: str, by, now: dt.datetime, text: str = "", *, unit: Unit | None = None,
           public: bool = False, **data) -> RequestEvent:
    return RequestEvent.objects.create(request=request, kind=kind, at=now, actor=by if getattr(by, "pk", None) else None,
                                       unit=unit, text=text, data=data, public=public)


def _journal(by, verb: str, request: Request, changes=None, reason: str = "") -> None:
    journal_record(actor=by, verb=verb, obj=request, changes=changes or {}, reason=reason,
                   scope_path=request.unit_path or request.region_path)


def people_with(role: str, path: str, *, exact: bool = False) -> set[int]:
    """People holding `role` over the unit at `path` (on it, or on an ancestor unless exact)."""
    paths = [path] if exact else ancestor_paths(path)
    return set(RoleGrant.objects.filter(role=role, unit__path__in=paths).values_list("person_id", flat=True))


def _tell(person_ids, kind: str, title: Text, body: Text, url: str, key: str) -> None:
    """Told after the commit: a refused or rolled-back step sends nothing. A title or body given as a function is
    written in each recipient's language (core.language)."""
    if person_ids:
        transaction.on_commit(lambda: notify_people(person_ids, kind=kind, title=title, body=body, url=url,
                                                    dedup_key=key))


def _url(request: Request) -> str:
    return f"/requests/{request.pk}/"


def _tell_unit(request: Request, kind: str, title: Text, key: str) -> None:
    _tell(people_with(Role.LIAISON, request.unit_path, exact=True), kind, title, request.title, _url(request), key)


def _tell_dispatchers(request: Request, kind: str, title: Text, key: str) -> None:
    _tell(people_with(Role.DISPATCHER, request.region_path), kind, title, request.title, _url(request), key)


def _save(request: Request, now: dt.datetime, *fields: str) -> None:
    """Every change of a request is saved here: the cockpit's monthly counts change with it (intake.tallies)."""
    request.updated_at = now
    with transaction.atomic(), tallies.tracking(request):
        request.save(update_fields=[*fields, "updated_at"])


def _require_state(request: Request, *states: str) -> None:
    if request.state not in states:
        raise ServiceError(_("工单 %(n)s 当前为“%(state)s”，不能进行此操作。")
                           % {"n": request.number, "state": request.get_state_display()})


# ---- photos -------------------------------------------------------------------------------------------

def check_photos(files) -> list[tuple[str, bytes]]:
    """Validate every photo before anything is written (type by content, size, count)."""
    files = list(files or [])
    if len(files) > MAX_PHOTOS:
        raise ServiceError(_("最多上传 %(n)s 张照片，您选择了 %(m)s 张。") % {"n": MAX_PHOTOS, "m": len(files)}, field="photos")
    out = []
    for name, data in files:
        try:
            clean, _ext = upload_check(name=name, data=data, allowed=IMAGE_TYPES)
        except ServiceError as e:
            raise ServiceError(e.message, field="photos") from e
        out.append((clean, data))
    return out


def _store_photos(request: Request, stage: str, files: list[tuple[str, bytes]], now: dt.datetime) -> list[RequestPhoto]:
    photos = []
    for name, data in files:
        photo = RequestPhoto(request=request, stage=stage, uploaded_at=now)
        ext = name.rsplit(".", 1)[-1].lower()
        photo.original.save(f"{new_code(16)}.{ext}", ContentFile(data), save=False)
        photo.save()
        photos.append(photo)
    if photos:
        from .photos import schedule_processing

        schedule_processing([p.pk for p in photos])
    return photos


# ---- 受理 -----------------------------------------------------------------------------------------------

@dataclass
class RequestInput:
    category: ServiceCategory
    description: str
    channel: Channel
    address: str = ""
    lat: object = None
    lng: object = None
    area: Unit | None = None
    name: str = ""
    phone: str = ""
    email: str = ""
    anonymous: bool = False
    attributes: dict = field(default_factory=dict)
    external_id: str = ""
    kind: str = ""
    # 受理时间 when it was received elsewhere (batch import from another channel); None = now
    received_at: dt.datetime | None = None


def _check_location(data: RequestInput):
    from decimal import Decimal, InvalidOperation

    lat = lng = None
    if data.lat not in (None, "") or data.lng not in (None, ""):
        try:
            lat, lng = Decimal(str(data.lat)), Decimal(str(data.lng))
        except (InvalidOperation, ValueError):
            raise ServiceError(_("坐标须为数字（纬度、经度）。"), field="lat")
        if not (lat.is_finite() and lng.is_finite()):
            raise ServiceError(_("坐标须为数字（纬度、经度）。"), field="lat")
        if not (Decimal(-90) <= lat <= Decimal(90)) or not (Decimal(-180) <= lng <= Decimal(180)):
            raise ServiceError(_("坐标超出范围：纬度 −90～90，经度 −180～180。"), field="lat")
        lat, lng = lat.quantize(Decimal("0.000001")), lng.quantize(Decimal("0.000001"))
    return lat, lng


_street_names: dict[str, tuple[float, list[tuple[str, int]]]] = {}


def _streets_by_name(centre: Unit | None) -> list[tuple[str, int]]:
    """(name, unit id) of every active 镇街 under the centre, longest name first; read once per process every
    few minutes (the POST path of a busy hotline should not read the unit tree each time)."""
    import time

    key = centre.path if centre is not None else ""
    cached = _street_names.get(key)
    if cached is not None and time.monotonic() - cached[0] < 300:
        return cached[1]
    streets = Unit.objects.filter(kind=UnitKind.STREET, is_active=True)
    if centre is not None:
        streets = streets.filter(path__within=[centre.path])
    names: dict[str, int] = {}
    for pk, name, short in streets.values_list("id", "name", "short_name"):
        for text in (name, short, name.removesuffix("街道").removesuffix("镇")):
            if text and len(text) >= 2:
                names.setdefault(text, pk)
    ordered = sorted(names.items(), key=lambda item: -len(item[0]))
    _street_names[key] = (time.monotonic(), ordered)
    return ordered


def area_from_address(address: str, centre: Unit | None) -> Unit | None:
    """The 镇街 whose name (or short name) appears in the address, inside the centre's subtree; the longest
    matching name wins (流亭街道 before 流亭)."""
    if not address:
        return None
    for name, pk in _streets_by_name(centre):
        if name in address:
            return Unit.objects.filter(pk=pk).first()
    return None


def check_attributes(category: ServiceCategory, given: dict) -> dict:
    """Open311 attributes of the category: required ones present, list values among the allowed keys."""
    out = {}
    given = given or {}
    if not isinstance(given, dict):
        raise ServiceError(_("附加项须为“编码: 值”的形式。"), field="attributes")
    for attr in category.attributes or []:
        if not attr.get("variable", True):
            continue
        code = attr["code"]
        value = given.get(code)
        if value in (None, "", []):
            if attr.get("required"):
                raise ServiceError(_("请填写“%(label)s”。") % {"label": attr["description"]}, field=f"attribute[{code}]")
            continue
        keys = {v["key"] for v in attr.get("values") or []}
        if attr["datatype"] == "singlevaluelist":
            if isinstance(value, list):
                if len(value) != 1:
                    raise ServiceError(_("“%(label)s”只能选一项。") % {"label": attr["description"]},
                                       field=f"attribute[{code}]")
                value = value[0]
            if not isinstance(value, (str, int)) or str(value) not in keys:
                raise ServiceError(_("“%(label)s”的取值“%(value)s”不在可选项中。") % {"label": attr["description"], "value": value},
                                   field=f"attribute[{code}]")
            value = str(value)
        elif attr["datatype"] == "multivaluelist":
            value = value if isinstance(value, list) else [value]
            bad = [v for v in value if not isinstance(v, (str, int)) or str(v) not in keys]
            if bad:
                raise ServiceError(_("“%(label)s”的取值“%(value)s”不在可选项中。") % {"label": attr["description"], "value": bad[0]},
                                   field=f"attribute[{code}]")
            value = [str(v) for v in value]
        elif attr["datatype"] == "number":
            try:
                if isinstance(value, bool) or not math.isfinite(float(value)):
                    raise ValueError
            except (TypeError, ValueError):
                raise ServiceError(_("“%(label)s”须为数字。") % {"label": attr["description"]}, field=f"attribute[{code}]")
        else:
            value = str(value)
            if len(value) > 500:
                raise ServiceError(_("“%(label)s”最多 500 字，现有 %(n)s 字。") % {"label": attr["description"], "n": len(value)},
                                   field=f"attribute[{code}]")
        out[code] = value
    unknown = set(given) - {a["code"] for a in category.attributes or []}
    if unknown:
        raise ServiceError(_("类别“%(cat)s”没有附加项“%(code)s”。") % {"cat": category.name, "code": sorted(unknown)[0]},
                           field=f"attribute[{sorted(unknown)[0]}]")
    return out


@dataclass(frozen=True)
class CheckedRequest:
    """A request that passed every check of request_submit and waits to be written (request_write)."""
    data: RequestInput
    description: str
    address: str
    lat: object
    lng: object
    name: str
    phone: str
    email: str
    external_id: str
    attributes: dict
    files: list
    area: Unit | None
    received_at: dt.datetime | None


def request_check(*, data: RequestInput, photos=()) -> CheckedRequest:
    """Every check of 受理, without writing anything (an import checks all its rows this way, outside the
    transaction that writes them). ServiceError naming the field otherwise."""
    if not data.category.is_active:
        raise ServiceError(_("诉求类别“%(name)s”已停用。") % {"name": data.category.name}, field="category")
    if not data.channel.is_active:
        raise ServiceError(_("受理渠道“%(name)s”已停用。") % {"name": data.channel.name}, field="channel")
    description = clean_text(data.description, _("诉求内容"), "description", limit=MAX_DESCRIPTION)
    address = clean_text(data.address, _("地址"), "address", limit=200, required=False)
    lat, lng = _check_location(data)
    name = clean_text(data.name, _("姓名"), "name", limit=50, required=False)
    phone = re.sub(r"[\s-]", "", data.phone or "")
    if phone and not PHONE.match(phone):
        raise ServiceError(_("联系电话“%(phone)s”格式不对：手机号为 11 位，座机如 0532-88886666。") % {"phone": data.phone},
                           field="phone")
    email = (data.email or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ServiceError(_("电子邮箱“%(email)s”格式不对。") % {"email": email}, field="email")
        if len(email) > 100:
            raise ServiceError(_("电子邮箱最多 100 个字符。"), field="email")
    if data.kind and data.kind not in RequestKind.values:
        raise ServiceError(_("诉求类型“%(kind)s”不存在。") % {"kind": data.kind}, field="kind")
    external_id = clean_text(data.external_id, _("外部编号"), "external_id", limit=60, required=False)
    attributes = check_attributes(data.category, data.attributes)
    files = check_photos(photos)
    settings_row = intake_settings()
    area = data.area or area_from_address(address, settings_row.centre)
    if area is None and settings_row.centre is None:
        raise ServiceError(_("尚未配置诉求受理中心（请先导入派单目录）。"))
    if data.received_at is not None and data.received_at > clock.now():
        raise ServiceError(_("受理时间不能晚于现在。"), field="received_at")
    return CheckedRequest(data=data, description=description, address=address, lat=lat, lng=lng, name=name,
                          phone=phone, email=email, external_id=external_id, attributes=attributes, files=files,
                          area=area, received_at=data.received_at)


def request_submit(*, data: RequestInput, photos=(), by=None) -> Request:
    """受理: from the public site (by=None), a hotline operator, an import or the Open311 API."""
    return request_write(checked=request_check(data=data, photos=photos), by=by)


def _request_row(checked: CheckedRequest, *, received: dt.datetime, now: dt.datetime, centre: Unit | None) -> Request:
    """The unsaved row of a checked request (request_write saves one, request_write_many thousands at once)."""
    data, area = checked.data, checked.area
    return Request(
        tracking_code=new_code(), channel=data.channel, category=data.category,
        kind=data.kind or data.category.kind, title=_title(checked.description), description=checked.description,
        keywords=" ".join(keywords_of(checked.description)), attributes=checked.attributes,
        address=checked.address, lat=checked.lat, lng=checked.lng,
        area=area, region_path=(area or centre).path, requester_name=checked.name,
        requester_phone=checked.phone, requester_email=checked.email, anonymous=bool(data.anonymous),
        external_id=checked.external_id,
        received_at=received, dispatch_due=received + dt.timedelta(hours=data.category.dispatch_hours),
        updated_at=now)


def _received_changes(checked: CheckedRequest, received: dt.datetime) -> dict:
    data, area = checked.data, checked.area
    changes = {"channel": data.channel.code, "category": data.category.code, "area": area.pk if area else None}
    if data.received_at is not None:
        changes |= {"received_at": received, "external_id": checked.external_id}
    return changes


def request_write(*, checked: CheckedRequest, by=None) -> Request:
    """Write a request that request_check accepted: the row, its first event, its photos and the journal."""
    data = checked.data
    now = clock.now()
    received = checked.received_at or now
    with transaction.atomic():
        request = _request_row(checked, received=received, now=now, centre=intake_settings().centre)
        request.save(force_insert=True)
        tallies.apply_delta(tallies.contribution(tallies.row_of(request), satisfied_from=tallies.satisfied_threshold()))
        _event(request, EventKind.RECEIVED, by, received, _("已受理（%(channel)s）") % {"channel": data.channel.name},
               public=True, channel=data.channel.code)
        _store_photos(request, PhotoStage.SUBMITTED, checked.files, now)
        _journal(by, "request.submit", request, _received_changes(checked, received))
        # no message per new request: at hotline volume (hundreds an hour) the 待派单 queue, with its
        # dispatch-deadline countdown, is the dispatcher's inbox; messages are for what is returned or late
    return request


@dataclass
class PreparedRequests:
    """Checked requests turned into the values of their rows (request_rows_prepare), outside any transaction:
    the keyword segmentation and the value conversions cost milliseconds a row, which the write transaction
    should not hold. Only the requests' keys are missing, filled in by request_write_many."""
    tracking_codes: list[str]
    request_columns: list[str]
    request_rows: list[list]
    event_columns: list[str]
    event_rows: list[list]
    journal_columns: list[str]
    journal_rows: list[list]
    numbers: list[tuple[str, str]]  # (day received, title) of each request: its journal text once its key is known


def request_rows_prepare(*, checked: list[CheckedRequest], by=None) -> PreparedRequests:
    """The rows request_write_many writes for `checked` (no photos): the same rows, first events and journal
    entries request_write writes for each, built without touching the database."""
    if any(c.files for c in checked):
        raise ValueError("a batch of requests carries no photos")
    now = clock.now()
    centre = intake_settings().centre
    actor = by if getattr(by, "pk", None) else None
    received = [c.received_at or now for c in checked]
    requests = [_request_row(c, received=at, now=now, centre=centre) for c, at in zip(checked, received)]
    events = [RequestEvent(request_id=0, kind=EventKind.RECEIVED, at=at, actor=actor,
                           text=_("已受理（%(channel)s）") % {"channel": c.data.channel.name},
                           data={"channel": c.data.channel.code}, public=True)
              for c, at in zip(checked, received)]
    entries = [journal_entry(actor=by, verb="request.submit", obj=r, changes=_received_changes(c, at),
                             scope_path=r.unit_path or r.region_path, at=now)
               for r, c, at in zip(requests, checked, received)]
    return PreparedRequests([r.tracking_code for r in requests], *object_rows(Request, requests),
                            *object_rows(RequestEvent, events), *object_rows(JournalEntry, entries),
                            [(clock.localtime(at).strftime("%Y%m%d"), r.title) for r, at in zip(requests, received)])


def request_write_many(*, prepared: PreparedRequests) -> list[int]:
    """Write prepared requests set-based — a few multi-row INSERTs instead of ~8 statements a row — so the
    caller's one transaction (all rows or none) holds SQLite's write lock briefly (ADR 0028). Returns the new
    requests' ids in order. The caller holds the transaction."""
    p = prepared
    insert_rows(Request, p.request_columns, p.request_rows)
    pks = pks_by(Request, "tracking_code", p.tracking_codes)
    ids = [pks[code] for code in p.tracking_codes]
    request_at = p.event_columns.index("request_id")
    for row, pk in zip(p.event_rows, ids):
        row[request_at] = pk
    insert_rows(RequestEvent, p.event_columns, p.event_rows)
    id_at, repr_at = p.journal_columns.index("object_id"), p.journal_columns.index("object_repr")
    for row, pk, (day, title) in zip(p.journal_rows, ids, p.numbers):
        row[id_at], row[repr_at] = str(pk), f"{day}-{pk:07d} {title}"[:255]  # as str(request)
    insert_rows(JournalEntry, p.journal_columns, p.journal_rows)
    # the cockpit's monthly counts, in the same transaction: grouped reads of the new rows (bounded id lists)
    satisfied_from, delta = tallies.satisfied_threshold(), Counter()
    for start in range(0, len(ids), 5000):
        delta.update(tallies.counts_of(Request.objects.filter(pk__in=ids[start:start + 5000]),
                                       satisfied_from=satisfied_from))
    tallies.apply_delta(delta)
    return ids


def _title(description: str) -> str:
    first = re.split(r"[。！？!?\n]", description.strip(), maxsplit=1)[0].strip() or description.strip()
    return (first[:40] + "…") if len(first) > 40 else first


# ---- 派单 -----------------------------------------------------------------------------------------------

def dispatch_suggest(request: Request) -> tuple[Unit | None, list[Unit], DispatchRule | None]:
    """The lead unit (and assisting units) the first matching rule proposes."""
    rules = DispatchRule.objects.select_related("category", "area", "unit").prefetch_related("assist_units")
    for rule in rules:
        if rule.category_id and rule.category_id != request.category_id:
            continue
        if rule.category_group and rule.category_group != request.category.group:
            continue
        if rule.area_id and not (request.area and path_within(request.area.path, [rule.area.path])):
            continue
        if rule.target == DispatchTarget.AREA:
            if request.area is None:
                continue
            lead = request.area
        else:
            lead = rule.unit
        return lead, [u for u in rule.assist_units.all() if u.pk != lead.pk], rule
    return None, [], None


def request_dispatch(*, by, request: Request, unit: Unit, assist=(), note: str = "", lock: bool = False) -> Request:
    """派单 (or 改派 after 退单). `lock` = 审定派单: the unit may not return it again."""
    scope = scope_for(by)
    require(perms.can_dispatch(scope, request), _("只有该区域的受理派单员可以派单。"))
    _require_state(request, RequestState.RECEIVED, RequestState.RETURNED)
    if not unit.is_active:
        raise ServiceError(_("单位“%(name)s”已停用。") % {"name": unit.name}, field="unit")
    assist = [u for u in assist if u.pk != unit.pk]
    now = clock.now()
    with transaction.atomic():
        before = {"lead_unit": request.lead_unit_id, "state": request.state}
        request.state = RequestState.DISPATCHED
        request.lead_unit, request.unit_path = unit, unit.path
        request.dispatched_at = now
        request.sign_due = now + dt.timedelta(hours=request.category.sign_hours)
        request.due_at = workdays.deadline_after(now, request.category.limit_days)
        request.signed_at = request.signed_on_time = None
        request.extension_days = 0
        request.return_locked = bool(lock)
        _save(request, now, "state", "lead_unit", "unit_path", "dispatched_at", "sign_due", "due_at", "signed_at",
              "signed_on_time", "extension_days", "return_locked")
        RequestAssist.objects.filter(request=request).delete()
        RequestAssist.objects.bulk_create([RequestAssist(request=request, unit=u, unit_path=u.path) for u in assist])
        request._assist_paths = [u.path for u in assist]
        _event(request, EventKind.DISPATCHED, by, now, _("派至 %(unit)s") % {"unit": unit.name}, unit=unit, public=True,
               assist=[u.name for u in assist], note=note, locked=bool(lock))
        _journal(by, "request.dispatch", request, {"lead_unit": [before["lead_unit"], unit.pk],
                                                    "assist": [u.pk for u in assist], "state": [before["state"], request.state]},
                 reason=note)
        _tell_unit(request, "request_dispatched", lambda: _("新派工单，请签收：%(t)s") % {"t": request.title},
                   f"req-dispatch-{request.pk}-{now.timestamp():.0f}")
        for u in assist:
            _tell(people_with(Role.LIAISON, u.path, exact=True), "request_assist",
                  lambda: _("协办工单：%(t)s") % {"t": request.title},
                  request.title, _url(request), f"req-assist-{request.pk}-{u.pk}-{now.timestamp():.0f}")
    return request


def request_close_invalid(*, by, request: Request, outcome: str, reason: str, duplicate_of: Request | None = None) -> Request:
    """不予受理 / 重复诉求: closed by the dispatcher before dispatch, with a reason the requester sees."""
    scope = scope_for(by)
    require(perms.can_dispatch(scope, request), _("只有该区域的受理派单员可以办理。"))
    _require_state(request, RequestState.RECEIVED, RequestState.RETURNED)
    if outcome not in (Outcome.INVALID, Outcome.DUPLICATE):
        raise ServiceError(_("结果只能是“不予受理”或“重复诉求”。"), field="outcome")
    reason = clean_text(reason, _("理由"), "reason", limit=500)
    if outcome == Outcome.DUPLICATE:
        if duplicate_of is None or duplicate_of.pk == request.pk:
            raise ServiceError(_("请指明与哪一件工单重复。"), field="duplicate_of")
    now = clock.now()
    with transaction.atomic():
        request.state, request.outcome, request.closed_at = RequestState.CLOSED, outcome, now
        request.duplicate_of = duplicate_of if outcome == Outcome.DUPLICATE else None
        request.reply_text = reason
        _save(request, now, "state", "outcome", "closed_at", "duplicate_of", "reply_text")
        _event(request, EventKind.CLOSED, by, now, reason, public=True, outcome=outcome,
               duplicate_of=duplicate_of.pk if duplicate_of else None)
        _journal(by, "request.close_invalid", request, {"outcome": outcome}, reason=reason)
    return request


# ---- 签收 / 退单 ------------------------------------------------------------------------------------------

def request_sign(*, by, request: Request) -> Request:
    scope = scope_for(by)
    require(perms.is_lead(scope, request), _("只有承办单位的联络员可以签收。"))
    _require_state(request, RequestState.DISPATCHED)
    now = clock.now()
    with transaction.atomic():
        request.state, request.signed_at = RequestState.HANDLING, now
        request.signed_on_time = now <= request.sign_due
        _save(request, now, "state", "signed_at", "signed_on_time")
        _event(request, EventKind.SIGNED, by, now, _("%(unit)s 已签收") % {"unit": request.lead_unit.name},
               unit=request.lead_unit, public=True, on_time=request.signed_on_time)
        _journal(by, "request.sign", request, {"state": [RequestState.DISPATCHED, request.state]})
    return request


def request_return(*, by, request: Request, reason: str, suggested_unit: Unit | None = None) -> Request:
    """退单: the lead unit sends it back to the dispatcher with a reason, within settings.return_hours of 派单
    and not after a 审定派单."""
    scope = scope_for(by)
    require(perms.is_lead(scope, request), _("只有承办单位的联络员可以退单。"))
    _require_state(request, RequestState.DISPATCHED, RequestState.HANDLING)
    reason = clean_text(reason, _("退单理由"), "reason", limit=500)
    if request.return_locked:
        raise ServiceError(_("该工单已由受理中心审定派单，不能再退单；如有异议请在办理记录中说明。"))
    now = clock.now()
    limit = intake_settings().return_hours
    if now > request.dispatched_at + dt.timedelta(hours=limit):
        raise ServiceError(_("退单须在派单后 %(h)s 小时内提出，已超过时限。") % {"h": limit})
    unit = request.lead_unit
    with transaction.atomic():
        request.state = RequestState.RETURNED
        request.lead_unit, request.unit_path = None, ""
        request.dispatched_at = request.sign_due = request.due_at = None
        request.signed_at = request.signed_on_time = None
        _save(request, now, "state", "lead_unit", "unit_path", "dispatched_at", "sign_due", "due_at", "signed_at",
              "signed_on_time")
        RequestAssist.objects.filter(request=request).delete()
        # a 延期 the returning unit asked for must not move the next unit's limit
        request.extensions.filter(state=DecisionState.PENDING).update(
            state=DecisionState.REFUSED, decided_at=now, note=_("已退单，延期申请不再审批"))
        _event(request, EventKind.RETURNED, by, now, reason, unit=unit,
               suggested_unit=suggested_unit.name if suggested_unit else "")
        _journal(by, "request.return", request, {"lead_unit": [unit.pk, None]}, reason=reason)
        _tell_dispatchers(request, "request_returned", lambda: _("%(unit)s 退单：%(t)s") % {"unit": unit.name, "t": request.title},
                          f"req-return-{request.pk}-{now.timestamp():.0f}")
    return request


# ---- 办理 / 回复 ------------------------------------------------------------------------------------------

def request_note(*, by, request: Request, text: str, photos=()) -> RequestEvent:
    """办理记录 by the lead or an assisting unit (internal; the requester does not see it)."""
    scope = scope_for(by)
    lead, assist = perms.is_lead(scope, request), perms.is_assist(scope, request)
    require(lead or assist or perms.can_dispatch(scope, request), _("只有承办、协办单位或受理中心可以填写办理记录。"))
    _require_state(request, RequestState.DISPATCHED, RequestState.HANDLING, RequestState.REPLIED)
    text = clean_text(text, _("办理情况"), "text", limit=2000)
    files = check_photos(photos)
    now = clock.now()
    unit = request.lead_unit if lead else (by.unit if assist else None)
    with transaction.atomic():
        event = _event(request, EventKind.NOTE, by, now, text, unit=unit, role="lead" if lead else ("assist" if assist else "centre"))
        _store_photos(request, PhotoStage.REPLY, files, now)
        _save(request, now)
        _journal(by, "request.note", request, {"text": text[:200]})
    return event


def request_reply(*, by, request: Request, text: str, photos=()) -> Request:
    """回复: the lead unit's answer to the requester; opens the 回访 (a rating link with its own token)."""
    scope = scope_for(by)
    require(perms.is_lead(scope, request), _("只有承办单位的联络员可以回复。"))
    _require_state(request, RequestState.HANDLING)
    text = clean_text(text, _("答复内容"), "text", limit=2000)
    files = check_photos(photos)
    now = clock.now()
    settings_row = intake_settings()
    with transaction.atomic():
        request.state = RequestState.REPLIED
        request.replied_at, request.replied_on_time = now, now <= request.due_at
        request.reply_text = text
        request.rating_token = new_code(20)
        request.revisit_due = workdays.deadline_after(now, settings_row.revisit_days)
        _save(request, now, "state", "replied_at", "replied_on_time", "reply_text", "rating_token", "revisit_due")
        _event(request, EventKind.REPLIED, by, now, text, unit=request.lead_unit, public=True,
               on_time=request.replied_on_time)
        _store_photos(request, PhotoStage.REPLY, files, now)
        _journal(by, "request.reply", request, {"state": [RequestState.HANDLING, request.state],
                                                 "on_time": request.replied_on_time})
        _mail_rating_link(request)
    return request


def rating_url(request: Request) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.LUOSHI_PUBLIC_URL + reverse("portal_request_rate", args=[request.tracking_code, request.rating_token])


def _mail_rating_link(request: Request) -> None:
    """A requester who left an e-mail address gets the answer and the rating link (after the commit; a dead
    mail server does not undo the reply). Without one, the dispatcher sends the link by SMS or calls."""
    if not request.requester_email:
        return
    from django.core.mail import EmailMessage, get_connection

    subject = _("【诉求答复】%(t)s") % {"t": request.title}
    body = _("您反映的诉求（工单号 %(n)s）已由%(unit)s答复：\n\n%(reply)s\n\n问题是否解决？请在 %(days)s 个工作日内评价：%(url)s\n"
             "如不满意，诉求将退回重新办理。") % {"n": request.number, "unit": request.lead_unit.name, "reply": request.reply_text,
                                      "days": intake_settings().revisit_days, "url": rating_url(request)}
    to = [request.requester_email]

    def send():
        try:
            EmailMessage(subject=subject, body=body, to=to, connection=get_connection(fail_silently=True)).send()
        except Exception:  # noqa: BLE001 - the reply is saved; the link is also on the tracking page
            pass

    transaction.on_commit(send)


# ---- 回访 / 重办 / 办结 ------------------------------------------------------------------------------------

def request_rate(*, request: Request, satisfaction: int, resolved: bool | None, comment: str = "",
                 token: str = "", by=None, reopen: bool = True) -> Request:
    """回访: the requester rates through the link (token), or a dispatcher records a phone 回访 (by).
    Unsatisfied (below settings.satisfied_from) and under the 重办 limit → 重办 to the same unit with a new time
    limit; otherwise 办结."""
    if by is not None:
        require(perms.can_dispatch(scope_for(by), request), _("只有受理派单员可以记录电话回访。"))
        source = "phone"
    else:
        if not token or not secrets.compare_digest(str(token).encode(), (request.rating_token or "").encode()):
            raise ServiceError(_("评价链接无效或已过期。"))
        source = "requester"
    _require_state(request, RequestState.REPLIED)
    try:
        satisfaction = int(satisfaction)
    except (TypeError, ValueError):
        satisfaction = 0
    if not 1 <= satisfaction <= 5:
        raise ServiceError(_("请选择满意程度（1～5）。"), field="satisfaction")
    comment = clean_text(comment, _("评价意见"), "comment", limit=500, required=False)
    settings_row = intake_settings()
    now = clock.now()
    unsatisfied = satisfaction < settings_row.satisfied_from
    with transaction.atomic():
        request.satisfaction, request.resolved, request.rating_comment = satisfaction, resolved, comment
        request.rated_at, request.rating_source, request.rating_token = now, source, ""
        fields = ["satisfaction", "resolved", "rating_comment", "rated_at", "rating_source", "rating_token"]
        _event(request, EventKind.RATED, by, now, comment, public=True, satisfaction=satisfaction, resolved=resolved,
               source=source)
        if unsatisfied and reopen and request.reopen_count < settings_row.max_reopen:
            _reopen(request, by, now, fields)
        else:
            request.state, request.closed_at = RequestState.CLOSED, now
            request.outcome = Outcome.UNSATISFIED if unsatisfied else Outcome.SATISFIED
            fields += ["state", "closed_at", "outcome"]
            _event(request, EventKind.CLOSED, by, now, request.get_outcome_display(), public=True, outcome=request.outcome)
        _save(request, now, *fields)
        _journal(by, "request.rate", request, {"satisfaction": satisfaction, "resolved": resolved, "source": source,
                                                "state": request.state})
    return request


def _reopen(request: Request, by, now: dt.datetime, fields: list[str]) -> None:
    request.state = RequestState.HANDLING
    request.reopen_count += 1
    request.due_at = workdays.deadline_after(now, request.category.limit_days)
    request.replied_at = request.replied_on_time = request.revisit_due = None
    fields += ["state", "reopen_count", "due_at", "replied_at", "replied_on_time", "revisit_due"]
    _event(request, EventKind.REOPENED, by, now, _("诉求人不满意，第 %(n)s 次重办") % {"n": request.reopen_count},
           unit=request.lead_unit, public=True, reopen=request.reopen_count)
    _tell_unit(request, "request_reopened", lambda: _("工单重办：%(t)s") % {"t": request.title},
               f"req-reopen-{request.pk}-{request.reopen_count}")


def revisits_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Daily: 回访 past its deadline with no answer → settings.no_answer."""
    now = now or clock.now()
    settings_row = intake_settings()
    due = Request.objects.filter(state=RequestState.REPLIED, revisit_due__lt=now)
    count = 0
    if settings_row.no_answer == RevisitRule.OFFICE:
        return {"closed": 0, "waiting_phone": due.count()}
    for request in due.select_related("category", "lead_unit").iterator(chunk_size=500):
        with transaction.atomic():
            request.state, request.closed_at, request.rating_source, request.rating_token = RequestState.CLOSED, now, "rule", ""
            if settings_row.no_answer == RevisitRule.SATISFIED:
                request.outcome, request.satisfaction, request.rated_at = Outcome.SATISFIED, 4, now
            else:
                request.outcome = Outcome.UNRATED
            _save(request, now, "state", "closed_at", "rating_source", "rating_token", "outcome", "satisfaction", "rated_at")
            _event(request, EventKind.CLOSED, None, now, _("回访期限内未评价：%(rule)s") % {
                "rule": settings_row.get_no_answer_display()}, public=True, outcome=request.outcome, rule=settings_row.no_answer)
            _journal(None, "request.close_unrated", request, {"rule": settings_row.no_answer})
            count += 1
    return {"closed": count, "waiting_phone": 0}


# ---- 延期 ----------------------------------------------------------------------------------------------

def extension_ask(*, by, request: Request, days: int, reason: str) -> ExtensionRequest:
    scope = scope_for(by)
    require(perms.is_lead(scope, request), _("只有承办单位的联络员可以申请延期。"))
    _require_state(request, RequestState.HANDLING)
    reason = clean_text(reason, _("延期理由"), "reason", limit=1000)
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 30:
        raise ServiceError(_("延期天数须为 1～30 个工作日。"), field="days")
    now = clock.now()
    if now >= request.due_at:
        raise ServiceError(_("延期须在办理时限（%(due)s）之前申请，已超过时限。")
                           % {"due": clock.localtime(request.due_at - dt.timedelta(seconds=1)).strftime("%Y-%m-%d")})
    if request.extensions.filter(state=DecisionState.PENDING).exists():
        raise ServiceError(_("已有一份延期申请在审批中。"))
    with transaction.atomic():
        ext = ExtensionRequest.objects.create(request=request, unit=request.lead_unit, asked_by=by, asked_at=now,
                                              days=days, reason=reason)
        _event(request, EventKind.EXTENSION_ASKED, by, now, reason, unit=request.lead_unit, days=days)
        _save(request, now)
        _journal(by, "request.extension_ask", request, {"days": days}, reason=reason)
        _tell_dispatchers(request, "request_extension", lambda: _("延期申请待审批：%(t)s") % {"t": request.title},
                          f"req-ext-{ext.pk}")
    return ext


def extension_decide(*, by, extension: ExtensionRequest, approve: bool, note: str = "") -> ExtensionRequest:
    request = extension.request
    require(perms.can_dispatch(scope_for(by), request), _("只有受理派单员可以审批延期。"))
    if extension.state != DecisionState.PENDING:
        raise ServiceError(_("该延期申请已审批。"))
    note = clean_text(note, _("不同意的理由") if not approve else _("审批意见"), "note", limit=300, required=not approve)
    now = clock.now()
    with transaction.atomic():
        extension.state = DecisionState.APPROVED if approve else DecisionState.REFUSED
        extension.decided_by, extension.decided_at, extension.note = by, now, note
        extension.save()
        changes = {"approve": approve}
        if approve and request.state == RequestState.HANDLING:
            old_due = request.due_at
            # the limit ends at 24:00 of its last day: count the added working days after that day
            request.due_at = workdays.deadline_after(old_due - dt.timedelta(microseconds=1), extension.days)
            request.extension_days += extension.days
            _save(request, now, "due_at", "extension_days")
            changes["due_at"] = [old_due, request.due_at]
        _event(request, EventKind.EXTENSION_DECIDED, by, now, note, unit=extension.unit, public=approve,
               approve=approve, days=extension.days)
        _journal(by, "request.extension_decide", request, changes, reason=note)
        _tell_unit(request, "request_extension_decided",
                   lambda: (_("延期已同意：%(t)s") if approve else _("延期未同意：%(t)s")) % {"t": request.title},
                   f"req-extd-{extension.pk}")
    return extension


# ---- 催办 / 督办 -------------------------------------------------------------------------------------------

def request_urge(*, by, request: Request, note: str, supervise: bool = False) -> Request:
    """催办 (a reminder) or 督办 (a formal supervision notice, recorded on the request)."""
    scope = scope_for(by)
    require(perms.can_dispatch(scope, request) or scope.covers(request.region_path, Role.OFFICE),
            _("只有受理中心或办公室可以催办、督办。"))
    _require_state(request, RequestState.DISPATCHED, RequestState.HANDLING)
    note = clean_text(note, _("催办意见"), "note", limit=500)
    now = clock.now()
    with transaction.atomic():
        if supervise:
            request.supervised_at = now
            _save(request, now, "supervised_at")
        else:
            _save(request, now)
        _event(request, EventKind.SUPERVISED if supervise else EventKind.URGED, by, now, note, unit=request.lead_unit)
        _journal(by, "request.supervise" if supervise else "request.urge", request, {}, reason=note)
        _tell_unit(request, "request_urged", lambda: (_("督办：%(t)s") if supervise else _("催办：%(t)s")) % {"t": request.title},
                   f"req-urge-{request.pk}-{now.timestamp():.0f}")
    return request


def overdue_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Daily: an open request past its time limit and not yet supervised gets a 督办 by the system, and the
    unit and the dispatchers are told."""
    now = now or clock.now()
    # once per time limit: a 督办 recorded before the current limit (an earlier limit, before 改派, 重办 or 延期)
    # does not stop the next one
    overdue = (Request.objects.filter(state__in=(RequestState.DISPATCHED, RequestState.HANDLING), due_at__lt=now)
               .filter(Q(supervised_at__isnull=True) | Q(supervised_at__lt=F("due_at")))
               .select_related("lead_unit", "category"))
    count = 0
    for request in overdue.iterator(chunk_size=500):
        with transaction.atomic():
            request.supervised_at = now
            _save(request, now, "supervised_at")
            _event(request, EventKind.SUPERVISED, None, now, _("超过办理时限，系统自动督办"), unit=request.lead_unit)
            _journal(None, "request.supervise", request, {"auto": True})
            _tell_unit(request, "request_overdue",
                       lambda request=request: _("工单已超期，已督办：%(t)s") % {"t": request.title}, f"req-overdue-{request.pk}")
        count += 1
    return {"supervised": count}


# ---- 个人信息保留期 -----------------------------------------------------------------------------------------

def personal_purge(*, now: dt.datetime | None = None) -> int:
    """Closed requests older than settings.retention_days lose the requester's name, phone and e-mail."""
    now = now or clock.now()
    cutoff = now - dt.timedelta(days=intake_settings().retention_days)
    stale = Request.objects.filter(state=RequestState.CLOSED, closed_at__lt=cutoff, personal_purged_at__isnull=True
                                   ).filter(~Q(requester_name="") | ~Q(requester_phone="") | ~Q(requester_email=""))
    ids = list(stale.values_list("pk", flat=True)[:50000])
    if not ids:
        return 0
    with transaction.atomic():
        Request.objects.filter(pk__in=ids).update(requester_name="", requester_phone="", requester_email="",
                                                  personal_purged_at=now)
        RequestEvent.objects.bulk_create([RequestEvent(request_id=pk, kind=EventKind.PURGED, at=now,
                                                       text=_("已按保留期限清除诉求人个人信息")) for pk in ids])
        settings_row = intake_settings()
        journal_record(actor=None, verb="request.purge_personal", obj=settings_row,
                       changes={"count": len(ids), "cutoff": cutoff}, scope_path=settings_row.centre.path if settings_row.centre else "")
    return len(ids)
