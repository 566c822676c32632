"""Scheme pages: the list, the indicator tree, YAML upload and edit, new rounds."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.core.excel import CellError, ImportFailed
from luoshi.core.specs import SpecError, spec_problem
from luoshi.org.models import Role
from luoshi.org.scopes import scope_for

from .. import permissions as perms
from .. import selectors, services
from ..forms import RoundForm, SchemeForm
from ..models import Scheme
from ..scheme import scheme_parse

# ---- schemes ----------------------------------------------------------------------------------------------

@login_required
def index(request):
    schemes = list(selectors.schemes_visible(request.user))
    rounds = selectors.rounds_listed(request.user, schemes)
    rows = [{"scheme": s, "rounds": rounds.get(s.pk, []), "can_manage": perms.can_manage(request.user, s)}
            for s in schemes]
    can_create = scope_for(request.user).has_role(Role.OFFICE)
    return render(request, "assessment/index.html", {"rows": rows, "can_create": can_create})


def _version_of(scheme, request):
    versions = list(scheme.versions.order_by("-number").select_related("created_by"))
    number = request.GET.get("version", "")
    chosen = next((v for v in versions if str(v.number) == number), versions[0] if versions else None)
    if chosen is None:
        raise Http404
    return versions, chosen


def _scheme_ctx(request, scheme, **extra):
    versions, version = _version_of(scheme, request)
    definition = version.definition()
    rounds = selectors.rounds_listed(request.user, [scheme])[scheme.pk]
    can_manage = perms.can_manage(request.user, scheme)
    ctx = {"scheme": scheme, "versions": versions, "version": version, "definition": definition,
           "tree": selectors.scheme_tree(version), "rounds": rounds, "can_manage": can_manage,
           "is_latest": version == versions[0]}
    if can_manage and "round_form" not in extra:
        ctx["round_form"] = RoundForm(rounds=rounds, metric=definition.type == "metric",
                                      initial={"period_start": clock.today().replace(day=1)})
    return ctx | extra


@login_required
def scheme_detail(request, pk):
    scheme = selectors.scheme_get(request.user, pk)
    return render(request, "assessment/scheme.html", _scheme_ctx(request, scheme))


@login_required
def scheme_yaml(request, pk):
    scheme = selectors.scheme_get(request.user, pk)
    _versions, version = _version_of(scheme, request)
    response = HttpResponse(version.source, content_type="application/x-yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{scheme.code}-v{version.number}.yaml"'
    return response


def _save_scheme(request, form, *, scheme=None):
    """(scheme, version, new) or None with the errors put on the form / returned as line errors."""
    if not form.is_valid():
        return None, []
    text, note = form.cleaned_data["text"], form.cleaned_data["note"]
    if form.cleaned_data.get("upload") is not None:
        # The uploaded text goes into the text box, so a refused file can be corrected on the page.
        form.data = form.data.copy()
        form.data["text"] = text
    source = f"{scheme.code}.yaml" if scheme else "scheme.yaml"
    try:
        definition = scheme_parse(text, source=source)
        if scheme is not None and definition.code != scheme.code:
            raise SpecError([spec_problem(text, ("code",), _(
                "代码须为“%(code)s”：修改已有指标体系不能改代码，新体系请用“新建指标体系”。") % {"code": scheme.code},
                source=source)])
        if scheme is None and Scheme.objects.filter(code=definition.code).exists():
            raise SpecError([spec_problem(text, ("code",), _(
                "代码“%(code)s”已被另一个指标体系使用，请换一个代码，或到该体系的页面修改。") % {"code": definition.code},
                source=source)])
        return services.scheme_save(by=request.user, text=text, note=note, source=source), []
    except ImportFailed as e:
        return None, e.errors
    except ServiceError as e:
        return None, [CellError("", None, None, e.message)]


@login_required
def scheme_create(request):
    if not scope_for(request.user).has_role(Role.OFFICE):
        raise Http404
    form = SchemeForm(request.POST or None, request.FILES or None)
    ctx = {"form": form, "creating": True}
    if request.method == "POST":
        saved, errors = _save_scheme(request, form)
        if saved:
            scheme, version, _new = saved
            messages.success(request, _("已建立指标体系“%(name)s”（第%(n)s版）。") % {"name": scheme.name, "n": version.number})
            return HttpResponseRedirect(reverse("assess_scheme", args=[scheme.pk]))
        ctx["line_errors"] = errors
        return render(request, "assessment/scheme_edit.html", ctx, status=400)
    return render(request, "assessment/scheme_edit.html", ctx)


@login_required
def scheme_edit(request, pk):
    scheme = selectors.scheme_get(request.user, pk)
    if not perms.can_manage(request.user, scheme):
        raise Http404
    latest = scheme.current_version
    form = SchemeForm(request.POST or None, request.FILES or None, initial={"text": latest.source})
    ctx = {"form": form, "scheme": scheme, "latest": latest, "in_use": latest.rounds.exists()}
    if request.method == "POST":
        saved, errors = _save_scheme(request, form, scheme=scheme)
        if saved:
            _scheme, version, new = saved
            if new:
                messages.success(request, _("已保存为第%(n)s版；已有期次仍按原版本计分。") % {"n": version.number})
            elif version.pk == latest.pk and version.source == latest.source:
                messages.info(request, _("内容没有变化。"))
            else:
                messages.success(request, _("已更新第%(n)s版（尚无期次使用该版本）。") % {"n": version.number})
            return HttpResponseRedirect(reverse("assess_scheme", args=[scheme.pk]))
        ctx["line_errors"] = errors
        return render(request, "assessment/scheme_edit.html", ctx, status=400)
    return render(request, "assessment/scheme_edit.html", ctx)


@require_POST
@login_required
def round_create(request, pk):
    scheme = selectors.scheme_get(request.user, pk)
    if not perms.can_manage(request.user, scheme):
        raise Http404
    definition = scheme.current_version.definition()
    rounds = selectors.rounds_listed(request.user, [scheme])[scheme.pk]
    form = RoundForm(request.POST, rounds=rounds, metric=definition.type == "metric")
    if form.is_valid():
        d = form.cleaned_data
        compare = next((r for r in rounds if r.pk == d.get("compare_to")), None)
        try:
            rnd = services.round_create(by=request.user, scheme=scheme, name=d["name"], period_start=d["period_start"],
                                        period_end=d["period_end"], compare_to=compare)
        except ServiceError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            messages.success(request, _("已建立考核期次“%(name)s”，共 %(n)s 个参评单位。")
                             % {"name": rnd.name, "n": rnd.participants.count()})
            return HttpResponseRedirect(reverse("assess_round", args=[rnd.pk]))
    return render(request, "assessment/scheme.html", _scheme_ctx(request, scheme, round_form=form), status=400)
