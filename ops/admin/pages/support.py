"""Support tools: find anyone or anything from one box, a person's page, a team's page, an inbound
email's page, and the actions the runbook needs ("I didn't get my digest", "my reply didn't show up",
"stop emailing me"). Every action is a core service called with ``actor=``, audited, and asks first
when it sends something. Staff never see a password or token, and cannot act as the person.
"""

import datetime as dt

from django import forms
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from core.models import Delivery, InboundMessage, Invitation, Membership, User
from core.services.resends import RESENDABLE
from ops.admin.charts import daily_bars
from ops.admin.confirm import admin_render, back_url, confirm_then
from ops.roles import has_ops_permission
from ops.selectors.find import FindError, find
from ops.selectors.people import person_overview
from ops.selectors.teams import CHART_DAYS, team_overview
from ops.services.support import (
    support_delivery_resend,
    support_emails_pause,
    support_emails_resume,
    support_emails_unthrottle,
    support_inbound_reprocess,
    support_invitation_resend,
    support_login_unlock,
    support_password_reset_send,
)

KINDS = {  # what a found thing is called, and where it is shown
    "person": ("People", lambda key: reverse("admin:ops_person", args=[key])),
    "team": ("Teams", lambda key: reverse("admin:ops_team", args=[key])),
    "entry": ("Entries", lambda key: reverse("admin:core_entry_change", args=[key])),
    "task": ("Tasks", lambda key: reverse("admin:django_celery_results_taskresult_change", args=[key])),
    "inbound": ("Inbound emails", lambda key: reverse("admin:ops_inbound", args=[key])),
}

# Why an inbound email made no entries, in words support can read to the person.
INBOUND_WHY = {
    InboundMessage.Outcome.RECEIVED: "Stored, not parsed yet: a worker parses each stored email within seconds "
    "(a lost hand-over is retried every few minutes). If it waits much longer, check the workers; you can parse it "
    "now here. {parse_error}",
    InboundMessage.Outcome.FAILED: "Parsing failed every attempt: {parse_error} Once the cause is fixed, parse it "
    "again here.",
    InboundMessage.Outcome.EMPTY: "Nothing to post: after removing quoted text and the signature no line was left "
    "(or every line was refused, below).",
    InboundMessage.Outcome.UNKNOWN_SENDER: "Unknown sender: {from_email} is neither an account's address nor a "
    "verified alternate address. The person adds it under Settings → Email addresses and clicks the link we "
    "send; then parse it again here.",
    InboundMessage.Outcome.UNKNOWN_TEAM: "Unknown team address: {to_email} is no team's address (the part before @ "
    "is the team's slug). Check the address the person wrote to.",
    InboundMessage.Outcome.NOT_A_MEMBER: "The sender is not a member of the team at {to_email}: add them to the team "
    "(or they wrote to the wrong address), then parse it again.",
    InboundMessage.Outcome.REJECTED: "Rejected as unusable: {rejected_because}. It cannot be parsed again; the "
    "person sends it again (from one address, as plain mail).",
    InboundMessage.Outcome.AUTOMATED: "Ignored as automated: an auto-reply, bounce or list header, or the email "
    "provider's spam verdict. Never posted, never answered (mail loops).",
}


def _can(request, permission: str) -> bool:
    return has_ops_permission(request.user, permission)


# --- find -------------------------------------------------------------------------------------------
def find_page(request):
    term = request.GET.get("q", "").strip()
    try:
        found = find(term)
    except FindError as error:
        return admin_render(request, "admin/ops/find.html", {"title": "Find", "q": term, "error": str(error)})
    visible = [f for f in found if f.kind != "task" or _can(request, "django_celery_results.view_taskresult")]
    if len(visible) == 1:
        return redirect(KINDS[visible[0].kind][1](visible[0].key))
    groups = [(title, [(f, url(f.key)) for f in visible if f.kind == kind]) for kind, (title, url) in KINDS.items()]
    return admin_render(
        request,
        "admin/ops/find.html",
        {
            "title": f"Find “{term}”",
            "q": term,
            "groups": [g for g in groups if g[1]],
            "nothing": not visible,
        },
    )


# --- pages --------------------------------------------------------------------------------------------
def person_page(request, hash_id: str):
    overview = person_overview(hash_id=hash_id)
    if overview is None:
        raise Http404("No such person.")
    return admin_render(
        request,
        "admin/ops/person.html",
        {
            "title": overview.user.display_name,
            "o": overview,
            "can_resend": _can(request, "ops.resend_email"),
            "can_schedule": _can(request, "core.change_membership"),
            "can_reparse": _can(request, "ops.reparse_inbound"),
            "can_unlock": _can(request, "ops.unlock_login"),
            "can_see_deliveries": _can(request, "core.view_delivery"),
            "can_see_inbound": _can(request, "core.view_inboundmessage"),
            "inbound_why": {
                key: text.format(
                    from_email="this address",
                    to_email="that address",
                    rejected_because="see the email",
                    parse_error="(see the email)",
                ).strip()
                for key, text in INBOUND_WHY.items()
            },
        },
    )


def team_page(request, hash_id: str):
    overview = team_overview(hash_id=hash_id)
    if overview is None:
        raise Http404("No such team.")
    chart = daily_bars(f"Entries per day, last {CHART_DAYS // 7} weeks", overview.entries_per_day)
    return admin_render(
        request,
        "admin/ops/team.html",
        {
            "title": overview.team.name,
            "o": overview,
            "chart": chart,
            "total_entries": sum(n for _, n in overview.entries_per_day),
            "can_resend": _can(request, "ops.resend_email"),
            "can_see_webhooks": _can(request, "core.view_webhookdelivery"),
            "can_redeliver": _can(request, "ops.redeliver_webhook"),
        },
    )


def inbound_page(request, pk: int):
    inbound = InboundMessage.objects.select_related("user", "team").defer("mime").filter(pk=pk).first()
    if inbound is None:
        raise Http404("No such inbound email.")
    why = INBOUND_WHY.get(inbound.outcome, "")
    return admin_render(
        request,
        "admin/ops/inbound.html",
        {
            "title": f"Inbound email: {inbound.subject or '(no subject)'}",
            "inbound": inbound,
            "why": why.format(
                from_email=inbound.from_email,
                to_email=inbound.to_email,
                rejected_because=inbound.parsed.get("rejected_because", "see the stored message"),
                parse_error=f"Last error: {inbound.parsed['parse_error']}." if "parse_error" in inbound.parsed else "",
            ).strip(),
            "entries": inbound.parsed.get("entries", []),
            "rejected": inbound.parsed.get("rejected", []),
            "reprocessed": _reprocessed(inbound),
            "can_reparse": _can(request, "ops.reparse_inbound")
            and inbound.outcome != InboundMessage.Outcome.ENTRIES_CREATED,
            "sender": User.objects.alias(address=Lower("email"))
            .filter(address=inbound.from_email.lower())
            .only("hash_id")
            .first()
            if inbound.user is None
            else None,
        },
    )


def _reprocessed(inbound: InboundMessage) -> str:
    again = inbound.parsed.get("reprocessed")
    if not again:
        return ""
    try:
        when = f"{dt.datetime.fromisoformat(again['at']).astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
        was = InboundMessage.Outcome(again["previous_outcome"]).label
    except (KeyError, TypeError, ValueError):
        return str(again)
    return f"{when} (before: {was})"


def _entries(n: int) -> str:
    return f"{n} entry created" if n == 1 else f"{n} entries created"


# --- actions ----------------------------------------------------------------------------------------
def _person_url(user) -> str:
    return reverse("admin:ops_person", args=[user.hash_id])


class DeliveryForm(forms.Form):
    # Only a member's reminder or digest is resent (``delivery_resend``); a verification, reset or invitation
    # email has no membership to name, and each has its own way to be sent again.
    delivery = forms.ModelChoiceField(
        Delivery.objects.filter(kind__in=RESENDABLE, membership__isnull=False).select_related(
            "membership__user", "membership__team"
        ),
        error_messages={"invalid_choice": "Only a member's reminder or digest is resent here."},
    )


def resend_view(request):
    form = DeliveryForm(request.POST or request.GET)
    delivery = form.cleaned_data["delivery"] if form.is_valid() else None
    back = back_url(request, _person_url(delivery.membership.user) if delivery else reverse("admin:index"))
    question = (
        f"Send the {delivery.kind} of {delivery.local_date} to {delivery.membership.user.email} "
        f"({delivery.membership.team.name}) again? It goes out as a new email, logged as a resend."
        if delivery
        else ""
    )

    def run(data):
        resend = support_delivery_resend(actor=request.user, delivery=data["delivery"])
        return f"Resend of the {resend.kind} queued for {resend.to_email} (delivery {resend.pk})."

    return confirm_then(request, form, question=question, back=back, run=run)


class EmailsForm(forms.Form):
    membership = forms.ModelChoiceField(Membership.objects.select_related("user", "team"))
    change = forms.ChoiceField(choices=[("pause", "pause"), ("resume", "resume"), ("unthrottle", "unthrottle")])


def emails_change_view(request):
    form = EmailsForm(request.POST or request.GET)
    membership = form.cleaned_data["membership"] if form.is_valid() else None
    back = back_url(request, _person_url(membership.user) if membership else reverse("admin:index"))
    change = form.cleaned_data["change"] if membership else ""
    question = f"{change.title()} {membership.user.email}'s emails from {membership.team.name}?" if membership else ""
    services = {"pause": support_emails_pause, "resume": support_emails_resume, "unthrottle": support_emails_unthrottle}
    done = {"pause": "paused", "resume": "resumed", "unthrottle": "back to every chosen day"}

    def run(data):
        services[data["change"]](actor=request.user, membership=data["membership"])
        return f"{data['membership'].user.email}'s emails from {data['membership'].team.name}: {done[data['change']]}."

    return confirm_then(request, form, question=question, back=back, run=run)


class InvitationForm(forms.Form):
    invitation = forms.ModelChoiceField(Invitation.objects.select_related("organization"))


def invitation_resend_view(request):
    form = InvitationForm(request.POST or request.GET)
    invitation = form.cleaned_data["invitation"] if form.is_valid() else None
    back = back_url(request, reverse("admin:index"))
    question = f"Send the invitation to {invitation.organization} to {invitation.email} again?" if invitation else ""

    def run(data):
        support_invitation_resend(actor=request.user, invitation=data["invitation"])
        return f"Invitation queued again for {data['invitation'].email}; the delivery log shows when it is sent."

    return confirm_then(request, form, question=question, back=back, run=run)


class UserForm(forms.Form):
    user = forms.ModelChoiceField(User.objects.all(), to_field_name="hash_id")


def password_reset_view(request):
    form = UserForm(request.POST or request.GET)
    user = form.cleaned_data["user"] if form.is_valid() else None
    back = back_url(request, _person_url(user) if user else reverse("admin:index"))
    question = (
        f"Email {user.email} a link to choose a new password? (Nobody sees or sets the password but them.)"
        if user
        else ""
    )

    def run(data):
        support_password_reset_send(actor=request.user, user=data["user"])
        # Owed now and sent right after (or by the sweeper): the person's email log shows when it went out.
        return f"Password-reset email queued for {data['user'].email}; their page shows when it is sent."

    return confirm_then(request, form, question=question, back=back, run=run)


def unlock_view(request):
    form = UserForm(request.POST or request.GET)
    user = form.cleaned_data["user"] if form.is_valid() else None
    back = back_url(request, _person_url(user) if user else reverse("admin:index"))
    question = (
        f"Unlock logins as {user.email}? Every address locked out after failed passwords may try again at once, "
        "and the failure counts start from zero."
        if user
        else ""
    )

    def run(data):
        unlocked = support_login_unlock(actor=request.user, user=data["user"])
        if not unlocked:
            return f"{data['user'].email} had no failed logins to clear: nothing changed."
        return f"Logins as {data['user'].email} unlocked ({unlocked} address{'es' if unlocked != 1 else ''})."

    return confirm_then(request, form, question=question, back=back, run=run)


class InboundForm(forms.Form):
    inbound = forms.ModelChoiceField(InboundMessage.objects.defer("raw", "mime"))


def reprocess_view(request):
    form = InboundForm(request.POST or request.GET)
    inbound = form.cleaned_data["inbound"] if form.is_valid() else None
    back = back_url(request, reverse("admin:ops_inbound", args=[inbound.pk]) if inbound else reverse("admin:index"))
    question = (
        f"Parse the email from {inbound.from_email} ({inbound.subject or 'no subject'}) again? "
        "Entries it makes are posted now."
        if inbound
        else ""
    )

    def run(data):
        result = support_inbound_reprocess(actor=request.user, inbound=data["inbound"])
        return f"Parsed again: {result.get_outcome_display()}, {_entries(result.entries_created)}."

    return confirm_then(request, form, question=question, back=back, run=run)
