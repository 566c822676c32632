from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import clock
from .models import Notification


@login_required
def notifications(request):
    qs = Notification.objects.filter(recipient=request.user)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page})


@require_POST
@login_required
def notifications_read(request):
    Notification.objects.filter(recipient=request.user, read_at=None).update(read_at=clock.now())
    return HttpResponseRedirect(reverse("notifications"))



# ---- 待办: the one inbox (core.inbox) -------------------------------------------------------------------

def _inbox_rows(group, today) -> list[dict]:
    from .formats import day_text

    return [{"title": i.title, "url": i.url, "context": i.context, "unit": i.unit, "state": i.state,
             "due": day_text(i.due) if i.due else "", "overdue": bool(i.due and i.due < today),
             "due_today": i.due == today} for i in group.items]


@login_required
def inbox(request):
    """待办: every kind of work waiting for the user, from every app's registered sources, with counts."""
    from .inbox import inbox_groups, inbox_source

    only = request.GET.get("source", "")
    if only and inbox_source(only) is None:
        return render(request, "400.html", {"message": _("没有这一类待办：%(key)s") % {"key": only}}, status=400)
    today = clock.today()
    groups = inbox_groups(request.user, limit=None if only else 20, only=only)
    rows = [{"key": g.key, "label": g.label, "count": g.count, "items": _inbox_rows(g, today),
             "more": g.count - len(g.items), "all_url": f"{reverse('inbox')}?source={g.key}"} for g in groups]
    return render(request, "core/inbox.html", {"groups": rows, "total": sum(g.count for g in groups), "only": only,
                                               "today": today, "inbox_url": reverse("inbox")})


@login_required
def inbox_badge(request):
    """The navigation's 待办 count, fetched by htmx after the page has loaded (it costs one lean query per source
    that applies to the user, so pages do not pay for it)."""
    from .inbox import BADGE_CAP, inbox_badge_total

    total = inbox_badge_total(request.user)
    return render(request, "core/_inbox_badge.html",
                  {"inbox_total": total, "shown": f"{BADGE_CAP - 1}+" if total >= BADGE_CAP else str(total)})
