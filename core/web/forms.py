"""Forms: every bad input (empty, too long, bad date, unknown time zone) becomes a field error."""

import datetime as dt
import secrets
import zoneinfo
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from django import forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm, PasswordResetForm
from django.utils import translation

from core.emails.reminders import DEFAULT_PROMPT
from core.models import Membership, Organization, Team, User, WebhookDelivery
from core.services.entries import EARLIEST_DAY, MAX_ENTRY_LENGTH
from core.web.throttle import THROTTLED_MESSAGE, LoginThrottleMixin

WEEKDAYS = [(str(i), name) for i, name in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])]
QUARTER_HOURS = [(f"{h:02d}:{m:02d}", dt.time(h, m).strftime("%-I:%M %p")) for h in range(24) for m in (0, 15, 30, 45)]


@lru_cache(maxsize=1)
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")
    return [(z, z.replace("_", " ")) for z in names if not z.startswith(("Etc/", "SystemV/", "posix/", "right/"))]


class DateInput(forms.DateInput):
    input_type = "date"


class SignupForm(BaseUserCreationForm):
    time_zone = forms.ChoiceField(choices=time_zone_choices, initial="UTC", required=False)

    class Meta:
        model = User
        fields = ("email", "full_name")

    def clean_time_zone(self):
        return self.cleaned_data["time_zone"] or "UTC"

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email already exists: log in instead.")
        return email


class ThrottledAuthenticationForm(LoginThrottleMixin, AuthenticationForm):
    """Django's login form, refusing further tries for one account from one address after repeated failures."""

    error_messages = {**AuthenticationForm.error_messages, "throttled": THROTTLED_MESSAGE}


class TeamForm(forms.Form):
    name = forms.CharField(max_length=120)
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(), required=False, empty_label="A new organization"
    )
    visibility = forms.ChoiceField(choices=Team.Visibility.choices, initial=Team.Visibility.HIDDEN, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Personal logs live in an organization of their own; teams go in real ones.
        self.fields["organization"].queryset = (
            Organization.objects.filter(memberships__user=user).exclude(teams__is_personal=True).order_by("name")
        )


class EntryForm(forms.Form):
    text = forms.CharField(
        max_length=MAX_ENTRY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "One line per entry.  [ ] goal   [x] done   ! blocker"}),
    )
    occurred_on = forms.DateField(required=False, widget=DateInput)

    def clean_occurred_on(self):
        day = self.cleaned_data["occurred_on"]
        if day and day < EARLIEST_DAY:
            raise forms.ValidationError("That day is too long ago.")
        return day


def blank_entry_form_fields(day: dt.date | None) -> Mapping[str, str]:
    """The fields of a blank post form for ``day`` as HTML. Django renders each widget through templates (the
    larger part of what an empty day page cost); a blank form is the same for everyone on a given day, so it
    is rendered once per process, day and language."""
    return _blank_entry_fields(day, translation.get_language())


@lru_cache(maxsize=256)
def _blank_entry_fields(day: dt.date | None, language: str) -> Mapping[str, str]:
    return MappingProxyType(entry_form_fields(EntryForm(initial={"occurred_on": day})))  # shared: read-only


def entry_form_fields(form: EntryForm) -> dict[str, str]:
    """A form's fields as HTML (a posted one shows its own values and errors)."""
    return {name: str(form[name]) for name in form.fields}


class EntryEditForm(EntryForm):
    text = forms.CharField(max_length=MAX_ENTRY_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))


class CommentForm(forms.Form):
    text = forms.CharField(
        max_length=MAX_ENTRY_LENGTH, widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Write a comment"})
    )


class InviteForm(forms.Form):
    email = forms.EmailField()
    teams = forms.ModelMultipleChoiceField(queryset=Team.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, teams_qs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = teams_qs if teams_qs is not None else Team.objects.none()


class TeamSettingsForm(forms.Form):
    name = forms.CharField(max_length=120)
    visibility = forms.ChoiceField(choices=Team.Visibility.choices)
    carry_over_goals = forms.BooleanField(required=False, label="Carry open goals over to later days")
    reminder_prompt = forms.CharField(
        max_length=120,
        required=False,
        label="Reminder question",
        help_text=f'Asked in the evening email. Leave empty for "{DEFAULT_PROMPT}".',
    )


class OrganizationForm(forms.Form):
    name = forms.CharField(max_length=120)
    auto_join_domain = forms.CharField(
        max_length=120, required=False, help_text="People who verify an address at this domain join automatically."
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=150, required=False)
    nickname = forms.CharField(max_length=30, required=False, help_text="Your @handle for mentions.")
    time_zone = forms.ChoiceField(choices=time_zone_choices)


class NotificationPrefsForm(forms.Form):
    on_comment = forms.BooleanField(required=False, label="Someone comments on my entry")
    on_mention = forms.BooleanField(required=False, label="Someone @mentions me")
    on_like = forms.BooleanField(required=False, label="Someone likes my entry or comment")


def _time(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


class ScheduleForm(forms.Form):
    reminder_days = forms.MultipleChoiceField(choices=WEEKDAYS, required=False, widget=forms.CheckboxSelectMultiple)
    reminder_time = forms.TypedChoiceField(choices=QUARTER_HOURS, coerce=_time)
    digest_days = forms.MultipleChoiceField(choices=WEEKDAYS, required=False, widget=forms.CheckboxSelectMultiple)
    digest_time = forms.TypedChoiceField(choices=QUARTER_HOURS, coerce=_time)
    emails_paused = forms.BooleanField(required=False, label="Pause emails for this team")

    @classmethod
    def for_membership(cls, membership: Membership, data=None):
        initial = {
            "reminder_days": list(membership.reminder_days),
            "reminder_time": membership.reminder_time.strftime("%H:%M"),
            "digest_days": list(membership.digest_days),
            "digest_time": membership.digest_time.strftime("%H:%M"),
            "emails_paused": membership.emails_paused,
        }
        return cls(data, initial=initial, prefix=f"m{membership.pk}")


class EmailForm(forms.Form):
    email = forms.EmailField()


class ExportForm(forms.Form):
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise forms.ValidationError("The start comes after the end.")
        return cleaned


class OwedPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the email is owed as a delivery (logged, swept if lost) instead of sent
    inline; the link and its token are made when it is sent."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        from core.models import Delivery
        from core.services.deliveries import delivery_owe

        delivery_owe(kind=Delivery.Kind.PASSWORD_RESET, user=context["user"], to_email=to_email)


class HookForm(forms.Form):
    """A webhook's target and events. The target is checked by the service (the API's SSRF guard), whose
    refusal the view shows on this field."""

    target_url = forms.CharField(label="Target URL", max_length=2000, widget=forms.URLInput)
    events = forms.MultipleChoiceField(
        choices=WebhookDelivery.Event.choices,
        initial=WebhookDelivery.Event.values,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )


def new_creation_key() -> str:
    return secrets.token_urlsafe(24)


class HookAddForm(HookForm):
    # A one-time key, fresh on every blank form: the service makes one hook per key, so the same form sent
    # again (a reload of the page that shows the secret, a double click) does not add a second hook.
    creation_key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput, initial=new_creation_key)
