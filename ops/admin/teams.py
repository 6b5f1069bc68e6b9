"""Teams and their memberships.

Team settings change through ``team_update``; a membership's email schedule and pause through
``membership_schedule_update`` (pause / resume recompute the next reminder and digest), the inactivity
throttle is only lifted, through ``membership_emails_restore``; roles through ``membership_role_set``
and removal through ``membership_remove`` — each with ``actor=`` the staff member, each audited
old → new. People join teams by invitation in the product, so the portal adds nobody.
"""

import datetime as dt

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from core.models import Membership, Team
from core.permissions import ADMIN_TEAM, CHANGE_EMAILS
from core.services.accounts import membership_schedule_update
from core.services.schedules import membership_emails_pause, membership_emails_restore, membership_emails_resume
from core.services.teams import membership_remove, membership_role_set, team_update
from core.web.forms import QUARTER_HOURS, WEEKDAYS
from ops.admin.base import ServiceModelAdmin

TEAM_SETTINGS = ("name", "visibility", "carry_over_goals", "reminder_prompt")
SCHEDULE = ("reminder_days", "reminder_time", "digest_days", "digest_time", "emails_paused")
DERIVED = ("next_reminder_at", "next_digest_at", "emails_restored_at")


class MembershipInline(admin.TabularInline):
    """Who is in the team, read-only; each row links to the membership's own page."""

    model = Membership
    fields = readonly_fields = (
        "member",
        "role",
        "emails_paused",
        "emails_throttled",
        "next_reminder_at",
        "next_digest_at",
    )
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="member")
    def member(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:core_membership_change", args=[obj.pk]), obj.user)


@admin.register(Team)
class TeamAdmin(ServiceModelAdmin, admin.ModelAdmin):
    list_display = ("name", "hash_id", "organization", "is_personal", "created_at")
    search_fields = ("name", "hash_id", "slug")
    list_select_related = ("organization",)
    fields = ("hash_id", "organization", "slug", "is_personal", *TEAM_SETTINGS, "created_at")
    readonly_fields = ("hash_id", "organization", "slug", "is_personal", "created_at")
    inlines = [MembershipInline]

    def has_add_permission(self, request):
        return False  # teams are made by their owners in the product (``team_create``)

    def save_model(self, request, obj, form, change):
        stored, data = Team.objects.get(pk=obj.pk), form.cleaned_data
        self.call_service(
            team_update, team=stored, actor=request.user, **{f: data.get(f, getattr(stored, f)) for f in TEAM_SETTINGS}
        )


class MembershipForm(forms.ModelForm):
    reminder_days = forms.MultipleChoiceField(choices=WEEKDAYS, required=False, widget=forms.CheckboxSelectMultiple)
    reminder_time = forms.TypedChoiceField(choices=QUARTER_HOURS, coerce=dt.time.fromisoformat)
    digest_days = forms.MultipleChoiceField(choices=WEEKDAYS, required=False, widget=forms.CheckboxSelectMultiple)
    digest_time = forms.TypedChoiceField(choices=QUARTER_HOURS, coerce=dt.time.fromisoformat)
    emails_throttled = forms.BooleanField(
        required=False, help_text="Set by the daily loop after 7 days without entries; untick to send daily again."
    )

    class Meta:
        model = Membership
        fields = ("role", *SCHEDULE, "emails_throttled")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        membership = self.instance
        for name in ("reminder_days", "digest_days"):
            self.initial[name] = list(getattr(membership, name))
        for name in ("reminder_time", "digest_time"):
            self.initial[name] = getattr(membership, name).strftime("%H:%M")

    def clean_reminder_days(self):
        return "".join(sorted(self.cleaned_data["reminder_days"]))

    def clean_digest_days(self):
        return "".join(sorted(self.cleaned_data["digest_days"]))

    def clean_emails_throttled(self):
        throttled = self.cleaned_data["emails_throttled"]
        if throttled and not self.instance.emails_throttled:
            raise forms.ValidationError("Only the daily loop throttles emails; here it can only be lifted.")
        return throttled


@admin.register(Membership)
class MembershipAdmin(ServiceModelAdmin, admin.ModelAdmin):
    list_display = ("user", "team", "role", "emails_paused", "emails_throttled", "next_reminder_at", "next_digest_at")
    list_filter = ("role", "emails_paused", "emails_throttled")
    search_fields = ("user__email", "team__name", "team__hash_id")
    list_select_related = ("user", "team")
    show_full_result_count = False
    form = MembershipForm
    fieldsets = (
        (None, {"fields": ("user", "team", "joined_at", "role")}),
        ("Emails", {"fields": (*SCHEDULE, "emails_throttled", *DERIVED)}),
    )
    actions = ["emails_pause", "emails_resume", "emails_restore"]

    def has_add_permission(self, request):
        return False  # people join by invitation (support resends one) or by joining a visible team

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(CHANGE_EMAILS) or request.user.has_perm(ADMIN_TEAM)

    def get_readonly_fields(self, request, obj=None):
        fields = ["user", "team", "joined_at", *DERIVED]
        if not request.user.has_perm(ADMIN_TEAM):
            fields.append("role")
        if not request.user.has_perm(CHANGE_EMAILS):
            fields += [*SCHEDULE, "emails_throttled"]
        return fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, through the delete page and the service
        return actions

    def save_model(self, request, obj, form, change):
        stored = Membership.objects.select_related("user", "team").get(pk=obj.pk)
        data, changed = form.cleaned_data, set(form.changed_data)
        # Each call is its own service; a refusal by a later one rolls the earlier ones back too.
        if changed & set(SCHEDULE):
            self.call_service(
                membership_schedule_update,
                membership=stored,
                actor=request.user,
                **{f: data.get(f, getattr(stored, f)) for f in SCHEDULE},
            )
        if "emails_throttled" in changed and not data["emails_throttled"]:
            self.call_service(membership_emails_restore, membership=stored, actor=request.user)
        if "role" in changed:
            self.call_service(membership_role_set, membership=stored, actor=request.user, role=data["role"])

    def delete_model(self, request, obj):
        self.call_service(membership_remove, membership=obj, actor=request.user)

    @admin.action(description="Pause emails", permissions=["emails"])
    def emails_pause(self, request, queryset):
        self._act(request, queryset, verb="pause", service=membership_emails_pause, done="Emails paused")

    @admin.action(description="Resume emails", permissions=["emails"])
    def emails_resume(self, request, queryset):
        self._act(request, queryset, verb="resume", service=membership_emails_resume, done="Emails resumed")

    @admin.action(description="Unthrottle: daily emails again", permissions=["emails"])
    def emails_restore(self, request, queryset):
        self._act(request, queryset, verb="unthrottle", service=membership_emails_restore, done="Unthrottled")

    def _act(self, request, queryset, *, verb, service, done):
        self.run_service_action(
            request,
            queryset,
            verb=verb,
            service=lambda membership: service(membership=membership, actor=request.user),
            done=done,
        )

    def has_emails_permission(self, request) -> bool:
        return request.user.has_perm(CHANGE_EMAILS)
