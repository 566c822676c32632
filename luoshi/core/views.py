from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.tasks.models import ProgressReport
from luoshi.tasks.selectors import tasks_visible

from . import clock
from .http import attachment_response
from .models import Attachment, Notification


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


@login_required
def attachment_download(request, pk):
    """Evidence is served only to people who may read a task it belongs to."""
    visible = tasks_visible(request.user).values("pk")
    att = Attachment.objects.filter(pk=pk).filter(
        Exists(ProgressReport.objects.filter(attachments=OuterRef("pk"), task__in=visible))
        | Q(closure_requests__task__in=visible)
    ).first()
    if att is None:
        raise Http404(_("没有找到该附件，或您无权查看。"))
    return attachment_response(att)
