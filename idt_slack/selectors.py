"""Reads of the Slack integration: a team's link, a person's links, what support sees."""

from core.models import Team
from core.selectors.teams import teams_for_user
from idt_slack.models import SlackInstallation, SlackMember


def installation_for_team(*, team: Team) -> SlackInstallation | None:
    return SlackInstallation.objects.filter(team=team).first()


def member_links(*, user) -> list[tuple[SlackMember, list[Team]]]:
    """The person's Slack links, each with their teams connected to that workspace (default-team choices)."""
    links = list(SlackMember.objects.filter(user=user).select_related("default_team").order_by("slack_team_name"))
    if not links:
        return []
    connected = SlackInstallation.objects.filter(slack_team_id__in=[m.slack_team_id for m in links]).exclude(
        state=SlackInstallation.State.DISCONNECTED
    )
    teams = list(
        teams_for_user(user=user).filter(slack_installation__in=connected).select_related("slack_installation")
    )
    return [(m, [t for t in teams if t.slack_installation.slack_team_id == m.slack_team_id]) for m in links]


def support_items(*, team: Team) -> list[dict]:
    """The team's Slack link as support sees it: workspace and channel, state, last error (never a token)."""
    installation = SlackInstallation.objects.filter(team=team).first()
    if installation is None:
        return []
    channel = f" → #{installation.channel_name}" if installation.channel_name else " (no channel chosen)"
    error = installation.last_error
    if error and installation.last_error_at:
        error = f"{error} at {installation.last_error_at:%Y-%m-%d %H:%M} UTC"
    return [
        {
            "name": f"Workspace {installation.slack_team_name or installation.slack_team_id}{channel}",
            "state": installation.get_state_display(),
            "last_error": error,
        }
    ]
