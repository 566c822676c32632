from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
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

