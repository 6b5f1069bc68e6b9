"""What support sees about one team: members, the question and schedules, activity, integrations."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from core.emails.common import team_address
from core.emails.reminders import reminder_prompt
from core.models import Delivery, Entry, Invitation, Membership, Team, WebhookDelivery
from core.selectors.webhooks import team_hooks, team_webhook_deliveries
from idt_slack.selectors import support_items as slack_support_items
from ops.masking import mask_url
from ops.selectors.people import days_in_words

CHART_DAYS = 56  # eight weeks
WEBHOOK_DELIVERIES_SHOWN = 20


@dataclass
class Integration:
    name: str
    items: list  # each a dict with what it is, its state and its last error
    note: str = ""


@dataclass
class TeamOverview:
    team: Team
    address: str
    prompt: str
    members: list[dict]
    entries_per_day: list[tuple[dt.date, int]]
    failed_deliveries: list[Delivery]
    invitations: list[Invitation]
    integrations: list[Integration]
    webhook_deliveries: list[WebhookDelivery]


def team_overview(*, hash_id: str, now: dt.datetime | None = None) -> TeamOverview | None:
    now = now or timezone.now()
    team = Team.objects.filter(hash_id=hash_id).select_related("organization").first()  # 1
    if team is None:
        return None
    members = [  # 2
        {
            "membership": m,
            "user": m.user,
            "reminder_days": days_in_words(m.reminder_days),
            "digest_days": days_in_words(m.digest_days),
        }
        for m in sorted(Membership.objects.filter(team=team).select_related("user"), key=lambda m: m.user.email)
    ]
    # Days are the authors' local days (occurred_on); the range is wide enough for every zone.
    end = now.date() + dt.timedelta(days=1)
    start = end - dt.timedelta(days=CHART_DAYS - 1)
    counts = dict(  # 3: the (team, occurred_on) index
        Entry.objects.filter(team=team, occurred_on__range=(start, end))
        .values_list("occurred_on")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_day = [(start + dt.timedelta(days=i), counts.get(start + dt.timedelta(days=i), 0)) for i in range(CHART_DAYS)]
    failed = list(  # 4
        Delivery.objects.filter(membership__team=team, status=Delivery.Status.FAILED)
        .select_related("membership__user")
        .order_by("-created_at", "-id")[:10]
    )
    invitations = list(  # 5
        Invitation.objects.filter(teams=team, accepted_at__isnull=True, declined_at__isnull=True).order_by(
            "-created_at"
        )[:10]
    )
    integrations = [
        Integration("Slack", slack_support_items(team=team), "none: this team has not connected Slack."),
        _webhooks(team),
    ]
    return TeamOverview(
        team=team,
        address=team_address(team),
        prompt=reminder_prompt(team),
        members=members,
        entries_per_day=per_day,
        failed_deliveries=failed,
        invitations=invitations,
        integrations=integrations,
        webhook_deliveries=team_webhook_deliveries(team=team, limit=WEBHOOK_DELIVERIES_SHOWN),  # 7
    )


def _webhooks(team: Team) -> Integration:
    """Each hook: its target and owner; never its secret."""
    items = [
        {
            "name": mask_url(hook.target_url),
            "state": f"added by {hook.user.email} on {hook.created_at:%Y-%m-%d}"
            + (f", paused since {hook.paused_at:%Y-%m-%d %H:%M}" if hook.paused_at else ""),
            "hook": hook,
        }
        for hook in team_hooks(team=team)
    ]
    return Integration("Webhooks", items, "none: nobody in this team has added a webhook.")
