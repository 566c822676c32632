from django.contrib import admin

from .journal import journal_record, snapshot
from .models import ApiToken, JournalEntry, Notification


class JournaledAdmin(admin.ModelAdmin):
    """Admin edits are writes too: each save and delete is journaled with the changed fields."""

    def save_model(self, request, obj, form, change):
        fields = [f for f in form.changed_data if f in {fld.name for fld in obj._meta.fields}]
        before = snapshot(type(obj).objects.get(pk=obj.pk), fields) if change and fields else {}
        super().save_model(request, obj, form, change)
        after = snapshot(obj, fields)
        journal_record(actor=request.user, verb=f"admin.{'change' if change else 'add'}", obj=obj,
                       changes={k: [before.get(k), after.get(k)] for k in fields})

    def delete_model(self, request, obj):
        journal_record(actor=request.user, verb="admin.delete", obj=obj)
        super().delete_model(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            for obj in formset.new_objects + [o for o, _ in formset.changed_objects]:
                journal_record(actor=request.user, verb="admin.change", obj=obj, changes={"via": str(form.instance)})
            for obj in formset.deleted_objects:
                journal_record(actor=request.user, verb="admin.delete", obj=obj)


@admin.register(JournalEntry)
class JournalEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "verb", "object_type", "object_repr")
    list_filter = ("verb", "object_type")
    search_fields = ("object_repr", "reason")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(JournaledAdmin):
    list_display = ("name", "person", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("person", "prefix", "key_hash", "created_at", "last_used_at")
    fields = ("name", "person", "prefix", "created_at", "last_used_at", "revoked_at")

    def has_add_permission(self, request):
        return False  # tokens are created with `luoshi token create`, which shows the key once


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "title", "read_at")
    list_filter = ("kind",)

    def has_change_permission(self, request, obj=None):
        return False


class RecordAdmin(admin.ModelAdmin):
    """Records that only the app's services write (paths, counts and the journal stay right): the admin lists,
    filters, searches and shows them, and changes nothing."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
