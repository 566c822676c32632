"""The public portal's case pages: only cases reviewed into the library and published (Case.objects.public)."""
from __future__ import annotations

from django.shortcuts import render

from . import selectors


def public_list(request):
    q = request.GET.get("q", "").strip()
    return render(request, "cases/public_list.html", {"cases": selectors.public_case_list(q=q)[:100], "q": q})


def public_detail(request, pk):
    case = selectors.public_case_get(pk)
    return render(request, "cases/public_detail.html", {"case": case, "recognitions": case.recognitions.all(),
                                                        "adoptions": case.adoptions.select_related("unit")})
