"""The public site (阳光公开): no login. Reads only published records, through the apps' public selectors,
and never shows a person: no reporter, verifier or handler names, no coordinates, and phone and ID
numbers masked in any text."""
from __future__ import annotations

from decimal import Decimal
from itertools import groupby

from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from luoshi.assessment import selectors as assessment
from luoshi.ledger import selectors as ledger
from luoshi.ledger.models import FindingPhoto, FindingStatus

PAGE_SIZE = 20


def home(request):
    rounds = assessment.public_rounds().order_by("-published_at", "-pk")[:5]
    return render(request, "portal/home.html", {"recent": ledger.exposure_list()[:6], "rounds": list(rounds)})


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


# ---- 考核排名: published public rounds, from the publication snapshot (units and numbers only) ----------------

def assess_list(request):
    """Published public rounds, grouped by scheme, newest first within each."""
    rounds = list(assessment.public_rounds())
    schemes = [(scheme, list(group)) for scheme, group in groupby(rounds, key=lambda r: r.scheme)]
    return render(request, "portal/assess_list.html", {"schemes": schemes})


def _number(text, places: int | None = None) -> str:
    """A snapshot number for the page: a total at the scheme's precision ("90.50"), a rank as written
    ("2", "2.5")."""
    if text in (None, ""):
        return "—"
    d = Decimal(str(text))
    if places is not None:
        return str(d.quantize(Decimal(1).scaleb(-places)))
    out = format(d.normalize(), "f")
    return "0" if out == "-0" else out


def assess_round(request, pk):
    """One round's published table (the latest revision) and, when it was revised, every revision's note.
    Only what the snapshot holds about units is shown; the reason a unit was not ranked is not."""
    rnd = assessment.public_round_get(pk)
    table, publications = assessment.public_table(rnd)
    definition = rnd.version.definition()
    names = {g.code: g.name for g in definition.peer_groups}
    order = {g.code: i for i, g in enumerate(definition.peer_groups)}     # groups in the scheme's order
    places = definition.precision
    big = Decimal(10 ** 9)
    rows = sorted(table, key=lambda r: (order.get(r.get("group", ""), len(order)), r.get("group", ""),
                                        r.get("rank") is None,
                                        Decimal(r["rank"]) if r.get("rank") is not None else big))
    groups = []
    for code, members in groupby(rows, key=lambda r: r.get("group", "")):
        groups.append({"name": names.get(code, code), "rows": [{
            "rank": _number(r.get("rank")) if not r.get("excluded") else "",
            "unit": r["unit"], "total": _number(r.get("total"), places), "grade": r.get("grade", ""),
            "up": max(r.get("movement") or 0, 0), "down": max(-(r.get("movement") or 0), 0),
            "moved": r.get("movement") is not None, "ranked": not r.get("excluded") and r.get("rank") is not None,
            "top": bool(r.get("top")), "bottom": bool(r.get("bottom"))} for r in members]})
    n = definition.top_bottom
    labels = (_("十佳"), _("十差")) if n == 10 else (_("前%(n)s名") % {"n": n}, _("后%(n)s名") % {"n": n})
    return render(request, "portal/assess_round.html", {
        "round": rnd, "groups": groups, "first": publications[0] if publications else None,
        "revisions": [p for p in publications if p.revision > 1], "top_bottom": n, "top_label": labels[0],
        "bottom_label": labels[1], "final": rnd.state == "final"})
