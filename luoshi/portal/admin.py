from django.contrib import admin

from .models import PublicRating


@admin.register(PublicRating)
class PublicRatingAdmin(admin.ModelAdmin):
    """Read-only: ratings are written by the public site only (comments are not published; they are read here)."""
    list_display = ("task", "score", "comment", "created_at")
    list_filter = ("score",)
    search_fields = ("task__code", "task__title", "comment")
    list_select_related = ("task",)
    readonly_fields = ("task", "score", "comment", "created_at")
    exclude = ("rater_key", "ip_hash")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
