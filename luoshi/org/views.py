from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_POST
from luoshi.core.http import query_id

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.language import language_cookie_set, language_name, person_language

from . import selectors, services
from .forms import GrantForm, LanguageForm, PeopleImportForm, PersonForm
from .models import Person, Role, RoleGrant, Unit, UnitKind
from .scopes import scope_for
from .services import units_import_xlsx


# ---- the person's own account: password (Django's view) and language ----------------------------------------

class AccountView(PasswordChangeView):
    """The account page (修改密码): Django's password change, and the person's language below it."""

    template_name = "registration/account.html"
    extra_context = {"title": gettext_lazy("修改密码")}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # PasswordChangeView is login_required: the user is a Person
        ctx.setdefault("language_form", LanguageForm(initial={"language": getattr(self.request.user, "language", "")}))
        return ctx


@require_POST
@login_required
def account_language(request):
    """Set one's own language; the interface switches to it now (the language cookie), messages from now on."""
    form = LanguageForm(request.POST)
    if form.is_valid():
        try:
            services.person_set_language(by=request.user, person=request.user, language=form.cleaned_data["language"])
        except ServiceError as e:
            form.add_error("language", e.message)
    if not form.is_valid():
        return render(request, "registration/account.html", {
            "title": _("修改密码"), "form": PasswordChangeForm(request.user), "language_form": form}, status=400)
    code = person_language(request.user)
    with translation.override(code):
        messages.success(request, _("语言已设为%(language)s。") % {"language": language_name(request.user.language)})
    response = HttpResponseRedirect(reverse("password_change"))
    language_cookie_set(response, code)
    return response


@login_required
def unit_tree(request):
    """The unit tree, down to streets by default; `?under=ID` opens a subtree."""
    under_id = query_id(request, "under")
    under = Unit.objects.filter(pk=under_id).first() if under_id else None
    qs = Unit.objects.filter(is_active=True)
    if under:
        qs = qs.filter(path__within=[under.path], depth__lte=under.depth + 2)
    else:
        qs = qs.filter(depth__lte=2)
    q = request.GET.get("q", "").strip()
    if q:
        qs = Unit.objects.filter(Q(name__contains=q) | Q(short_name__contains=q))
    units = list(qs.annotate(n_children=Count("children")).order_by("path")[:200 if q else 1500])
    scope = scope_for(request.user)
    return render(request, "org/unit_tree.html", {"units": units, "under": under, "q": q, "kinds": UnitKind,
                                                  "can_import": scope.is_admin,
                                                  "can_manage_people": scope.is_admin or scope.has_role(Role.OFFICE)})


@login_required
def unit_import(request):
    if not scope_for(request.user).is_admin:
        return render(request, "403.html", {"message": _("只有系统管理员可以导入单位。")}, status=403)
    ctx: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        f = request.FILES.get("file")
        if not f:
            ctx["errors"] = [_("请选择要导入的 Excel 文件。")]
            status = 400
        else:
            try:
                result = units_import_xlsx(by=request.user, data=f.read(), dry_run=bool(request.POST.get("dry_run")))
            except ImportFailed as e:
                ctx["errors"], status = e.errors, 400
            except ServiceError as e:
                ctx["errors"], status = [e.message], 400
            else:
                if "would_create" in result:
                    ctx["checked"] = result["would_create"]
                else:
                    messages.success(request, _("已导入 %(count)s 个单位。") % {"count": result["created"]})
                    return HttpResponseRedirect(reverse("unit_tree"))
    return render(request, "org/unit_import.html", ctx, status=status)


# ---- people and roles (the office within its scope; administrators everywhere) --------------------------------

PEOPLE_PAGE = 50


def _people_manager(request) -> bool:
    scope = scope_for(request.user)
    return scope.is_admin or scope.has_role(Role.OFFICE)


def _refuse(request):
    return render(request, "403.html", {"message": _("只有督查室/办公室或系统管理员可以管理人员。")}, status=403)


def _unit_from(text: str) -> tuple[Unit | None, str]:
    from .people import UnitNameFinder

    unit, problem = UnitNameFinder().find(text.strip())
    return unit, (problem + "。" if problem else "")


def _unit_label(unit: Unit | None) -> str:
    return unit.name if unit else ""


@login_required
def people_list(request):
    if not _people_manager(request):
        return _refuse(request)
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "") if request.GET.get("role", "") in Role.values else ""
    unit = None
    unit_text = request.GET.get("unit", "").strip()
    if unit_text:
        unit, problem = _unit_from(unit_text)
        if problem:
            messages.error(request, problem)
    qs = selectors.people_managed(request.user, q=q, unit=unit, role=role)
    page = Paginator(qs, PEOPLE_PAGE).get_page(request.GET.get("page"))
    labels = dict(Role.choices)
    rows = [{"url": reverse("person_edit", args=[p.pk]), "username": p.username, "full_name": p.full_name,
             "unit": _unit_label(p.unit), "title": p.title, "phone": p.phone, "active": p.is_active,
             "login": p.is_active and p.has_usable_password(),
             "grants": "、".join(f"{labels[g.role]}（{g.unit.name}）" for g in p.grants.all())} for p in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "org/people_list.html", {
        "rows": rows, "page": page, "q": q, "role": role, "unit_text": unit_text, "roles": Role.choices,
        "query": query.urlencode()})


def _edit_form(person, data=None) -> PersonForm:
    initial = {"full_name": person.full_name, "unit": _unit_label(person.unit), "title": person.title,
               "phone": person.phone, "email": person.email, "is_active": person.is_active, "language": person.language}
    return PersonForm(data, initial=initial, editing=True)


def _person_ctx(request, person, **extra):
    scope = scope_for(request.user)
    labels = dict(Role.choices)
    grants = [{"id": g.pk, "role": labels[g.role], "unit": g.unit.name,
               "revoke_url": reverse("person_grant_revoke", args=[person.pk, g.pk])}
              for g in person.grants.select_related("unit").order_by("role", "unit__path")]
    return {"person": person, "grants": grants, "manageable": services.person_manageable(scope, person),
            "grant_form": GrantForm(admin=scope.is_admin),
            "can_login": person.is_active and person.has_usable_password(),
            **extra}


def _submit_person_form(form, save):
    """A posted person form: validate it, find its unit, call `save(cleaned_data, unit)`. Returns (what `save`
    returned, None) or (None, the HTTP status); a problem or a refusal is shown on the form's field."""
    if not form.is_valid():
        return None, 400
    d = form.cleaned_data
    unit, problem = _unit_from(d["unit"])
    if problem:
        form.add_error("unit", problem)
        return None, 400
    try:
        return save(d, unit), None
    except ServiceError as e:
        form.add_error(e.field if e.field in form.fields else None, e.message)
        return None, 403 if isinstance(e, PermissionDeniedError) else 400


@login_required
def person_new(request):
    if not _people_manager(request):
        return _refuse(request)
    form = PersonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        person, status = _submit_person_form(form, lambda d, unit: services.person_create(
            by=request.user, username=d["username"], full_name=d["full_name"], unit=unit, title=d["title"],
            phone=d["phone"], email=d["email"], language=d["language"]))
        if person is not None:
            messages.success(request, _("已新建人员 %(name)s（%(username)s），尚无密码、不能登录；需要时在本页设置初始密码。")
                             % {"name": person.full_name, "username": person.username})
            return HttpResponseRedirect(reverse("person_edit", args=[person.pk]))
    return render(request, "org/person_form.html",
                  {"form": form},
                  status=status)


@login_required
def person_edit(request, pk):
    if not _people_manager(request):
        return _refuse(request)
    person = selectors.person_get(request.user, pk)
    form = _edit_form(person, request.POST or None)
    status = 200
    if request.method == "POST":
        saved, status = _submit_person_form(form, lambda d, unit: services.person_update(
            by=request.user, person=person, full_name=d["full_name"], title=d["title"], phone=d["phone"],
            email=d["email"], unit=unit, is_active=d["is_active"], language=d["language"]) or True)
        if saved:
            messages.success(request, _("已保存。"))
            return HttpResponseRedirect(reverse("person_edit", args=[person.pk]))
    return render(request, "org/person_form.html", _person_ctx(request, person, form=form), status=status)


@require_POST
@login_required
def person_grant_add(request, pk):
    if not _people_manager(request):
        return _refuse(request)
    person = selectors.person_get(request.user, pk)
    form = GrantForm(request.POST, admin=scope_for(request.user).is_admin)
    status = 400
    if form.is_valid():
        unit, problem = _unit_from(form.cleaned_data["unit"])
        if unit is None:
            form.add_error("unit", problem)
        else:
            try:
                services.grant_role(by=request.user, person=person, role=form.cleaned_data["role"], unit=unit)
            except ServiceError as e:
                form.add_error(None, e.message)
                status = 403 if isinstance(e, PermissionDeniedError) else 400
            else:
                messages.success(request, _("已授予角色。"))
                return HttpResponseRedirect(reverse("person_edit", args=[person.pk]) + "#grants")
    ctx = _person_ctx(request, person, form=_edit_form(person))
    ctx["grant_form"] = form
    return render(request, "org/person_form.html", ctx, status=status)


@require_POST
@login_required
def person_grant_revoke(request, pk, grant_pk):
    if not _people_manager(request):
        return _refuse(request)
    person = selectors.person_get(request.user, pk)
    grant = RoleGrant.objects.select_related("unit", "person").filter(pk=grant_pk, person=person).first()
    if grant is None:
        raise Http404
    try:
        services.grant_revoke(by=request.user, grant=grant)
    except PermissionDeniedError as e:
        return render(request, "403.html", {"message": e.message}, status=403)
    except ServiceError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("已撤销角色。"))
    return HttpResponseRedirect(reverse("person_edit", args=[person.pk]) + "#grants")


@require_POST
@login_required
def person_password(request, pk):
    """A new random password, shown once on this response (not stored in clear, not journaled)."""
    if not _people_manager(request):
        return _refuse(request)
    person = selectors.person_get(request.user, pk)
    try:
        password = services.person_set_password(by=request.user, person=person)
    except PermissionDeniedError as e:
        return render(request, "403.html", {"message": e.message}, status=403)
    return render(request, "org/person_form.html",
                  _person_ctx(request, person, form=_edit_form(person), new_password=password))


@login_required
def people_import(request):
    if not _people_manager(request):
        return _refuse(request)
    from .people import people_import_xlsx

    form = PeopleImportForm(request.POST or None, request.FILES or None)
    ctx: dict[str, Any] = {"form": form}
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            dry_run = form.cleaned_data["dry_run"]
            try:
                result = people_import_xlsx(by=request.user, data=form.cleaned_data["file"].read(), dry_run=dry_run)
            except ImportFailed as e:
                ctx["errors"] = e.errors
            except ServiceError as e:
                ctx["errors"] = [e.message]
                status = 403 if isinstance(e, PermissionDeniedError) else 400
            else:
                counts = {"created": len(result["created"]), "updated": len(result["updated"]),
                          "unchanged": result["unchanged"], "grants": result["grants"]}
                if dry_run:
                    ctx["checked"], status = counts, 200
                else:
                    messages.success(request, _("导入完成：新建 %(created)s 人，更新 %(updated)s 人，未变 %(unchanged)s 人，"
                                                "新增角色 %(grants)s 项。新建的账号尚无密码，需设置后才能登录。") % counts)
                    return HttpResponseRedirect(reverse("people_list"))
    return render(request, "org/people_import.html", ctx, status=status)


# ---- 包联 (leaders and units helping units along) -----------------------------------------------------------

@login_required
def pairings(request):
    """The office's page of who 包联s which unit: the list in its subtrees, a form to add one, a button to end one."""
    if not _people_manager(request):
        return _refuse(request)
    form = {"target": "", "leader": "", "helper_unit": "", "note": ""}
    status = 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        errors = []
        target, problem = _unit_from(form["target"]) if form["target"] else (None, _("请填写被包联单位。"))
        if problem:
            errors.append(_("被包联单位：%(p)s") % {"p": problem})
        leader = None
        if form["leader"]:
            leader = Person.objects.filter(Q(username=form["leader"]) | Q(full_name=form["leader"])).first()
            if leader is None:
                errors.append(_("包联领导：没有账号或姓名为“%(n)s”的人员。") % {"n": form["leader"]})
        helper_unit = None
        if form["helper_unit"]:
            helper_unit, problem = _unit_from(form["helper_unit"])
            if problem:
                errors.append(_("包联单位：%(p)s") % {"p": problem})
        if not errors and target is not None:
            try:
                services.pairing_create(by=request.user, target_unit=target, helper_person=leader,
                                        helper_unit=helper_unit, note=form["note"])
            except ServiceError as refused:
                errors.append(refused.message)
            else:
                messages.success(request, _("已添加包联关系。"))
                return HttpResponseRedirect(reverse("pairings"))
        for message in errors:
            messages.error(request, message)
        status = 400
    rows = [{"id": p.pk, "target": p.target_unit.name, "target_path": p.target_unit.path,
             "leader": p.helper_person.display_name if p.helper_person else "",
             "leader_title": p.helper_person.title if p.helper_person else "",
             "helper_unit": p.helper_unit.name if p.helper_unit else "", "note": p.note}
            for p in selectors.pairings_managed(request.user)[:1000]]
    return render(request, "org/pairings.html", {"rows": rows, "form": form,
                                                 "end_url": reverse("pairing_end", args=[0]).removesuffix("0/end/")},
                  status=status)


@require_POST
@login_required
def pairing_end(request, pk):
    if not _people_manager(request):
        return _refuse(request)
    pairing = selectors.pairings_managed(request.user).filter(pk=pk).first()
    if pairing is None:
        raise Http404
    try:
        services.pairing_end(by=request.user, pairing=pairing, reason=request.POST.get("reason", ""))
    except ServiceError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("已解除包联关系。"))
    return HttpResponseRedirect(reverse("pairings"))
@login_required
def unit_search(request):
    """The unit picker's options (core.widgets.UnitPicker, htmx): the box's text is sent under the box's own name,
    which `field` names."""
    field = request.GET.get("field", "q")[:40]
    text = request.GET.get(field, "")[:200]
    return render(request, "org/_unit_options.html", {"choices": selectors.unit_choices(text), "typed": text.strip(),
                                                      "listbox": request.GET.get("listbox", "")[:60]})
