"""The signed-in person's own pages: settings and notifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.models import Membership
from core.selectors.entries import notifications_for
from core.services import accounts
from core.services.notifications import notifications_mark_read
from core.web.common import page_panels, posted
from core.web.forms import EmailForm, NotificationPrefsForm, ProfileForm, ScheduleForm


def _forms(request, post=None):
    user = request.user
    action = post.get("action") if post else None
    memberships = (
        Membership.objects.filter(user=user).select_related("team", "user").order_by("team__is_personal", "team__name")
    )
    return {
        "profile": ProfileForm(
            post if action == "profile" else None,
            initial={"full_name": user.full_name, "nickname": user.nickname, "time_zone": user.time_zone},
        ),
        "prefs": NotificationPrefsForm(
            post if action == "notifications" else None,
            initial={
                "on_comment": user.email_on_comment,
                "on_mention": user.email_on_mention,
                "on_like": user.email_on_like,
            },
        ),
        "schedules": [
            (m, ScheduleForm.for_membership(m, post if action == f"schedule-{m.pk}" else None)) for m in memberships
        ],
        "email_form": EmailForm(post if action == "add-email" else None),
        "alternates": user.alternate_emails.order_by("email"),
    }


def _schedule(request, forms) -> bool:
    action = request.POST.get("action", "")
    membership, form = next(((m, f) for m, f in forms["schedules"] if f"schedule-{m.pk}" == action), (None, None))
    if form is None or not form.is_valid():
        return False
    data = {**form.cleaned_data}
    data["reminder_days"], data["digest_days"] = "".join(data["reminder_days"]), "".join(data["digest_days"])
    accounts.membership_schedule_update(membership=membership, actor=request.user, **data)
    return True


def _with_form(key, service):
    """An action that validates one of the page's forms and hands its data to one service."""

    def run(request, forms) -> bool:
        if not forms[key].is_valid():
            return False
        service(user=request.user, actor=request.user, **forms[key].cleaned_data)
        return True

    return run


def _add_email(request, forms) -> bool:
    if not forms["email_form"].is_valid():
        return False
    email = forms["email_form"].cleaned_data["email"]
    accounts.alternate_email_add(user=request.user, actor=request.user, email=email)
    messages.info(request, "We sent a link to that address: open it to verify.")
    return True


def _reset_token(request, forms) -> bool:
    token = accounts.user_api_token_reset(user=request.user, actor=request.user)
    messages.warning(request, f"Your new API token: {token} (shown once)")
    return True


def _remove_email(request, forms) -> bool:
    accounts.alternate_email_remove(user=request.user, actor=request.user, email=request.POST.get("email", ""))
    return True


def _resend_verification(request, forms) -> bool:
    accounts.email_verification_send(user=request.user, email=request.user.email)
    messages.info(request, "We sent you a new link.")
    return True


ACTIONS = {
    "profile": _with_form("profile", accounts.user_profile_update),
    "notifications": _with_form("prefs", accounts.user_notifications_update),
    "add-email": _add_email,
    "remove-email": _remove_email,
    "resend-verification": _resend_verification,
    "reset-token": _reset_token,
}


def _save(request, forms) -> bool:
    """Apply the one form that was posted; False (with its errors shown) when its input is bad."""
    action = request.POST.get("action", "")
    handler = _schedule if action.startswith("schedule-") else ACTIONS.get(action)
    try:
        return bool(handler) and handler(request, forms)
    except ValueError as error:
        messages.error(request, str(error))
        return False


@login_required
@require_http_methods(["GET", "POST"])
def user_settings_view(request):
    forms = _forms(request, posted(request))
    if request.method == "POST" and _save(request, forms):
        messages.success(request, "Saved.")
        return redirect("user_settings")
    context = {**forms, "panels": page_panels(request, "user_settings")}
    return render(request, "core/user_settings.html", context, status=400 if request.method == "POST" else 200)


@login_required
def notifications_view(request):
    return render(request, "core/notifications.html", {"notifications": notifications_for(user=request.user)})


@login_required
@require_POST
def notifications_read_view(request):
    notifications_mark_read(user=request.user)
    return redirect("notifications")
