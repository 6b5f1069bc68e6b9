"""The Slack sections of core's settings pages (wired through settings.PAGE_PANELS)."""

from django.template.loader import render_to_string
from slack_sdk.errors import SlackApiError

from idt_slack.client import error_code
from idt_slack.oauth import configured
from idt_slack.selectors import installation_for_team, member_links
from idt_slack.services.installations import channels_for
from idt_slack.web.forms import DigestForm


def user_settings_panel(request, **context) -> str:
    ready = configured()  # no Slack set up: nothing to look up
    return render_to_string(
        "idt_slack/user_panel.html",
        {"configured": ready, "links": member_links(user=request.user) if ready else []},
        request=request,
    )


def team_settings_panel(request, *, team, is_admin: bool, **context) -> str:
    installation = installation_for_team(team=team) if configured() else None
    channels, channels_error = [], ""
    if is_admin and installation and installation.bot_token_encrypted:
        try:
            channels = channels_for(installation=installation)
        except (SlackApiError, OSError) as error:
            channels_error = error_code(error) if isinstance(error, SlackApiError) else "Slack could not be reached"
    return render_to_string(
        "idt_slack/team_panel.html",
        {
            "configured": configured(),
            "team": team,
            "is_admin": is_admin,
            "installation": installation,
            "channels": channels,
            "channels_error": channels_error,
            "digest_form": DigestForm.for_installation(installation) if installation else None,
        },
        request=request,
    )
