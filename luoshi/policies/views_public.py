"""The public policy dictionary (政策词典) on the portal: search by theme, tag, 申报类型 and keyword (jieba),
and a short profile form that shows the clauses that may apply. Nothing typed into the form is stored: the
values live in the query string of the one request that shows the result."""
from __future__ import annotations

from django.shortcuts import render

from luoshi.core.paging import Pager

from . import selectors
from .attributes import ATTRIBUTES, attribute_parse

PAGE_SIZE = 30
NEARLY_SHOWN = 30
FORM_KEYS = [k for k, a in ATTRIBUTES.items() if a.public]


def _profile(request) -> tuple[dict, dict[str, str], dict[str, str]]:
    """The typed profile (values), the errors per attribute, and the texts as typed (for the opt-in save)."""
    profile, errors, texts = {}, {}, {}
    for key in FORM_KEYS:
        raw = request.GET.getlist(key) if ATTRIBUTES[key].kind == "set" else request.GET.get(key, "")
        if isinstance(raw, list):
            raw = "、".join(x for x in raw if x)
        if not str(raw).strip():
            continue
        texts[key] = str(raw)[:100]
        try:
            profile[key] = attribute_parse(ATTRIBUTES[key], texts[key])
        except ValueError as e:
            errors[key] = str(e)
    return profile, errors, texts


def search(request):
    f = selectors.ClauseFilters(q=request.GET.get("q", "").strip()[:100],
                                theme=int(request.GET["theme"]) if request.GET.get("theme", "").isdigit() else None,
                                tag=int(request.GET["tag"]) if request.GET.get("tag", "").isdigit() else None,
                                declare_type=request.GET.get("type", "")[:30])
    vocab, types = selectors.vocabulary()
    matched = nearly = None
    profile, errors, texts = ({}, {}, {})
    if request.GET.get("match"):
        profile, errors, texts = _profile(request)
        if profile and not errors:
            found = selectors.public_matches(profile)
            matched = [cm for cm in found if cm[1].verdict != "nearly"]
            nearly = [cm for cm in found if cm[1].verdict == "nearly"][:NEARLY_SHOWN]
    page = Pager(selectors.public_clause_list(filters=f), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "policies/public_search.html", {
        "page": page, "f": f, "vocab": vocab, "types": types, "matched": matched, "nearly": nearly, "errors": errors,
        # an enterprise user may ask to keep what was typed: a POST to their own enterprise's profile
        "own": selectors.own_enterprise_id(request.user) if matched is not None else None, "texts": texts,
        "fields": [ATTRIBUTES[k] for k in FORM_KEYS], "typed": request.GET})


def clause(request, pk):
    return render(request, "policies/public_clause.html", {"clause": selectors.public_clause_get(pk=pk)})
