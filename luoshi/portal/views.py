"""The public site (阳光公开): no login. Reads only published records, through the apps' public selectors,
and never shows a person: no reporter, verifier or handler names, no coordinates, and phone and ID
numbers masked in any text."""
from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from luoshi.ledger import selectors as ledger
from luoshi.ledger.models import FindingPhoto, FindingStatus

PAGE_SIZE = 20


def home(request):
    return render(request, "portal/home.html", {"recent": ledger.exposure_list()[:6]})


def exposure_list(request):
    status = request.GET.get("status", "")
    qs = ledger.exposure_list(status=status if status in ("open", "closed") else "")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    photos = ledger.public_photos([f.pk for f in page])
    rows = [(f, photos.get(f.pk, {"before": [], "after": []})) for f in page]
    return render(request, "portal/exposure_list.html", {"page": page, "rows": rows, "status": status,
                                                         "closed": FindingStatus.CLOSED})


def exposure_detail(request, pk):
    finding = ledger.exposure_get(pk)
    photos = ledger.public_photos([finding.pk]).get(finding.pk, {"before": [], "after": []})
    return render(request, "portal/exposure_detail.html", {"f": finding, "photos": photos,
                                                           "closed": FindingStatus.CLOSED})


@cache_control(public=True, max_age=3600)
def photo(request, pk, variant):
    """Only the processed copy (resized, no EXIF/GPS) of a photo of a published finding."""
    p = FindingPhoto.objects.filter(pk=pk, finding__is_public=True, finding__program__is_archived=False,
                                    processed_at__isnull=False,
                                    process_error="").first()
    if p is None or variant not in ("display", "thumb"):
        raise Http404
    f = p.display if variant == "display" else p.thumb
    if not f:
        raise Http404
    return FileResponse(f.open("rb"), content_type="image/jpeg")
