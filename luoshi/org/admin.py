from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from luoshi.core.admin import JournaledAdmin

from .models import Pairing, Person, RoleGrant, Unit
from .services import unit_move, unit_set_path


@admin.register(Unit)
class UnitAdmin(JournaledAdmin):
    list_display = ("name", "short_name", "kind", "code", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "short_name", "code")
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "depth")

    def save_model(self, request, obj, form, change):
        if change and "parent" in form.changed_data:
            new_parent = obj.parent
            obj.parent = Unit.objects.get(pk=obj.pk).parent
            super().save_model(request, obj, form, change)
            unit_move(by=request.user, unit=obj, new_parent=new_parent)
            return
        super().save_model(request, obj, form, change)
        if not change:
            unit_set_path(obj)


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 1
    autocomplete_fields = ("unit",)


@admin.register(Person)
class PersonAdmin(JournaledAdmin, UserAdmin):
    list_display = ("username", "full_name", "title", "unit", "is_active")
    search_fields = ("username", "full_name", "phone")
    autocomplete_fields = ("unit",)
    inlines = [RoleGrantInline]
    fieldsets = (*(UserAdmin.fieldsets or ()), ("单位与职务", {"fields": ("full_name", "title", "phone", "unit")}))


@admin.register(Pairing)
class PairingAdmin(JournaledAdmin):
    list_display = ("helper_person", "helper_unit", "target_unit", "note")
    autocomplete_fields = ("helper_person", "helper_unit", "target_unit")
