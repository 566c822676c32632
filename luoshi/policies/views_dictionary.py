"""Pages of the policy office for the dictionary's frame: policy documents (list, new, edit) and the vocabulary
(主题, 标签, 申报类型: add, rename, reorder, remove). Thin: parse, call dictionary.py, render."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.params import parse_id
from luoshi.org.models import Role, Unit
from luoshi.org.scopes import scope_for

from . import dictionary, selectors
from .forms import PolicyForm, WordForm
from .models import DeclareType, Tag, Theme


def _regions(user):
    """The regions a policy may apply to: the city, districts and streets under the user's office role."""
    scope = scope_for(user)
    qs = Unit.objects.filter(is_active=True, kind__in=("city", "district", "street", "zone"))
    return qs if scope.is_admin else qs.filter(path__within=scope.paths_for(Role.OFFICE))


@login_required
def policy_list(request):
    return render(request, "policies/policies.html", {
        "rows": selectors.policy_list(user=request.user),
        "can_create": scope_for(request.user).is_admin or bool(scope_for(request.user).paths_for(Role.OFFICE))})


@login_required
def policy_edit(request, pk=None):
    policy = selectors.policy_get(pk=pk) if pk else None
    if policy is not None and not dictionary.can_manage_policy(request.user, policy):
        raise PermissionDenied(_("只有政策适用区域的政策办公室可以修改此政策文件。"))
    if policy is None and not dictionary.can_edit_vocabulary(request.user):
        raise PermissionDenied(_("只有政策办公室可以录入政策文件。"))
    initial = {}
    if policy is not None:
        initial = {k: getattr(policy, k) for k in ("title", "doc_number", "issuer", "region", "valid_from", "valid_to")}
    form = PolicyForm(request.POST or None, initial=initial, regions=_regions(request.user))
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        data = dictionary.PolicyInput(title=cd["title"], doc_number=cd["doc_number"], issuer=cd["issuer"],
                                      region=cd["region"], valid_from=cd["valid_from"], valid_to=cd["valid_to"])
        try:
            if policy is None:
                policy = dictionary.policy_create(by=request.user, data=data)
            else:
                dictionary.policy_update(by=request.user, policy=policy, data=data, reason=cd["reason"])
            messages.success(request, _("政策文件已保存。"))
            return redirect("policies_policies")
        except ServiceError as e:
            if isinstance(e, PermissionDeniedError):
                raise PermissionDenied(e.message) from None
            form.add_error(e.field if e.field in form.fields else None, e.message)
    return render(request, "policies/policy_edit.html", {"form": form, "policy": policy})


WORDS = {"theme": Theme, "tag": Tag, "type": DeclareType}


@login_required
def vocabulary(request):
    if request.method == "POST":
        return _vocabulary_post(request)
    rows = selectors.vocabulary_rows()
    return render(request, "policies/vocabulary.html", {
        **rows, "can_edit": dictionary.can_edit_vocabulary(request.user),
        "theme_choices": [(t["pk"], t["name"]) for t in rows["themes"]]})


def _vocabulary_post(request):
    kind, action = request.POST.get("kind", ""), request.POST.get("action", "")
    model = WORDS.get(kind)
    if model is None or action not in ("save", "delete"):
        messages.error(request, _("未知操作。"))
        return redirect("policies_vocabulary")
    pk = parse_id(request.POST.get("id"))
    word = model.objects.filter(pk=pk).first() if pk else None
    if pk and word is None:
        messages.error(request, _("这一项已不存在。"))
        return redirect("policies_vocabulary")
    try:
        if action == "delete":
            if word is None:
                raise ServiceError(_("未知操作。"))
            {"theme": lambda: dictionary.theme_delete(by=request.user, theme=word),
             "tag": lambda: dictionary.tag_delete(by=request.user, tag=word),
             "type": lambda: dictionary.declare_type_delete(by=request.user, declare_type=word)}[kind]()
            messages.success(request, _("“%(name)s”已删除。") % {"name": word.name})
        else:
            form = WordForm(request.POST)
            if not form.is_valid():
                raise ServiceError("；".join(f"{form.fields[k].label}：{' '.join(v)}" if k in form.fields else " ".join(v)
                                            for k, v in form.errors.items()))
            cd = form.cleaned_data
            if kind == "theme":
                saved = dictionary.theme_save(by=request.user, theme=word, name=cd["name"], sort_order=cd["sort_order"])
            elif kind == "tag":
                saved = dictionary.tag_save(by=request.user, tag=word, theme=cd["theme"], name=cd["name"],
                                            sort_order=cd["sort_order"])
            else:
                saved = dictionary.declare_type_save(by=request.user, declare_type=word, name=cd["name"],
                                                     sort_order=cd["sort_order"])
            messages.success(request, _("“%(name)s”已保存。") % {"name": saved.name})
    except ServiceError as e:
        if isinstance(e, PermissionDeniedError):
            raise PermissionDenied(e.message) from None
        messages.error(request, e.message)
    return redirect("policies_vocabulary")
