"""Teams and their memberships."""

from django.contrib import admin

from core.models import Membership, Team
from ops.admin.base import AuditedModelAdmin


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ("user",)
    extra = 0


@admin.register(Team)
class TeamAdmin(AuditedModelAdmin, admin.ModelAdmin):
    list_display = ("name", "hash_id", "organization", "is_personal", "created_at")
    search_fields = ("name", "hash_id", "slug")
    list_select_related = ("organization",)
    inlines = [MembershipInline]
