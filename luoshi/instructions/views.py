"""批示 pages: the list (tabs 待我回复 / 我的批示 / 在办 / 全部), a new 批示 on a target (?target=tasks.task:42), the
detail with the units' answers, and the leader's 已阅 / 办结."""
from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.paging import Pager
from luoshi.org.models import Unit
from luoshi.org.resolve import unit_named

from . import selectors, services
from .forms import CloseForm, InstructionForm, ReplyForm

SPLIT = re.compile(r"[、,，;；\s]+")


@login_required
def instruction_list(request):
    tab = request.GET.get("tab", "todo")
    if tab not in selectors.TABS:
        tab = "todo"
    qs = selectors.instruction_list(user=request.user, tab=tab)
    page = Pager(qs, 30).get_page(request.GET.get("page"))
    rows = selectors.instruction_rows(qs.filter(pk__in=[i.pk for i in page.object_list]))
    tabs = [{"key": k, "label": label, "current": k == tab} for k, label in
            (("todo", _("待我回复")), ("mine", _("我的批示")), ("open", _("在办")), ("all", _("全部")))]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "instructions/list.html", {"rows": rows, "page": page, "tabs": tabs, "tab": tab,
                                                       "query": query, "nav_section": "instructions"})


def _resolve_units(form, region: Unit | None) -> list[Unit]:
    """The checked units and the named ones; a name that matches no unit is an error on its field (never dropped)."""
    chosen = list(Unit.objects.filter(pk__in=[int(x) for x in form.cleaned_data["units"]]))
    unknown = []
    for name in [n for n in SPLIT.split(form.cleaned_data["other_units"] or "") if n]:
        unit = unit_named(name, region) or unit_named(name)
        if unit is None:
            unknown.append(name)
        else:
            chosen.append(unit)
    if unknown:
        form.add_error("other_units", _("找不到单位：%(names)s") % {"names": "、".join(unknown)})
    return chosen


@login_required
def instruction_on(request):
    """The 批示 block of a target's page (task, finding, request, score card), loaded by htmx: the 批示 on it the
    user sees, and the 写批示 link for a leader or office over its scope. Empty when the target is not readable."""
    target = request.GET.get("target", "")
    try:
        kind, obj = services.target_resolve(user=request.user, target=target)
    except ServiceError:
        return render(request, "instructions/_on_target.html", {"rows": [], "can_write": False})
    rows = selectors.instructions_for_target(user=request.user, model=kind.model, pk=obj.pk)
    return render(request, "instructions/_on_target.html", {
        "rows": rows, "can_write": services.can_write_on(request.user, kind, obj), "target": target})


@login_required
def instruction_new(request):
    target = request.GET.get("target", "") or request.POST.get("target", "")
    try:
        kind, obj = services.target_resolve(user=request.user, target=target)
    except ServiceError:
        raise Http404
    if not services.can_write_on(request.user, kind, obj):
        raise PermissionDenied
    defaults = kind.units(obj)
    choices = [(str(u.pk), u.name) for u in defaults]
    form = InstructionForm(request.POST or None, unit_choices=choices,
                           initial={"units": [str(u.pk) for u in defaults]})
    if request.method == "POST" and form.is_valid():
        units = _resolve_units(form, None)
        if form.is_valid() and not form.errors:
            try:
                instruction = services.instruction_create(by=request.user, target=target, text=form.cleaned_data["text"],
                                                          units=units, deadline=form.cleaned_data["deadline"])
            except PermissionDeniedError:
                raise PermissionDenied
            except ServiceError as e:
                form.add_error(e.field if e.field in form.fields else None, e.message)
            else:
                messages.success(request, _("批示已发出，已通知办理单位。"))
                return redirect("instruction_detail", pk=instruction.pk)
    return render(request, "instructions/new.html", {"form": form, "target": target, "kind": kind,
                                                      "target_title": kind.title(obj), "target_url": kind.url(obj),
                                                      "nav_section": "instructions"})


@login_required
def instruction_detail(request, pk: int):
    instruction = selectors.instruction_get(user=request.user, pk=pk)
    answerable = services.answerable_units(request.user, instruction)
    reply_form = ReplyForm(unit_choices=[(r.unit_id, r.unit.name) for r in answerable]) if answerable else None
    return _detail(request, instruction, reply_form=reply_form, close_form=CloseForm())


def _detail(request, instruction, *, reply_form, close_form, status=200):
    recipients = list(instruction.recipients.select_related("unit").order_by("unit__path"))
    replies = list(instruction.replies.select_related("unit", "author"))
    ctx = {"i": instruction, "recipients": recipients, "replies": replies, "reply_form": reply_form,
           "close_form": close_form, "can_manage": selectors.can_manage(request.user, instruction),
           "target_url": selectors.instruction_target_url(instruction), "nav_section": "instructions"}
    return render(request, "instructions/detail.html", ctx, status=status)


@login_required
@require_POST
def instruction_reply(request, pk: int):
    instruction = selectors.instruction_get(user=request.user, pk=pk)
    answerable = services.answerable_units(request.user, instruction)
    if not answerable:
        raise PermissionDenied
    form = ReplyForm(request.POST, unit_choices=[(r.unit_id, r.unit.name) for r in answerable])
    if form.is_valid():
        unit = next(r.unit for r in answerable if r.unit_id == form.cleaned_data["unit"])
        try:
            services.instruction_reply(by=request.user, instruction=instruction, unit=unit, text=form.cleaned_data["text"])
        except PermissionDeniedError:
            raise PermissionDenied
        except ServiceError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            messages.success(request, _("已回复，批示人会收到通知。"))
            return redirect("instruction_detail", pk=pk)
    return _detail(request, instruction, reply_form=form, close_form=CloseForm(), status=400)


@login_required
@require_POST
def instruction_decide(request, pk: int, action: str):
    instruction = selectors.instruction_get(user=request.user, pk=pk)
    form = CloseForm(request.POST)
    try:
        if action == "read":
            services.instruction_mark_read(by=request.user, instruction=instruction)
            messages.success(request, _("已标记为已阅。"))
        elif action == "close" and form.is_valid():
            services.instruction_close(by=request.user, instruction=instruction, note=form.cleaned_data["note"])
            messages.success(request, _("批示已办结。"))
        else:
            raise Http404
    except PermissionDeniedError:
        raise PermissionDenied
    except ServiceError as e:
        messages.error(request, e.message)
    return redirect("instruction_detail", pk=pk)
