"""People: the accounts support looks up, and the entries they wrote.

Every field a core service owns is changed through that service with ``actor=`` the staff member
(profile → ``user_profile_update``, which moves the person's schedules to a new time zone;
notification preferences; API token → reset only, never shown; other addresses → add / remove).
Staff never see or set a password: the password field is gone from the form, and the stock
password page is for superusers only (support sends a reset email instead). Staff flags, groups and
permissions stay Django's own fields, superuser-only, and every change is audited old → new.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from core.models import AlternateEmail, Entry, Membership, User
from core.permissions import ADD_ADDRESS
from core.services.accounts import (
    alternate_email_add,
    alternate_email_remove,
    nickname_validate,
    user_api_token_reset,
    user_notifications_update,
    user_profile_update,
    user_signup,
)
from core.services.entries import entry_delete
from core.web.forms import time_zone_choices
from ops.admin.base import AuditedModelAdmin, ServiceModelAdmin, json_ready, model_state

PROFILE = ("full_name", "nickname", "time_zone")
NOTIFICATIONS = ("email_on_comment", "email_on_mention", "email_on_like")
STOCK = ("is_active", "is_staff", "is_superuser")  # superuser-only; no service owns them
SUPERUSER_ONLY = (*STOCK, "groups", "user_permissions")
DERIVED = ("email", "hash_id", "email_verified_at", "api_token", "last_login", "date_joined")


class UserChangeForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=time_zone_choices)
    add_address = forms.EmailField(
        required=False, label="Add another address", help_text="A verification link is emailed to it."
    )

    class Meta:
        model = User
        fields = (*PROFILE, *NOTIFICATIONS, *SUPERUSER_ONLY)

    def clean_nickname(self):
        nickname = self.cleaned_data["nickname"]
        try:
            nickname_validate(user=self.instance, nickname=nickname)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error
        return nickname


class AlternateEmailInline(admin.TabularInline):
    """Other addresses, shown; removing one goes through ``alternate_email_remove`` (see ``save_formset``)."""

    model = AlternateEmail
    fields = readonly_fields = ("email", "verified_at", "created_at")
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False  # added through the "Add another address" field, which sends the verification

    def has_change_permission(self, request, obj=None):
        return self.has_delete_permission(request, obj)  # the formset only ever deletes


@admin.register(User)
class UserAdmin(ServiceModelAdmin, DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "time_zone", "is_staff", "date_joined")
    search_fields = ("email", "full_name")
    form = UserChangeForm
    fieldsets = (
        (None, {"fields": ("email", "hash_id", "email_verified_at", "add_address")}),
        ("Profile", {"fields": PROFILE}),
        ("Emailed notifications", {"fields": NOTIFICATIONS}),
        ("API", {"fields": ("api_token",)}),
        ("Permissions", {"fields": SUPERUSER_ONLY}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = [AlternateEmailInline]
    actions = ["api_token_revoke"]

    def has_change_permission(self, request, obj=None):
        # A staff account is changed by superusers only: support changing a superuser's profile, adding an
        # address to it (replies from there post as them) or revoking its token would be a step up.
        if obj is not None and _staff_account(obj) and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        fields = list(DERIVED)
        if not request.user.is_superuser:
            fields += SUPERUSER_ONLY
        if not request.user.has_perm(ADD_ADDRESS):
            fields.append("add_address")  # a declared form field leaves the form only as "read-only"
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or request.user.has_perm(ADD_ADDRESS):
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "add_address"]})
            for name, options in fieldsets
        ]

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied("Support sends a password-reset email; staff never set a password.")
        return super().user_change_password(request, id, form_url)

    @admin.display(description="API token")
    def api_token(self, obj):
        return "set (its value is never shown)" if obj.api_token_hash else "none"

    def audit_state(self, obj) -> dict:
        state = model_state(obj)
        state["alternate_emails"] = sorted(obj.alternate_emails.values_list("email", flat=True))
        # A time-zone change moves every schedule: the audit shows where each one went.
        state["schedules"] = {
            str(team): {"next_reminder_at": reminder, "next_digest_at": digest}
            for team, reminder, digest in Membership.objects.filter(user=obj)
            .order_by("team_id")
            .values_list("team__name", "next_reminder_at", "next_digest_at")
        }
        return json_ready(state)

    def save_model(self, request, obj, form, change):
        if not change:  # superuser-only: the account is made as sign-up makes it (personal log, nickname,
            # the address's verification email), not as a bare row
            password = form.cleaned_data.get("password1") or None  # none chosen: unusable, never empty
            created = self.call_service(user_signup, email=obj.email, password=password)
            obj.pk, obj._state.adding, obj._state.db = created.pk, False, created._state.db
            return None
        stored, data, changed = User.objects.get(pk=obj.pk), form.cleaned_data, set(form.changed_data)
        if changed & set(PROFILE):
            self.call_service(
                user_profile_update,
                user=stored,
                actor=request.user,
                **{f: data.get(f, getattr(stored, f)) for f in PROFILE},
            )
        if changed & set(NOTIFICATIONS):
            self.call_service(
                user_notifications_update,
                user=stored,
                actor=request.user,
                **{f"on_{f.removeprefix('email_on_')}": data.get(f, getattr(stored, f)) for f in NOTIFICATIONS},
            )
        if data.get("add_address"):
            self.call_service(alternate_email_add, user=stored, actor=request.user, email=data["add_address"])
        stock = [f for f in STOCK if f in changed]
        if stock:  # superuser-only fields no service owns (readonly for everyone else)
            obj.save(update_fields=stock)

    def save_formset(self, request, form, formset, change):
        if formset.model is not AlternateEmail:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # collects the rows ticked for deletion, deletes nothing itself
        for alternate in formset.deleted_objects:
            self.call_service(alternate_email_remove, user=form.instance, actor=request.user, email=alternate.email)

    @admin.action(description="Revoke API token (a new one is made and never shown)", permissions=["change"])
    def api_token_revoke(self, request, queryset):
        def revoke(user):
            if _staff_account(user) and not request.user.is_superuser:
                raise ValueError("a staff account's token is revoked by a superuser")
            user_api_token_reset(user=user, actor=request.user)  # the new token is discarded unseen

        self.run_service_action(request, queryset, verb="api_token_reset", service=revoke, done="API tokens revoked")


def _staff_account(user) -> bool:
    return user.is_staff or user.is_superuser


if admin.site.is_registered(Group):
    admin.site.unregister(Group)  # Django's own, registered when django.contrib.auth.admin is imported


@admin.register(Group)
class GroupAdmin(AuditedModelAdmin, DjangoGroupAdmin):
    """Roles (defined in ``ops/roles.py``): superusers only, as Django's stock page, audited old → new."""


@admin.register(Entry)
class EntryAdmin(ServiceModelAdmin, admin.ModelAdmin):
    """Entries are their author's words: read-only here; deleting one goes through ``entry_delete``."""

    list_display = ("hash_id", "kind", "author", "team", "occurred_on", "created_at")
    list_filter = ("kind",)
    search_fields = ("hash_id", "author__email")
    list_select_related = ("author", "team")
    raw_id_fields = ("author", "team")
    show_full_result_count = False
    actions = None  # one at a time, through the delete page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        self.call_service(entry_delete, entry=obj, actor=request.user)
