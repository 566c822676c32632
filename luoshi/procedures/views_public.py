"""The public site's 交易公告 and 成交公示: what the steps published, only the definition's public fields (no land
costs, no people)."""
from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.core.paging import Pager

from .selectors import notices_public


def notice_list(request):
    page = Pager(notices_public(), 30).get_page(request.GET.get("page"))
    prefix = reverse("portal_procedure_notice", args=[0]).removesuffix("0/")
    rows = [{"url": f"{prefix}{n.pk}/", "title": n.title, "kind": n.get_kind_display(),
             "published": timezone.localtime(n.published_at).date()} for n in page.object_list]
    return render(request, "procedures/public_list.html", {"page": page, "rows": rows})


def notice_detail(request, pk: int):
    notice = notices_public().filter(pk=pk).first()
    if notice is None:
        raise Http404(_("公告不存在。"))
    return render(request, "procedures/public_notice.html", {
        "notice": notice, "published": timezone.localtime(notice.published_at).date(),
        "list_url": reverse("portal_procedure_notices")})
