from django.contrib import admin

from luoshi.core.admin import RecordAdmin

from .models import Clause, DeclareType, Enterprise, Payout, PayoutBatch, Policy, Tag, Theme


@admin.register(Theme)
class ThemeAdmin(RecordAdmin):
    list_display = ("name", "sort_order")
    search_fields = ("name",)


@admin.register(Tag)
class TagAdmin(RecordAdmin):
    list_display = ("name", "theme", "sort_order")
    list_filter = ("theme",)
    search_fields = ("name",)


@admin.register(DeclareType)
class DeclareTypeAdmin(RecordAdmin):
    list_display = ("name", "sort_order")
    search_fields = ("name",)


@admin.register(Policy)
class PolicyAdmin(RecordAdmin):
    """Policies and clauses are loaded and versioned by policies.services (eligibility rules validated, versions
    kept); the admin shows them."""

    list_display = ("title", "doc_number", "issuer", "region", "valid_from", "valid_to")
    search_fields = ("title", "doc_number", "issuer")
    list_select_related = ("region",)


@admin.register(Clause)
class ClauseAdmin(RecordAdmin):
    list_display = ("code", "title", "policy", "theme", "dept", "no_application", "is_published", "version")
    list_filter = ("theme", "no_application", "is_published", "declare_type")
    search_fields = ("code", "title", "beneficiary")
    list_select_related = ("policy", "theme", "dept")
    exclude = ("search_text",)


@admin.register(Enterprise)
class EnterpriseAdmin(RecordAdmin):
    list_display = ("name", "credit_code", "unit", "profile_version", "updated_at")
    search_fields = ("name", "credit_code")
    list_select_related = ("unit",)


@admin.register(PayoutBatch)
class PayoutBatchAdmin(RecordAdmin):
    list_display = ("clause", "period", "state", "count", "total", "paid_on", "confirmed_at")
    list_filter = ("state", "period")
    search_fields = ("clause__code", "clause__title")
    list_select_related = ("clause",)


@admin.register(Payout)
class PayoutAdmin(RecordAdmin):
    list_display = ("batch", "enterprise", "amount", "period")
    list_filter = ("period",)
    search_fields = ("enterprise__name", "enterprise__credit_code", "clause__code")
    list_select_related = ("batch__clause", "enterprise")
