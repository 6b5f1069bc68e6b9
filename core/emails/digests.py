"""The morning digest: the team's entries since the member's previous digest, by person then day.

The team's part is rendered once per team and window and cached; each recipient's email only wraps
it with their own greeting and links, so a 500-person team costs one render and 500 tiny ones.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from core.emails.common import absolute, build_message, links_for, month_day
from core.models import Entry, Membership, Team
from core.selectors.entries import entry_reaction_counts
from core.services.schedules import effective_days

MAX_WINDOW_DAYS = 7
CACHE_SECONDS = 60 * 60
ICONS = {Entry.Kind.DONE: "✓", Entry.Kind.GOAL: "☐", Entry.Kind.BLOCKER: "⚠"}


@dataclass(frozen=True)
class TeamSection:
    html: str
    text: str
    entry_count: int


def digest_window(*, membership: Membership, local_date: dt.date) -> tuple[dt.date, dt.date]:
    """From the member's previous digest day (at most 7 days back) to the day before this one."""
    days = {int(d) for d in effective_days(membership.digest_days, throttled=membership.emails_throttled)}
    start = local_date - dt.timedelta(days=MAX_WINDOW_DAYS)
    for back in range(1, MAX_WINDOW_DAYS):
        if (local_date - dt.timedelta(days=back)).weekday() in days:
            start = local_date - dt.timedelta(days=back)
            break
    return start, local_date - dt.timedelta(days=1)


def digest_subject(*, team: Team, local_date: dt.date) -> str:
    return f"{team.name} digest for {month_day(local_date)}"


def team_section(*, team: Team, start: dt.date, end: dt.date) -> TeamSection:
    """The team's part of the digest for a window, built once and shared by every recipient."""
    # Keyed by what is in the window too (entries, edits, likes, comments: still one query), so a reply
    # that lands late or a like given meanwhile is in the next recipient's copy.
    stamp = Entry.objects.filter(team=team, occurred_on__range=(start, end)).aggregate(
        n=Count("pk", distinct=True),
        last=Max("pk"),
        edited=Max("updated_at"),
        like_count=Count("likes", distinct=True),
        last_like=Max("likes__pk"),
        comment_count=Count("comments", distinct=True),
        last_comment=Max("comments__pk"),
    )
    if stamp["edited"]:
        stamp["edited"] = stamp["edited"].timestamp()  # no spaces in a cache key (memcached)
    key = f"digest-section:v3:{team.pk}:{start.isoformat()}:{end.isoformat()}:" + ":".join(
        str(stamp[k]) for k in sorted(stamp)
    )
    section = cache.get(key)
    if section is None:
        section = render_team_section(team=team, start=start, end=end)
        cache.set(key, section, CACHE_SECONDS)
    return section


def render_team_section(*, team: Team, start: dt.date, end: dt.date) -> TeamSection:
    context = team_section_context(team=team, start=start, end=end)
    return TeamSection(
        html=render_to_string("email/digest_team.html", context),
        text=render_to_string("email/digest_team.txt", context),
        entry_count=context["entry_count"],
    )


def team_section_context(*, team: Team, start: dt.date, end: dt.date) -> dict:
    """Three queries: members, entries in the window, reaction counts."""
    members = [m.user for m in Membership.objects.filter(team=team).select_related("user")]
    members.sort(key=lambda u: u.display_name.lower())
    entries = list(
        Entry.objects.filter(team=team, occurred_on__range=(start, end)).order_by("occurred_on", "created_at")
    )
    reactions = entry_reaction_counts(entry_ids=[e.pk for e in entries])
    by_person: dict[int, dict[dt.date, list]] = {}
    for entry in entries:
        entry.icon = ICONS.get(entry.kind, "•")
        entry.like_count, entry.comment_count = reactions.get(entry.pk, (0, 0))
        entry.url = absolute(f"/e/{entry.hash_id}/")
        by_person.setdefault(entry.author_id, {}).setdefault(entry.occurred_on, []).append(entry)
    people = [(user, sorted(by_person[user.pk].items())) for user in members if user.pk in by_person]
    return {
        "team": team,
        "start": start,
        "end": end,
        "people": people,
        "quiet": [user for user in members if user.pk not in by_person],
        "entry_count": len(entries),
        "team_url": absolute(f"/t/{team.hash_id}/"),
    }


def late_note(late_by: dt.timedelta | None) -> str:
    """A line saying the digest is late (an outage held it back), so a reader knows why it came now."""
    if late_by is None or late_by < dt.timedelta(minutes=settings.DELIVERY_LATE_NOTICE_MINUTES):
        return ""
    minutes = int(late_by.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    amount = f"{hours} h {minutes:02d} min" if hours else f"{minutes} minutes"
    return f"This digest is late: it went out {amount} after its usual time because of a delay on our side."


def digest_message(*, membership: Membership, local_date: dt.date, section: TeamSection | None = None, late_by=None):
    start, end = digest_window(membership=membership, local_date=local_date)
    section = section or team_section(team=membership.team, start=start, end=end)
    if not section.entry_count:
        return None
    links = links_for(membership)
    context = {
        "membership": membership,
        "user": membership.user,
        "team": membership.team,
        "local_date": local_date,
        "section_html": mark_safe(section.html),  # noqa: S308  (rendered by our own autoescaping template)
        "section_text": section.text,
        "late_note": late_note(late_by),
        **links,
    }
    return build_message(
        membership=membership,
        subject=digest_subject(team=membership.team, local_date=local_date),
        text=render_to_string("email/digest.txt", context),
        html=render_to_string("email/digest.html", context),
        links=links,
    )
