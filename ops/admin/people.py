"""People: the accounts support looks up, and the entries they wrote."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from core.models import Entry, User
from ops.admin.base import AuditedModelAdmin


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "time_zone", "is_staff", "date_joined")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "time_zone")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Entry)
class EntryAdmin(AuditedModelAdmin, admin.ModelAdmin):
    list_display = ("hash_id", "kind", "author", "team", "occurred_on", "created_at")
    list_filter = ("kind",)
    search_fields = ("hash_id", "author__email")
    list_select_related = ("author", "team")
    raw_id_fields = ("author", "team")
    show_full_result_count = False
