"""Public request pages (no login): the request form, the page that gives the 查询码, and the rating page the
requester reaches through the 回访 link. Nothing personal is ever shown here; free text is masked.

The form works without JavaScript (a plain POST re-renders with everything kept, except the photos, which
the browser cannot re-fill); static/js/request_draft.js sends it in the background instead, so a network
failure keeps the page as it is, and keeps a draft of the text in localStorage until the server accepts it."""
from __future__ import annotations

import secrets

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from luoshi.core.errors import ServiceError
from luoshi.core.throttle import Throttle

from .. import selectors, services
from ..forms import RateForm, RequestForm
from ..models import Channel, Request, RequestState, ServiceCategory
from .common import (attribute_groups, attributes_posted, field_of, form_errors, json_fail, read_photos,
                     wants_json)

SESSION_KEY = "intake_submitted"


# ---- throttle --------------------------------------------------------------------------------------------

def throttle_limits() -> tuple[int, int]:
    """(submissions, seconds) per client address; LUOSHI_INTAKE_THROTTLE = "5/600" in settings to change."""
    raw = str(getattr(settings, "LUOSHI_INTAKE_THROTTLE", "5/600"))
    n, _slash, secs = raw.partition("/")
    return int(n), int(secs or 600)


def _throttle() -> Throttle:
    return Throttle("intake-submit", *throttle_limits())


def _throttled(request) -> bool:
    return _throttle().exceeded(request)


def _count_submission(request) -> None:
    _throttle().count(request)


# ---- the form ----------------------------------------------------------------------------------------

def _public_categories() -> list[ServiceCategory]:
    return list(ServiceCategory.objects.filter(is_active=True, is_public=True).order_by("sort_order", "code"))


def request_new(request):
    categories = _public_categories()
    areas = list(selectors.area_units())
    form = RequestForm(request.POST or None, categories=categories, areas=areas)
    ctx = {"form": form, "categories": categories, "max_photos": services.MAX_PHOTOS,
           "max_bytes": settings.LUOSHI_UPLOAD_MAX_BYTES}
    status, errors, error = 200, {}, None
    if request.method == "POST":
        if _throttled(request):
            limit, window = throttle_limits()
            error = _("提交过于频繁：同一网络 %(min)s 分钟内最多提交 %(n)s 件诉求，请稍后再试。紧急情况请拨打 12345 热线。") % {
                "min": window // 60, "n": limit}
            status = 429
        elif form.is_valid():
            d = form.cleaned_data
            category = next(c for c in categories if c.pk == d["category"])
            channel = Channel.objects.filter(code="web", is_active=True).first()
            try:
                if channel is None:
                    raise ServiceError(_("网上受理暂未开通，请拨打 12345 热线。"))
                data = services.RequestInput(
                    category=category, channel=channel, description=d["description"], address=d["address"],
                    lat=d["lat"], lng=d["lng"], area=next((u for u in areas if u.pk == d["area"]), None),
                    name=d["name"], phone=d["phone"], email=d["email"], anonymous=d["anonymous"],
                    attributes=attributes_posted(category, request.POST))
                r = services.request_submit(data=data, photos=read_photos(request), by=None)
            except ServiceError as e:
                error = e.message
                field = field_of(e.field, category)
                if field:
                    errors[field] = [e.message]
                status = 400
            else:
                _count_submission(request)
                request.session[SESSION_KEY] = [r.tracking_code] + request.session.get(SESSION_KEY, [])[:4]
                url = reverse("portal_request_done")
                if wants_json(request):
                    return JsonResponse({"ok": True, "url": url})
                return HttpResponseRedirect(url)
        else:
            errors, status = form_errors(form), 400
        for field, msgs in errors.items():
            if field in form.fields and not form.has_error(field):
                form.add_error(field, msgs)
        error = error or _("请检查标红的内容。")
        if request.FILES and status != 200:
            error += _("（照片未能保存，请重新选择照片。）")
        if wants_json(request):
            return json_fail(error, errors, status)
        ctx.update(error=error, errors=errors, photos_lost=bool(request.FILES))
    ctx["attr_groups"] = attribute_groups(categories, request.POST if request.method == "POST" else None, errors)
    return render(request, "intake/public_form.html", ctx, status=status)


def request_done(request):
    codes = request.session.get(SESSION_KEY) or []
    if not codes:
        return HttpResponseRedirect(reverse("portal_request_new"))
    # the submitter's own request, whatever its kind (a 举报 is hidden from everyone else, not from them)
    r = (Request.objects.select_related("category").filter(tracking_code=codes[0])
         .only("id", "tracking_code", "received_at", "category__name", "category__limit_days", "state").first())
    if r is None:
        return HttpResponseRedirect(reverse("portal_request_new"))
    return render(request, "intake/public_done.html", {"r": r, "code": codes[0]})


# ---- 回访: the requester rates the reply ---------------------------------------------------------------

def _rateable(code: str, token: str) -> Request | None:
    r = Request.objects.select_related("category", "lead_unit").filter(tracking_code=code).first()
    if r is None or r.state != RequestState.REPLIED or not token or not r.rating_token:
        return None
    if not secrets.compare_digest(token, r.rating_token):
        return None
    return r


def request_rate(request, code, token):
    r = _rateable(code, token)
    if r is None:
        return render(request, "intake/public_rate.html", {"invalid": True}, status=404)
    form = RateForm(request.POST or None)
    ctx = {"r": r, "form": form, "title": selectors.public_text(r.title), "reply": selectors.public_text(r.reply_text)}
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.request_rate(request=r, token=token, satisfaction=d["satisfaction"],
                                      resolved=d["resolved"] == "yes", comment=d["comment"])
            except ServiceError as e:
                ctx["error"] = e.message
                return render(request, "intake/public_rate.html", ctx, status=400)
            return render(request, "intake/public_rate_done.html", {"r": r, "reopened": r.state == RequestState.HANDLING})
        ctx["error"] = _("请检查标红的内容。")
        return render(request, "intake/public_rate.html", ctx, status=400)
    return render(request, "intake/public_rate.html", ctx)
