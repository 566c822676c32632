"""Open311 GeoReport v2 endpoints (/open311/v2/). Thin: parse the parameters, read through
selectors.public_requests() or write through services.request_submit, render with render.py.

Reads never need a key; POST requests needs an api_key (403 otherwise), which decides the channel. Errors use the
spec's document in the format asked for: 404 for something missing, 403 for the key, 400 for the rest; several
problems with one POST are reported together when they can be found before the request is written.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from functools import wraps
from types import SimpleNamespace

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.core.params import FIRST_DAY, LAST_DAY

from ..models import OPEN_STATES, EventKind, Request, RequestEvent, RequestKind, ServiceCategory
from ..selectors import public_requests
from ..services import RequestInput, request_submit
from . import keys, serialize
from .render import JSON_TYPE, XML_TYPE, Open311Error, errors, respond

MAX_ROWS = 1000  # the spec's cap on one answer
MAX_SPAN = dt.timedelta(days=90)  # the spec's longest start_date..end_date range, and the default window
MAX_PAGE = 100_000

# our service errors name our fields; the client knows the Open311 parameters
FIELD_PARAMS = {"category": "service_code", "description": "description", "address": "address_string",
                "lat": "lat/long", "name": "first_name/last_name", "phone": "phone", "email": "email",
                "photos": "media", "channel": "api_key"}
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_CJK = re.compile(r"[\u3400-\u9fff]")


def open311(*methods: str):
    """Turn Open311Error into the error document; refuse other HTTP methods with one, too."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def deco(fn):
        @wraps(fn)
        def view(request, fmt, **kwargs):
            if request.method not in allowed:
                response = errors(fmt, 405, [_("不支持 %(m)s 请求。") % {"m": request.method}])
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                return fn(request, fmt, **kwargs)
            except Open311Error as e:
                return errors(fmt, e.status, e.descriptions)
        return view
    return deco


def _jurisdiction(value: str | None) -> None:
    value = (value or "").strip()
    if value and value != settings.LUOSHI_OPEN311_JURISDICTION:
        raise Open311Error(404, _("未知的 jurisdiction_id“%(j)s”：本接口只服务 %(ours)s。")
                           % {"j": value[:100], "ours": settings.LUOSHI_OPEN311_JURISDICTION})


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


# ---- discovery and services ---------------------------------------------------------------------------

@open311("GET")
def discovery(request, fmt):
    url = request.build_absolute_uri(request.path.rsplit("/", 1)[0])
    return respond(fmt, "discovery", serialize.discovery(url))


def _public_categories():
    return ServiceCategory.objects.filter(is_active=True, is_public=True)


@open311("GET")
def services(request, fmt):
    _jurisdiction(request.GET.get("jurisdiction_id"))
    rows = [serialize.service(c) for c in _public_categories().order_by("sort_order", "code")]
    return respond(fmt, "services", rows)


@open311("GET")
def service_definition(request, fmt, code):
    _jurisdiction(request.GET.get("jurisdiction_id"))
    category = _public_categories().filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("没有编码为“%(code)s”的诉求类别。") % {"code": code[:40]})
    return respond(fmt, "service_definition", serialize.service_definition(category))


# ---- requests -----------------------------------------------------------------------------------------

@csrf_exempt
@open311("GET", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _submit(request, fmt)
    return _list(request, fmt)


def _param(request, name: str) -> str:
    return (request.POST.get(name) or request.GET.get(name) or "").strip()


def _attributes(post) -> dict:
    """attribute[CODE]=v, and attribute[CODE][]=v1&attribute[CODE][]=v2 for a multivaluelist; empty = absent."""
    out: dict = {}
    for name in post.keys():
        m = _ATTRIBUTE.match(name)
        if not m:
            continue
        values = [v.strip() for v in post.getlist(name) if v.strip()]
        if not values:
            continue
        code = m.group(1)
        if m.group(2) or len(values) > 1 or code in out:
            previous = out.get(code)
            previous = [] if previous is None else previous if isinstance(previous, list) else [previous]
            out[code] = previous + values
        else:
            out[code] = values[0]
    return out


def _full_name(first: str, last: str) -> str:
    if _CJK.search(first + last):
        return last + first  # 姓 + 名
    return " ".join(p for p in (first, last) if p)


def _submit(request, fmt):
    _jurisdiction(_param(request, "jurisdiction_id"))
    if "api_key" in request.GET:  # an address is written to every access log on the way
        raise Open311Error(400, _("api_key：请放在请求体（表单字段）中提交，不要写在地址里，地址会被记入日志。"))
    key = keys.key_lookup(request.POST.get("api_key", "").strip())
    if key is None:
        raise Open311Error(403, _("api_key 缺失、无效或已停用。"))
    if not key.channel.is_active:
        raise Open311Error(403, _("该 api_key 所属的受理渠道“%(name)s”已停用。") % {"name": key.channel.name})
    post = request.POST
    problems = []
    code = post.get("service_code", "").strip()
    category = None
    if not code:
        problems.append(_("service_code：请指定诉求类别。"))
    else:
        category = ServiceCategory.objects.filter(code=code, is_active=True).first()
        if category is None:
            raise Open311Error(404, _("service_code：没有编码为“%(code)s”的诉求类别。") % {"code": code[:40]})
    lat, lng = post.get("lat", "").strip(), post.get("long", "").strip()
    address, address_id = post.get("address_string", "").strip(), post.get("address_id", "").strip()
    if bool(lat) != bool(lng):
        problems.append(_("lat/long：纬度和经度须同时提供。"))
    elif not (lat or address or address_id):
        problems.append(_("location：请提供位置：lat 和 long，或 address_string，或 address_id。"))
    extras = {k: post.get(k, "").strip() for k in ("device_id", "account_id", "media_url")}
    extras["address_id"] = address_id
    for name, value in extras.items():  # kept as sent or refused, never cut
        if len(value) > EXTRA_LIMITS[name]:
            problems.append(_("%(name)s：最多 %(limit)s 个字符，现有 %(n)s 个。")
                            % {"name": name, "limit": EXTRA_LIMITS[name], "n": len(value)})
    if problems:
        raise Open311Error(400, *problems)
    extras = {k: v for k, v in extras.items() if v}
    photos = [(f.name, f.read()) for name in ("media", "media[]") for f in request.FILES.getlist(name)]
    data = RequestInput(
        category=category, channel=key.channel, description=post.get("description", ""),
        address=address or address_id, lat=lat or None, lng=lng or None,
        name=_full_name(post.get("first_name", "").strip(), post.get("last_name", "").strip()),
        phone=post.get("phone", ""), email=post.get("email", ""), attributes=_attributes(post))
    try:
        if extras:
            with transaction.atomic():
                created = request_submit(data=data, photos=photos)
                _record_extras(created, key, extras)
        else:
            created = request_submit(data=data, photos=photos)
    except ServiceError as e:
        param = e.field if (e.field or "").startswith("attribute[") else FIELD_PARAMS.get(e.field or "")
        raise Open311Error(400, f"{param}：{e.message}" if param else e.message)
    row = ({"token": keys.request_token(created.pk)} if serialize.service_type() == "batch"
           else {"service_request_id": str(created.pk)})
    notice = serialize.service_notice(category)
    if created.kind == RequestKind.REPORT:
        notice += _("；举报内容依法保密，不在公开接口中显示")
    row.update({"service_notice": notice, "account_id": extras.get("account_id")})
    return respond(fmt, "service_requests", [row], status=201)


EXTRA_LIMITS = {"device_id": 500, "account_id": 500, "media_url": 500, "address_id": 200}


def _record_extras(created, key, extras: dict) -> None:
    """What the client sent that has no field of ours: an internal note on the timeline (the requester and the
    public never see it). media_url is kept as a link for the dispatcher; it is never fetched."""
    labels = {"media_url": _("媒体链接（未下载，请谨慎打开）"), "device_id": _("设备"), "account_id": _("客户端账号"),
              "address_id": _("地址编号")}
    text = _("Open311 客户端（密钥 %(p)s…）附加信息：") % {"p": key.prefix} + "；".join(
        f"{labels[k]} {v}" for k, v in extras.items())
    RequestEvent.objects.create(request=created, kind=EventKind.NOTE, at=created.received_at, text=text,
                                data={"open311": {**extras, "key": key.prefix}}, public=False)


def _when(params, name: str, problems: list[str]) -> dt.datetime | None:
    """A W3C datetime (2026-11-01T00:00:00+08:00, …Z, or a date). A '+' the client forgot to encode arrives as
    a space and is read as '+'; a time without offset is the server's local time."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    text = re.sub(r" (\d\d:?\d\d)$", r"+\1", raw)
    try:
        value = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        problems.append(_("%(name)s：时间“%(v)s”格式不对，应为 W3C 格式，如 2026-11-01T00:00:00+08:00。")
                        % {"name": name, "v": raw[:40]})
        return None
    if not FIRST_DAY <= value.date() <= LAST_DAY:
        problems.append(_("%(name)s：时间须在 1900 年至 2100 年之间。") % {"name": name})
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _positive(params, name: str, default: int, problems: list[str], limit: int) -> int:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= limit:
        problems.append(_("%(name)s 须为 1～%(max)s 的整数。") % {"name": name, "max": limit})
        return default
    return int(raw)


# what serialize.service_request reads of a request: lists fetch these as plain values (no model instances:
# building 1,000 of them with their category and unit was most of a list's time)
_ROW_FIELDS = ("pk", "state", "outcome", "reopen_count", "reply_text", "description", "category_id", "lead_unit_id",
               "lead_unit__name", "received_at", "closed_at", "updated_at", "due_at", "address", "lat", "lng")


def _rows(qs) -> list[dict]:
    categories = {c.pk: c for c in ServiceCategory.objects.all()}
    out = []
    for values in qs.values(*_ROW_FIELDS):
        row = SimpleNamespace(**values)
        row.category = categories[row.category_id]
        row.lead_unit = SimpleNamespace(name=row.lead_unit__name)
        out.append(serialize.service_request(row))
    return out


def _public():
    return public_requests().select_related("category", "lead_unit")


def _list(request, fmt):
    params = request.GET
    _jurisdiction(params.get("jurisdiction_id"))
    qs = _public().order_by("-received_at", "-id")
    ids = _csv(params.get("service_request_id"))
    if ids:  # overrides every other parameter
        pks = [int(i) for i in ids if i.isdigit() and len(i) <= 18][:MAX_ROWS]
        return respond(fmt, "service_requests", _rows(qs.filter(pk__in=pks)[:MAX_ROWS]))
    problems: list[str] = []
    codes = _csv(params.get("service_code"))
    statuses = {s.lower() for s in _csv(params.get("status"))}
    if statuses - {"open", "closed"}:
        problems.append(_("status 只能是 open、closed（可用逗号分隔）。"))
    start, end = _when(params, "start_date", problems), _when(params, "end_date", problems)
    after, before = _when(params, "updated_after", problems), _when(params, "updated_before", problems)
    page = _positive(params, "page", 1, problems, MAX_PAGE)
    size = _positive(params, "page_size", MAX_ROWS, problems, MAX_ROWS)
    if start and end and end < start:
        problems.append(_("end_date 不能早于 start_date。"))
    elif start and end and end - start > MAX_SPAN:
        problems.append(_("start_date 到 end_date 不能超过 90 天。"))
    if problems:
        raise Open311Error(400, *problems)
    if start and not end:
        end = start + MAX_SPAN
    elif end and not start:
        start = end - MAX_SPAN
    elif not (start or end or after or before):
        start = clock.now() - MAX_SPAN  # the default: the last 90 days, at most 1000 rows
    if codes:
        qs = qs.filter(category__code__in=codes[:200])
    if statuses == {"open"}:
        qs = qs.filter(state__in=OPEN_STATES)
    elif statuses == {"closed"}:
        qs = qs.exclude(state__in=OPEN_STATES)
    if start:
        qs = qs.filter(received_at__gte=start, received_at__lte=end) if end else qs.filter(received_at__gte=start)
    if after:
        qs = qs.filter(updated_at__gte=after)
    if before:
        qs = qs.filter(updated_at__lte=before)
    offset = (page - 1) * size
    return _cached_list(request, fmt, lambda: _rows(qs[offset:offset + size]))


def _cached_list(request, fmt: str, rows) -> HttpResponse:
    """A list answer is the same for every caller (nothing personal, no key), and hotline dashboards and apps
    poll the same few URLs: keep the rendered body for a minute. The key holds the newest update time of any
    request, so a change shows at once; only the 90-day window's lower edge may lag by up to a minute."""
    seconds = settings.LUOSHI_OPEN311_LIST_CACHE_SECONDS
    if not seconds:
        return respond(fmt, "service_requests", rows())
    latest = Request.objects.aggregate(t=Max("updated_at"))["t"]
    params = "&".join(f"{k}={v}" for k, v in sorted(request.GET.items()))
    key = "open311:list:" + hashlib.sha256(f"{fmt}|{params}|{latest}|{translation.get_language()}".encode()).hexdigest()
    body = cache.get(key)
    if body is None:
        body = respond(fmt, "service_requests", rows()).content
        cache.set(key, body, seconds)
    return HttpResponse(body, content_type=XML_TYPE if fmt == "xml" else JSON_TYPE)


@open311("GET")
def request_detail(request, fmt, pk):
    _jurisdiction(request.GET.get("jurisdiction_id"))
    found = _public().filter(pk=int(pk)).first() if pk.isdigit() and len(pk) <= 18 else None
    if found is None:
        raise Open311Error(404, _("没有编号为“%(id)s”的公开诉求。") % {"id": pk[:40]})
    return respond(fmt, "service_requests", [serialize.service_request(found)])


@open311("GET")
def token_detail(request, fmt, token):
    _jurisdiction(request.GET.get("jurisdiction_id"))
    pk = keys.token_request_id(token)
    if pk is None or not public_requests().filter(pk=pk).exists():
        raise Open311Error(404, _("未知的 token。"))
    return respond(fmt, "service_requests", [{"service_request_id": str(pk), "token": token}])


@csrf_exempt
def not_found(request, fmt=None):
    """Any other address under /open311/v2/: the error document (JSON unless the address ends in .xml)."""
    return errors(fmt or "json", 404, [_("没有这个接口：%(path)s") % {"path": request.path[:200]}])
