"""The ideas list's filters (core.filters, django-filter): the campaign page checks its query parameters with
IdeaFilterSet, and ideas.selectors.ideas_for applies them inside the query scoped to the user."""
from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from luoshi.core.filters import ListFilterSet

from .models import Decision, Idea, IdeaState, SourceKind
from .scheme import province_names


class IdeaFilterSet(ListFilterSet):
    state = django_filters.ChoiceFilter(label=_("状态"), choices=IdeaState.choices, empty_label=_("全部状态"))
    topic = django_filters.ChoiceFilter(label=_("领域"), empty_label=_("全部领域"))
    province = django_filters.ChoiceFilter(label=_("省份"), empty_label=_("全部省份"))
    source_kind = django_filters.ChoiceFilter(label=_("类别"), choices=SourceKind.choices, empty_label=_("全部类别"))
    decision = django_filters.ChoiceFilter(label=_("处理结果"), choices=Decision.choices, empty_label=_("全部结果"))
    q = django_filters.CharFilter(label=_("关键词"), method="search", max_length=100)
    order = django_filters.ChoiceFilter(label=_("排序"), choices=[("score", _("按得分排名"))],
                                        empty_label=_("按提交顺序"), method="ranked")

    class Meta:
        model = Idea
        fields: list[str] = []

    def __init__(self, data=None, *, topics=(), **kwargs):
        super().__init__(data, **kwargs)
        self.filters["topic"].extra["choices"] = [(t, t) for t in topics]
        self.filters["province"].extra["choices"] = [(p, p) for p in province_names()]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(content__icontains=value)) if value else queryset

    def ranked(self, queryset, name, value):
        """By the experts' score, best first; ideas not scored yet are left out."""
        return queryset.filter(score__isnull=False).order_by("-score", "seq") if value == "score" else queryset
