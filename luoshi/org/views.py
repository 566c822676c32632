from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from luoshi.core.errors import ServiceError
from luoshi.core.excel import ImportFailed

from .models import Unit, UnitKind
from .scopes import scope_for
from .services import units_import_xlsx


@login_required
def unit_tree(request):
    """The unit tree, down to streets by default; `?under=ID` opens a subtree."""
    under = Unit.objects.filter(pk=request.GET.get("under")).first() if request.GET.get("under", "").isdigit() else None
    qs = Unit.objects.filter(is_active=True)
    if under:
        qs = qs.filter(path__startswith=under.path, depth__lte=under.depth + 2)
    else:
        qs = qs.filter(depth__lte=2)
    q = request.GET.get("q", "").strip()
    if q:
        qs = Unit.objects.filter(Q(name__contains=q) | Q(short_name__contains=q))[:200]
    units = list(qs.annotate(n_children=Count("children")).order_by("path")[:1500])
    return render(request, "org/unit_tree.html", {"units": units, "under": under, "q": q, "kinds": UnitKind,
                                                  "can_import": scope_for(request.user).is_admin})


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
