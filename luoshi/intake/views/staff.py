"""Staff pages of requests: the queue (受理派单员 and 承办单位 alike, scoped by selectors.visible_requests), the
request page with the actions the viewer may take, the hotline operator's entry form, photos.

Actions post to /requests/<pk>/<action>/. A refused or invalid action re-renders the request page with the
message next to its form and what was typed kept (400, or 403 when the rules say the user may not); forms
sent by static/js/draft-form.js (note, reply: they carry photos) get the same answer as JSON."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_POST

from luoshi.core import clock
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.paging import CappedPaginator
from luoshi.org.models import Role, Unit
from luoshi.org.scopes import scope_for

from .. import permissions as perms
from .. import selectors, services
from ..filters import QueueFilterSet
from ..forms import (CloseForm, DispatchForm, ExtensionAskForm, ExtensionDecideForm, RateForm,
                     RequestForm, ReturnForm, TextForm, UrgeForm)
from ..models import (Channel, DecisionState, ExtensionRequest, Outcome, Request, RequestPhoto, RequestState,
                      ServiceCategory)
from .common import (attribute_groups, attributes_posted, field_of, form_errors, json_fail, read_photos,
                     wants_json)

PAGE_SIZE = 50
COUNT_CAP = 10_000
TABS = [("pending", gettext_lazy("待派单")), ("dispatched", gettext_lazy("待签收")), ("handling", gettext_lazy("办理中")), ("replied", gettext_lazy("待回访")),
        ("closed", gettext_lazy("已办结")), ("all", gettext_lazy("全部"))]
NOT_FOUND = gettext_lazy("没有找到该工单，或您无权查看。")


def _get(request, pk: int) -> Request:
    r = selectors.request_for(request.user, pk)
    if r is None:
        raise Http404(str(NOT_FOUND))
    return r


# ---- the queue ----------------------------------------------------------------------------------------

def _countdown(due: dt.datetime | None, now: dt.datetime) -> tuple[str, bool]:
    """“剩 2天3小时” before the limit, “超时 5小时” after it."""
    if due is None:
        return "—", False
    left = due - now
    overdue = left.total_seconds() < 0
    secs = abs(int(left.total_seconds()))
    days, hours, minutes = secs // 86400, secs % 86400 // 3600, secs % 3600 // 60
    if days:
        span = _("%(d)s天%(h)s小时") % {"d": days, "h": hours}
    elif hours:
        span = _("%(h)s小时%(m)s分") % {"h": hours, "m": minutes}
    else:
        span = _("%(m)s分钟") % {"m": max(minutes, 1)}
    return (_("超时 %(span)s") if overdue else _("剩 %(span)s")) % {"span": span}, overdue


def queue_rows(requests, now: dt.datetime) -> list[dict]:
    states = {k: str(v) for k, v in RequestState.choices}
    outcomes = {k: str(v) for k, v in Outcome.choices}
    labels = {"received": _("派单时限"), "returned": _("派单时限"), "dispatched": _("签收时限"), "handling": _("办理时限"),
              "replied": _("回访期限")}
    detail = reverse("intake_detail", args=[0]).removesuffix("0/")
    rows = []
    for r in requests:
        due = {"received": r.dispatch_due, "returned": r.dispatch_due, "dispatched": r.sign_due, "handling": r.due_at,
               "replied": r.revisit_due}.get(r.state)
        countdown, overdue = _countdown(due, now)
        if r.state == RequestState.DISPATCHED and r.due_at and r.due_at < now:
            overdue = True
        if r.state == RequestState.CLOSED:
            countdown = outcomes.get(r.outcome, "")
        elif r.state == RequestState.REPLIED and overdue:
            countdown = _("回访逾期，待电话回访")
        rows.append({
            "pk": r.pk, "number": r.number, "url": f"{detail}{r.pk}/", "title": Truncator(r.title).chars(40),
            "category": r.category.name, "channel": r.channel.name, "area": r.area.name if r.area_id else "—",
            "unit": r.lead_unit.name if r.lead_unit_id else "—", "state": states.get(r.state, r.state),
            "state_code": r.state, "received": f"{clock.localtime(r.received_at):%m-%d %H:%M}",
            "due_label": labels.get(r.state, _("办结")), "countdown": countdown, "overdue": overdue,
            "reopened": r.reopen_count, "supervised": bool(r.supervised_at), "locked": r.return_locked})
    return rows


def _default_tab(scope) -> str:
    if scope.has_role(Role.DISPATCHER):
        return "pending"
    if scope.has_role(Role.LIAISON):
        return "dispatched"
    return "all"


def _shown_count(paginator) -> int | str:
    return f"{paginator.cap}+" if getattr(paginator, "capped", False) else paginator.count


@login_required
def intake_index(request):
    scope = scope_for(request.user)
    tab = request.GET.get("tab") or _default_tab(scope)
    if tab not in selectors.QUEUE_TABS:
        tab = "all"
    categories = list(ServiceCategory.objects.only("id", "name", "group").order_by("sort_order", "code"))
    channels = list(Channel.objects.only("id", "name").order_by("sort_order", "code"))
    root = selectors.centre_path()
    areas = list(selectors.area_units(root=root))
    units = list(selectors.dispatch_units(root=root))
    # the query parameters, checked (intake.filters); the refused ones are left out and said on the page
    filterset = QueueFilterSet(request.GET or None, categories=categories, channels=channels, areas=areas, units=units)
    values = filterset.values()
    for name in ("category", "channel", "area", "unit"):
        if name in values:
            values[name] = int(values[name])
    if "q" in values:
        values["q"] = values["q"].strip()
    filters = selectors.QueueFilters(**values)
    now = clock.now()
    counts = selectors.queue_counts(user=request.user, filters=filters, now=now)
    qs = selectors.request_queue(user=request.user, tab=tab, filters=filters, now=now)
    # 已办结 and 全部 grow by the hundred thousand a year: count them up to a cap, not to the end
    paginator = CappedPaginator(qs, PAGE_SIZE, cap=COUNT_CAP) if tab in ("closed", "all") else Paginator(qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    tab_query = query.copy()
    tab_query.pop("tab", None)
    tabs = [{"code": code, "label": label, "overdue": counts.get(f"{code}_overdue", 0),
             "count": counts[code] if code in counts else (_shown_count(page.paginator) if code == tab else None)}
            for code, label in TABS]
    ctx = {"form": filterset.form, "filter_errors": filterset.messages(), "tab": tab, "tabs": tabs, "page": page, "rows": queue_rows(page, now), "query": query,
           "tab_query": tab_query.urlencode(), "can_enter": scope.has_role(Role.DISPATCHER)}
    template = "intake/_queue.html" if request.htmx and not request.htmx.boosted else "intake/index.html"
    return render(request, template, ctx)


# ---- the request page --------------------------------------------------------------------------------

def _detail_context(request, r: Request, bound: dict | None = None, errors: dict | None = None) -> dict:
    scope = scope_for(request.user)
    bound, errors = bound or {}, errors or {}
    can_dispatch = perms.can_dispatch(scope, r)
    lead, assist = perms.is_lead(scope, r), perms.is_assist(scope, r)
    ctx = selectors.request_detail(user=request.user, request=r)
    pending_ext = next((e for e in ctx["extensions"] if e.state == DecisionState.PENDING), None)
    state = r.state
    can = {
        "dispatch": can_dispatch and state in (RequestState.RECEIVED, RequestState.RETURNED),
        "close": can_dispatch and state in (RequestState.RECEIVED, RequestState.RETURNED),
        "phone_rate": can_dispatch and state == RequestState.REPLIED,
        "urge": (can_dispatch or scope.covers(r.region_path, Role.OFFICE))
        and state in (RequestState.DISPATCHED, RequestState.HANDLING),
        "decide": can_dispatch and pending_ext is not None,
        "sign": lead and state == RequestState.DISPATCHED,
        "return": lead and state in (RequestState.DISPATCHED, RequestState.HANDLING) and not r.return_locked,
        "note": (lead or assist or can_dispatch)
        and state in (RequestState.DISPATCHED, RequestState.HANDLING, RequestState.REPLIED),
        "reply": lead and state == RequestState.HANDLING,
        "extend": lead and state == RequestState.HANDLING and pending_ext is None,
    }
    forms = {}
    units = None
    if can["dispatch"] or can["return"] or "dispatch" in bound or "return" in bound:
        units = list(selectors.dispatch_units(r))
    if can["dispatch"] or "dispatch" in bound:
        suggested, suggested_assist, rule = services.dispatch_suggest(r)
        ctx["rule"], ctx["suggested"] = rule, suggested
        initial = {"unit": suggested.pk if suggested else None, "assist": [u.pk for u in suggested_assist],
                   "note": rule.note if rule else ""}
        forms["dispatch"] = bound.get("dispatch") or DispatchForm(units=units, initial=initial)
        ctx["similar"] = selectors.similar_open_requests(r, limit=5)
        last_return = next((e for e in reversed(ctx["events"]) if e.kind == "returned"), None)
        ctx["last_return"] = last_return
    if can["close"] or "close" in bound:
        forms["close"] = bound.get("close") or CloseForm()
        ctx.setdefault("similar", selectors.similar_open_requests(r, limit=5))
    if can["phone_rate"] or "phone_rate" in bound:
        forms["phone_rate"] = bound.get("phone_rate") or RateForm(prefix="phone")
        if r.rating_token:
            ctx["rating_url"] = request.build_absolute_uri(
                reverse("portal_request_rate", args=[r.tracking_code, r.rating_token]))
    if can["urge"] or "urge" in bound:
        forms["urge"] = bound.get("urge") or UrgeForm()
    if can["decide"] or "decide" in bound:
        forms["decide"] = bound.get("decide") or ExtensionDecideForm(prefix="ext")
        ctx["pending_ext"] = pending_ext
    if can["return"] or "return" in bound:
        forms["return"] = bound.get("return") or ReturnForm(units=units, prefix="ret")
    if can["note"] or "note" in bound:
        forms["note"] = bound.get("note") or TextForm(prefix="note")
    if can["reply"] or "reply" in bound:
        forms["reply"] = bound.get("reply") or TextForm(prefix="reply")
    if can["extend"] or "extend" in bound:
        forms["extend"] = bound.get("extend") or ExtensionAskForm(prefix="extend")
    now = clock.now()
    ctx.update(r=r, can=can, forms=forms, errors=errors, can_dispatch=can_dispatch, is_lead=lead, is_assist=assist,
               dispatch_countdown=_countdown(r.dispatch_due, now), sign_countdown=_countdown(r.sign_due, now),
               due_countdown=_countdown(r.due_at, now), revisit_countdown=_countdown(r.revisit_due, now),
               submitted_photos=[p for p in ctx["photos"] if p.stage == "submitted"],
               reply_photos=[p for p in ctx["photos"] if p.stage == "reply"],
               attributes=_attribute_labels(r))
    return ctx




def _attribute_labels(r: Request) -> list[tuple[str, str]]:
    defs = {a["code"]: a for a in r.category.attributes or []}
    out = []
    for code, value in (r.attributes or {}).items():
        a = defs.get(code, {})
        names = {v["key"]: v["name"] for v in a.get("values") or []}
        values = value if isinstance(value, list) else [value]
        out.append((a.get("description") or code, "、".join(str(names.get(v, v)) for v in values)))
    return out


@login_required
def request_detail(request, pk):
    r = _get(request, pk)
    return render(request, "intake/detail.html", _detail_context(request, r))


def _fail(request, r: Request, name: str, form, e: ServiceError, category=None):
    field = field_of(e.field)
    if field and form is not None and field in form.fields and not form.has_error(field):
        form.add_error(field, e.message)
    status = 403 if isinstance(e, PermissionDeniedError) else 400
    if wants_json(request):
        errors = form_errors(form) if form is not None else {}  # unprefixed names: data-field in the page
        if field == "photos":
            errors["photos"] = [e.message]
        return json_fail(e.message, errors, status)
    ctx = _detail_context(request, r, bound={name: form} if form is not None else {}, errors={name: e.message})
    if request.FILES:
        ctx["photos_lost"] = name
    return render(request, "intake/detail.html", ctx, status=status)


def _done(request, r: Request, message: str):
    messages.success(request, message)
    url = reverse("intake_detail", args=[r.pk])
    if selectors.request_for(request.user, r.pk) is None:  # e.g. after 退单 the unit no longer sees it
        url = reverse("intake_index")
    if wants_json(request):
        return JsonResponse({"ok": True, "url": url})
    return HttpResponseRedirect(url)


def _unit(pk) -> Unit | None:
    return Unit.objects.filter(pk=pk).first() if pk else None


def _dispatch(request, r, d):
    unit = _unit(d["unit"])
    if unit is None:
        raise ServiceError(_("请选择承办单位。"), field="unit")
    assist = list(Unit.objects.filter(pk__in=d["assist"])) if d["assist"] else []
    services.request_dispatch(by=request.user, request=r, unit=unit, assist=assist, note=d["note"], lock=d["lock"])
    return _("已派至 %(unit)s。") % {"unit": unit.name}


def _close(request, r, d):
    dup = None
    if d["outcome"] == Outcome.DUPLICATE:
        raw = (d["duplicate_of"] or "").strip()
        tail = raw.rsplit("-", 1)[-1]
        if tail.isdigit():
            dup = selectors.visible_requests(request.user).filter(pk=int(tail)).first()
        if raw and dup is None:
            raise ServiceError(_("找不到工单“%(n)s”，请填写工单号，如 20261130-0001234。") % {"n": raw}, field="duplicate_of")
    services.request_close_invalid(by=request.user, request=r, outcome=d["outcome"], reason=d["reason"],
                                   duplicate_of=dup)
    return _("工单已办结：%(outcome)s。") % {"outcome": r.get_outcome_display()}


def _phone_rate(request, r, d):
    services.request_rate(request=r, by=request.user, satisfaction=d["satisfaction"], resolved=d["resolved"] == "yes",
                          comment=d["comment"])
    if r.state == RequestState.HANDLING:
        return _("已记录电话回访；诉求人不满意，工单已转承办单位重办。")
    return _("已记录电话回访，工单已办结。")


def _urge(request, r, d):
    services.request_urge(by=request.user, request=r, note=d["note"], supervise=d["supervise"])
    return _("已督办。") if d["supervise"] else _("已催办。")


def _sign(request, r, d):
    services.request_sign(by=request.user, request=r)
    return _("已签收，请在办理时限内办理并回复。")


def _return(request, r, d):
    services.request_return(by=request.user, request=r, reason=d["reason"], suggested_unit=_unit(d["suggested_unit"]))
    return _("已退单，工单已退回受理中心。")


def _note(request, r, d):
    services.request_note(by=request.user, request=r, text=d["text"], photos=read_photos(request))
    return _("办理记录已保存。")


def _reply(request, r, d):
    services.request_reply(by=request.user, request=r, text=d["text"], photos=read_photos(request))
    return _("已回复，等待诉求人评价（回访）。")


def _extend(request, r, d):
    services.extension_ask(by=request.user, request=r, days=d["days"], reason=d["reason"])
    return _("延期申请已提交，等待受理中心审批。")


ACTIONS = {
    # name: (form factory, action, needs the unit list)
    "dispatch": (lambda data, units: DispatchForm(data, units=units), _dispatch, True),
    "close": (lambda data, units: CloseForm(data), _close, False),
    "phone_rate": (lambda data, units: RateForm(data, prefix="phone"), _phone_rate, False),
    "urge": (lambda data, units: UrgeForm(data), _urge, False),
    "sign": (None, _sign, False),
    "return": (lambda data, units: ReturnForm(data, units=units, prefix="ret"), _return, True),
    "note": (lambda data, units: TextForm(data, prefix="note"), _note, False),
    "reply": (lambda data, units: TextForm(data, prefix="reply"), _reply, False),
    "extend": (lambda data, units: ExtensionAskForm(data, prefix="extend"), _extend, False),
}


@require_POST
@login_required
def request_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    r = _get(request, pk)
    factory, act, needs_units = ACTIONS[action]
    units = list(selectors.dispatch_units(r)) if needs_units else ()
    form = factory(request.POST, units) if factory else None
    try:
        if form is not None and not form.is_valid():
            raise ServiceError(_("请检查标红的内容。"))
        message = act(request, r, form.cleaned_data if form is not None else {})
    except ServiceError as e:
        r = _get(request, pk)  # the service may have changed the object before refusing
        return _fail(request, r, action, form, e)
    return _done(request, r, message)


@require_POST
@login_required
def request_extension_decide(request, pk, ext):
    r = _get(request, pk)
    extension = ExtensionRequest.objects.filter(pk=ext, request=r).first()
    if extension is None:
        raise Http404(str(NOT_FOUND))
    extension.request = r
    form = ExtensionDecideForm(request.POST, prefix="ext")
    try:
        if not form.is_valid():
            raise ServiceError(_("请检查标红的内容。"))
        approve = form.cleaned_data["decision"] == "approve"
        services.extension_decide(by=request.user, extension=extension, approve=approve, note=form.cleaned_data["note"])
    except ServiceError as e:
        return _fail(request, _get(request, pk), "decide", form, e)
    return _done(request, r, _("已同意延期 %(n)s 个工作日。") % {"n": extension.days} if approve else _("已不同意延期。"))


@login_required
def request_photo(request, pk, variant):
    """A processed copy (display or thumb) of a request photo; the original upload is never served (it is
    deleted once processed, with its EXIF/GPS)."""
    photo = RequestPhoto.objects.filter(pk=pk).only("id", "request_id", "display", "thumb", "processed_at").first()
    if photo is None or variant not in ("display", "thumb") or selectors.request_for(request.user, photo.request_id) is None:
        raise Http404(str(NOT_FOUND))
    f = photo.display if variant == "display" else photo.thumb
    if not photo.processed_at or not f:
        raise Http404(_("照片正在处理，请稍后再看。"))
    response = FileResponse(f.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---- the hotline operator's entry -------------------------------------------------------------------------

@login_required
def intake_new(request):
    """A dispatcher records a request taken by phone, letter or visit."""
    scope = scope_for(request.user)
    if not scope.has_role(Role.DISPATCHER):
        return render(request, "403.html", {"message": _("只有受理派单员可以登记诉求。")}, status=403)
    categories = list(ServiceCategory.objects.filter(is_active=True).order_by("sort_order", "code"))
    channels = list(Channel.objects.filter(is_active=True).order_by("sort_order", "code"))
    areas = list(selectors.area_units())
    form = RequestForm(request.POST or None, categories=categories, channels=channels, areas=areas)
    ctx = {"form": form, "staff": True}
    status = 200
    if request.method == "POST":
        errors, error = {}, None
        category = None
        if form.is_valid():
            d = form.cleaned_data
            category = next(c for c in categories if c.pk == d["category"])
            data = services.RequestInput(
                category=category, channel=next(c for c in channels if c.pk == d["channel"]),
                description=d["description"], address=d["address"], lat=d["lat"], lng=d["lng"],
                area=next((u for u in areas if u.pk == d["area"]), None), name=d["name"], phone=d["phone"],
                email=d["email"], anonymous=d["anonymous"], attributes=attributes_posted(category, request.POST))
            try:
                r = services.request_submit(data=data, photos=read_photos(request), by=request.user)
            except ServiceError as e:
                error = e.message
                field = field_of(e.field, category)
                if field:
                    errors[field] = [e.message]
            else:
                messages.success(request, _("已登记工单 %(n)s，查询码 %(code)s（请告知诉求人）。") % {
                    "n": r.number, "code": r.tracking_code})
                visible = selectors.request_for(request.user, r.pk) is not None
                url = reverse("intake_detail", args=[r.pk]) if visible else reverse("intake_index")
                if wants_json(request):
                    return JsonResponse({"ok": True, "url": url})
                return HttpResponseRedirect(url)
        else:
            errors = form_errors(form)
        for field, msgs in errors.items():
            if field in form.fields and not form.has_error(field):
                form.add_error(field, msgs)
        error = error or _("请检查标红的内容。")
        if wants_json(request):
            return json_fail(error, errors, 400)
        ctx.update(error=error, errors=errors, photos_lost=bool(request.FILES))
        status = 400
    ctx["attr_groups"] = attribute_groups(categories, request.POST if request.method == "POST" else None,
                                          ctx.get("errors"))
    return render(request, "intake/new.html", ctx, status=status)
