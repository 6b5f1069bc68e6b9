"""The evening reminder: "What did you get done?", with today's posts, open goals and a flashback."""

import datetime as dt
import re
from email.utils import make_msgid

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.template.loader import render_to_string

from core.emails.common import build_message, entry_icon, links_for, month_day
from core.models import Entry, Membership, Team
from core.selectors.entries import open_on_q

FLASHBACKS = (
    [("A week ago", relativedelta(weeks=1)), ("A month ago", relativedelta(months=1))]
    + [(f"{n} months ago", relativedelta(months=n)) for n in (3, 6)]
    + [("A year ago", relativedelta(years=1))]
)
GOALS_LOOKBACK = dt.timedelta(days=14)
_REMINDER_ID = "reminder-"
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
    # Goals set earlier and still open tonight: today's posts (a goal done today included) are listed once,
    # under "You already posted today".
    goals = list(
        Entry.objects.filter(
            open_on_q(day=local_date),
            team=team,
            author=user,
            occurred_on__range=(local_date - GOALS_LOOKBACK, local_date - dt.timedelta(days=1)),
        ).order_by("occurred_on", "created_at")
    )
    days = {local_date - delta: label for label, delta in FLASHBACKS}
    past = Entry.objects.filter(team=team, author=user, kind=Entry.Kind.DONE, occurred_on__in=list(days))
    flashback = {}
    for entry in today:
        entry.icon = entry_icon(entry)
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
    message = build_message(
        membership=membership,
        subject=reminder_subject(membership=membership, local_date=local_date),
        text=render_to_string("email/reminder.txt", context),
        html=render_to_string("email/reminder.html", context),
        links=links,
    )
    # The day it asks about travels in its Message-ID, so a reply's In-Reply-To says which day it answers
    # even when the subject was edited or the reply arrives after midnight.
    message.extra_headers["Message-ID"] = make_msgid(
        idstring=f"{_REMINDER_ID}{local_date:%Y%m%d}", domain=settings.INBOUND_DOMAIN
    )
    return message


def reminder_day(*, in_reply_to: str | None, references: str | None, arrived: dt.date) -> dt.date | None:
    """The day one of our reminders asked about, when the reply names it (In-Reply-To, else References)."""
    domain = re.escape(settings.INBOUND_DOMAIN)
    for header in (in_reply_to, references):
        for found in reversed(re.findall(rf"\.{_REMINDER_ID}(\d{{8}})@{domain}>", header or "", re.IGNORECASE)):
            try:
                day = dt.datetime.strptime(found, "%Y%m%d").date()
            except ValueError:
                continue
            if day <= arrived + dt.timedelta(days=1):  # a reminder is never for a day after the reply arrived
                return day
    return None
