"""Evidence files of progress reports and closure requests (core.models.Attachment)."""
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils.translation import gettext as _

from luoshi.core.http import attachment_response
from luoshi.core.models import Attachment

from .models import ProgressReport
from .selectors import tasks_visible


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
