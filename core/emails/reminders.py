"""The evening reminder: "What did you get done?", with today's posts, open goals and a flashback."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.template.loader import render_to_string

from core.emails.common import build_message, links_for, month_day
from core.models import Entry, Membership, Team

FLASHBACKS = (
    [("A week ago", relativedelta(weeks=1)), ("A month ago", relativedelta(months=1))]
    + [(f"{n} months ago", relativedelta(months=n)) for n in (3, 6)]
    + [("A year ago", relativedelta(years=1))]
)
GOALS_LOOKBACK = dt.timedelta(days=14)
DEFAULT_PROMPT = "What did you get done?"


def reminder_prompt(team: Team) -> str:
    """The question the reminder asks: the team's own when an admin set one, the classic one otherwise."""
    return team.reminder_prompt or DEFAULT_PROMPT


def reminder_subject(*, membership: Membership, local_date: dt.date) -> str:
    return f"{reminder_prompt(membership.team)} – {membership.team.name} – {month_day(local_date)}"


def reminder_context(*, membership: Membership, local_date: dt.date) -> dict:
    """Three queries whatever the team's size: today's posts, open goals, flashback days."""
    team, user = membership.team, membership.user
    today = list(
        Entry.objects.filter(team=team, occurred_on=local_date).select_related("author").order_by("created_at")
    )
    goals = list(
        Entry.objects.filter(
            team=team, author=user, kind=Entry.Kind.GOAL, occurred_on__gte=local_date - GOALS_LOOKBACK
        ).order_by("occurred_on", "created_at")
    )
    days = {local_date - delta: label for label, delta in FLASHBACKS}
    past = Entry.objects.filter(team=team, author=user, kind=Entry.Kind.DONE, occurred_on__in=list(days))
    flashback = {}
    for entry in past.order_by("occurred_on", "created_at"):
        flashback.setdefault(entry.occurred_on, []).append(entry)
    return {
        "prompt": reminder_prompt(team),
        "membership": membership,
        "team": team,
        "user": user,
        "local_date": local_date,
        "mine_today": [e for e in today if e.author_id == user.pk],
        "team_today": [e for e in today if e.author_id != user.pk],
        "goals": goals,
        "flashback": [(days[day], day, entries) for day, entries in sorted(flashback.items(), reverse=True)],
    }


def reminder_message(*, membership: Membership, local_date: dt.date):
    links = links_for(membership)
    context = {**reminder_context(membership=membership, local_date=local_date), **links}
    return build_message(
        membership=membership,
        subject=reminder_subject(membership=membership, local_date=local_date),
        text=render_to_string("email/reminder.txt", context),
        html=render_to_string("email/reminder.html", context),
        links=links,
    )
