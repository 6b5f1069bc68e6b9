"""People's Slack pages: connect a team (OAuth v2), link oneself (Sign in with Slack), the OAuth callback,
choose the channel and digest time, disconnect. Each posts, calls one service and goes back to settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from slack_sdk.errors import SlackApiError

from core.selectors.teams import membership_for, teams_for_user
from core.services.teams import can_admin_team
from core.web.common import run_service
from idt_slack.client import error_code
from idt_slack.models import SlackMember, SlackOAuthState
from idt_slack.oauth import (
    DatabaseStateStore,
    configured,
    exchange_install_code,
    exchange_link_code,
    install_url,
    link_url,
)
from idt_slack.selectors import installation_for_team
from idt_slack.services import installations
from idt_slack.web.forms import ChannelForm, DigestForm

Purpose = SlackOAuthState.Purpose


def _team_back(team) -> str:
    return reverse("team_settings", args=[team.hash_id]) + "#slack"


def _settings_back() -> str:
    return reverse("user_settings") + "#slack"


def _admin_team(request, team_hash: str):
    team = membership_for(user=request.user, team_hash=team_hash).team
    if not can_admin_team(user=request.user, team=team):
        raise PermissionDenied("Only a team admin changes the team's Slack settings.")
    return team


def _installation(team):
    installation = installation_for_team(team=team)
    if installation is None:
        raise Http404("This team is not connected to Slack.")
    return installation


@login_required
@require_POST
def install_start_view(request, team_hash):
    team = _admin_team(request, team_hash)
    if not configured():
        messages.error(request, "Slack is not set up on this site.")
        return redirect(_team_back(team))
    state = DatabaseStateStore().issue(purpose=Purpose.INSTALL, user=request.user, team=team)
    return redirect(install_url(state=state))


@login_required
@require_POST
def link_start_view(request):
    if not configured():
        messages.error(request, "Slack is not set up on this site.")
        return redirect(_settings_back())
    return redirect(link_url(state=DatabaseStateStore().issue(purpose=Purpose.LINK, user=request.user)))


def _refused(request, text: str):
    return render(request, "idt_slack/callback_error.html", {"text": text}, status=400)


@login_required
@require_GET
def oauth_callback_view(request):
    started = DatabaseStateStore().take(request.GET.get("state", ""))
    if started is None or started.user_id != request.user.pk:
        return _refused(request, "This Slack sign-in has expired or was not started here. Please start again.")
    back = _team_back(started.team) if started.purpose == Purpose.INSTALL else _settings_back()
    if request.GET.get("error") or not request.GET.get("code"):
        messages.error(request, f"Slack was not connected ({request.GET.get('error') or 'no code'}).")
        return redirect(back)
    try:
        if started.purpose == Purpose.INSTALL:
            grant = exchange_install_code(request.GET["code"])
            done = run_service(
                request, lambda: installations.installation_connect(team=started.team, actor=request.user, grant=grant)
            )
        else:
            identity = exchange_link_code(request.GET["code"])
            done = run_service(request, lambda: installations.member_link(user=request.user, identity=identity))
    except SlackApiError as error:
        messages.error(request, f"Slack refused: {error_code(error)}.")
        return redirect(back)
    if done:
        messages.success(
            request, "Slack is connected." if started.purpose == Purpose.INSTALL else "Your Slack account is linked."
        )
    return redirect(back)


@login_required
@require_POST
def channel_view(request, team_hash):
    team = _admin_team(request, team_hash)
    installation = _installation(team)
    try:
        channels = installations.channels_for(installation=installation)
    except SlackApiError as error:
        messages.error(request, f"Slack refused to list channels: {error_code(error)}.")
        return redirect(_team_back(team))
    form = ChannelForm(request.POST, channels=channels)
    if not form.is_valid():
        messages.error(request, "Choose one of the workspace's channels.")
        return redirect(_team_back(team))
    channel_id = form.cleaned_data["channel"]
    name = dict(channels)[channel_id]
    if run_service(
        request,
        lambda: installations.installation_channel_set(
            installation=installation, actor=request.user, channel_id=channel_id, channel_name=name
        ),
    ):
        messages.success(request, f"Entries and digests now go to #{name}.")
    return redirect(_team_back(team))


@login_required
@require_POST
def digest_view(request, team_hash):
    team = _admin_team(request, team_hash)
    installation = _installation(team)
    form = DigestForm.for_installation(installation, request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a time and a time zone for the Slack digest.")
        return redirect(_team_back(team))
    data = {**form.cleaned_data, "digest_days": "".join(form.cleaned_data["digest_days"])}
    if run_service(
        request, lambda: installations.installation_digest_update(installation=installation, actor=request.user, **data)
    ):
        messages.success(request, "Saved.")
    return redirect(_team_back(team))


@login_required
@require_POST
def disconnect_view(request, team_hash):
    team = _admin_team(request, team_hash)
    installation = _installation(team)
    if run_service(
        request, lambda: installations.installation_disconnect(installation=installation, actor=request.user)
    ):
        messages.success(request, "Slack is disconnected; its token is deleted.")
    return redirect(_team_back(team))


@login_required
@require_POST
def unlink_view(request, member_id):
    member = get_object_or_404(SlackMember, pk=member_id, user=request.user)
    installations.member_unlink(member=member, actor=request.user)
    messages.success(request, "Your Slack account is unlinked.")
    return redirect(_settings_back())


@login_required
@require_POST
def default_team_view(request, member_id):
    member = get_object_or_404(SlackMember, pk=member_id, user=request.user)
    team_hash = request.POST.get("team", "")
    team = teams_for_user(user=request.user).filter(hash_id=team_hash).first() if team_hash else None
    if team_hash and team is None:
        messages.error(request, "You are not in that team.")
        return redirect(_settings_back())
    if run_service(
        request, lambda: installations.member_default_team_set(member=member, actor=request.user, team=team)
    ):
        messages.success(request, "Saved.")
    return redirect(_settings_back())
