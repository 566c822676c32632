"""The public policy dictionary (政策词典) on the portal: search by theme, tag, 申报类型 and keyword (jieba),
and a short profile form that shows the clauses that may apply. Nothing typed into the form is stored: the
values live in the query string of the one request that shows the result."""
from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy

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
        texts[key] = str(raw)
        try:
            profile[key] = attribute_parse(ATTRIBUTES[key], texts[key])
        except ValueError as e:
            errors[key] = str(e)
    return profile, errors, texts


COUNT_CAP = 1000


class CappedPager(Pager):
    """A Pager whose count stops at `cap`: in a dictionary of 50,000 clauses a common word ("补贴") matches
    20,000 of them, and counting them all was most of the page's time on PostgreSQL (a sequential scan, 146 ms);
    counting up to 1,001 stops early. The pager then says "more than 1,000 (narrow the search)", as
    core.paging.CappedPaginator does, and offers no pages past the cap."""

    def __init__(self, object_list, per_page, *, cap: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        rows = self.count_rows if self.count_rows is not None else self.object_list
        return rows[:self.cap + 1].count()

    @property
    def capped(self) -> bool:  # type: ignore[override]  # a class attribute on Pager
        return self.count > self.cap


PLACEHOLDERS = {"money": gettext_lazy("如 2000万元"), "percent": gettext_lazy("如 3.5%")}


def _menus(f: selectors.ClauseFilters) -> dict:
    """The three filter menus as plain tuples with the chosen option marked (the template only prints them)."""
    themes, tag_groups, types = selectors.vocabulary_menus()
    return {"theme_options": [(pk, name, pk == f.theme) for pk, name in themes],
            "tag_groups": [(theme, [(pk, name, pk == f.tag) for pk, name in tags]) for theme, tags in tag_groups],
            "type_options": [(name, name == f.declare_type) for name in types]}


def _form_fields(typed, errors: dict[str, str]) -> list[dict]:
    """The profile form's fields as plain values: what was typed (or ticked) and the error, per attribute."""
    fields = []
    for i, key in enumerate(FORM_KEYS, start=1):
        a = ATTRIBUTES[key]
        ticked = typed.getlist(key) if a.kind == "set" else [typed.get(key, "")]
        choices = ("是", "否") if a.kind == "bool" else a.choices
        fields.append({"key": key, "kind": a.kind, "id": f"p-{i}", "value": ticked[0] if ticked else "",
                       "choices": [(c, c in ticked) for c in choices], "error": errors.get(key, ""),
                       "placeholder": PLACEHOLDERS.get(a.kind, "")})
    return fields


def search(request):
    """The public dictionary: a page of 30 clauses as plain rows (seven columns), a count (without the display
    joins, up to 1,000) only when the page is full, the three menus from one lean query each; nothing kept
    between requests."""
    f = selectors.ClauseFilters(q=request.GET.get("q", "").strip()[:100],
                                theme=int(request.GET["theme"]) if request.GET.get("theme", "").isdigit() else None,
                                tag=int(request.GET["tag"]) if request.GET.get("tag", "").isdigit() else None,
                                declare_type=request.GET.get("type", "")[:30])
    matched = nearly = None
    profile, errors, texts = ({}, {}, {})
    if request.GET.get("match"):
        profile, errors, texts = _profile(request)
        if profile and not errors:
            found = selectors.public_matches(profile)
            matched = [cm for cm in found if cm[1].verdict != "nearly"]
            nearly = [cm for cm in found if cm[1].verdict == "nearly"][:NEARLY_SHOWN]
    page = CappedPager(selectors.public_clause_rows(filters=f), PAGE_SIZE, cap=COUNT_CAP,
                       count_rows=selectors.public_clause_count_rows(filters=f)).get_page(request.GET.get("page"))
    return render(request, "policies/public_search.html", {
        "page": page, "f": f, **_menus(f), "matched": matched, "nearly": nearly,
        "clause_url": reverse("portal_policy_clause", args=[0]).removesuffix("0/"),
        # an enterprise user may ask to keep what was typed: a POST to their own enterprise's profile
        "own": selectors.own_enterprise_id(request.user) if matched is not None else None, "texts": texts,
        "fields": _form_fields(request.GET, errors)})


def clause(request, pk):
    return render(request, "policies/public_clause.html", {"clause": selectors.public_clause_get(pk=pk)})
