"""The morning digest: what the team posted since the member's previous digest, by person, day and kind.

It selects by when an entry was posted, not the day it is for, so an entry back-dated after a digest
went out is in the next one (saying which day it is for) rather than in nobody's. The team's part is
rendered once per team and window and cached; each recipient's email only wraps it with their own
greeting and links, so a 500-person team in one time zone costs one render and 500 tiny ones.
"""

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from core.emails.common import absolute, build_message, entry_icon, links_for, month_day
from core.localtime import zone_for
from core.models import Entry, Membership, Team
from core.selectors.entries import entry_reaction_counts
from core.services.schedules import effective_days

MAX_WINDOW_DAYS = 7
CACHE_SECONDS = 60 * 60
# Grouped as the day page groups them.
KIND_HEADINGS = ((Entry.Kind.BLOCKER, "Blockers"), (Entry.Kind.DONE, "Done"), (Entry.Kind.GOAL, "Goals"))


@dataclass(frozen=True)
class DigestWindow:
    """Entries posted at or after ``since`` (the previous digest's slot); the days from ``first_day`` on are
    the ones this digest is about, anything posted for an earlier day is late and says so."""

    since: dt.datetime
    first_day: dt.date
    last_day: dt.date


@dataclass(frozen=True)
class TeamSection:
    html: str
    text: str
    entry_count: int


def digest_window(*, membership: Membership, local_date: dt.date) -> DigestWindow:
    """Since the member's previous digest slot (at most 7 days back), at their digest time in their zone.

    The slot, not the moment that digest was actually sent, so that every member on the same schedule
    shares one window (and one render); an entry posted between a slot and its send is in both emails
    rather than in neither.
    """
    days = {int(d) for d in effective_days(membership.digest_days, throttled=membership.emails_throttled)}
    previous = local_date - dt.timedelta(days=MAX_WINDOW_DAYS)
    for back in range(1, MAX_WINDOW_DAYS):
        if (local_date - dt.timedelta(days=back)).weekday() in days:
            previous = local_date - dt.timedelta(days=back)
            break
    zone = zone_for(membership.user.time_zone)
    since = dt.datetime.combine(previous, membership.digest_time, tzinfo=zone).astimezone(dt.UTC)
    return DigestWindow(since=since, first_day=previous, last_day=local_date - dt.timedelta(days=1))


def digest_subject(*, team: Team, local_date: dt.date) -> str:
    return f"{team.name} digest for {month_day(local_date)}"


def _posted_since(*, team: Team, window: DigestWindow):
    return Entry.objects.filter(team=team, created_at__gte=window.since)


# What a window holds, in one statement that reads the window's entries once (an index range on
# ``entry_team_posted``) and probes each one's likes and comments, rather than joining entries × likes ×
# comments (a product per entry) as the ORM aggregate did. Names come from the models; values are parameters.
_WINDOW_STAMP = """
WITH w AS (SELECT id, updated_at, completed_on FROM {entry} WHERE team_id = %s AND created_at >= %s)
SELECT e.n, e.last, e.edited, e.done, e.last_done, l.n, l.last, c.n, c.last, m.n, m.last, m.names
FROM (SELECT count(*) AS n, max(id) AS last, max(updated_at) AS edited, count(completed_on) AS done,
             max(completed_on) AS last_done FROM w) AS e,
     (SELECT count(*) AS n, max(id) AS last FROM {like} WHERE entry_id IN (SELECT id FROM w)) AS l,
     (SELECT count(*) AS n, max(id) AS last FROM {comment} WHERE entry_id IN (SELECT id FROM w)) AS c,
     (SELECT count(*) AS n, max(m.id) AS last, {names} AS names
      FROM {membership} m JOIN {user} u ON u.id = m.user_id WHERE m.team_id = %s) AS m
"""
# The members' names as the section shows them (display_name: the full name, else the address's first part),
# in one value: PostgreSQL digests them; elsewhere (SQLite) they come as they are and are digested here.
_NAMES = {
    "postgresql": "md5(string_agg(u.full_name || chr(31) || u.email, chr(30) ORDER BY u.id))",
    "sqlite": "group_concat(u.id || char(31) || u.full_name || char(31) || u.email, char(30))",
}
# A few sections per process (one per team and window a worker is sending), so a recipient after the
# first takes the section from memory instead of the cache (a round trip and an unpickle of its HTML).
_SECTIONS_KEPT = 32
_sections: dict[str, "TeamSection"] = {}
_sections_lock = threading.Lock()


def window_stamp(*, team: Team, window: DigestWindow) -> str:
    """What the window holds, as a cache key part: its entries (count, newest, last edit, goals done),
    their likes and comments, the team's name and its members and their names. Any reply, edit, like,
    comment, goal done or rename since changes it, so the next recipient's copy shows it."""
    from core.models import Comment, Like, User

    sql = _WINDOW_STAMP.format(entry=Entry._meta.db_table, like=Like._meta.db_table,
                               comment=Comment._meta.db_table, membership=Membership._meta.db_table,
                               user=User._meta.db_table, names=_NAMES[connection.vendor])
    with connection.cursor() as cursor:
        cursor.execute(sql, [team.pk, connection.ops.adapt_datetimefield_value(window.since), team.pk])
        *row, names = cursor.fetchone()
    if connection.vendor != "postgresql":
        names = hashlib.md5(str(sorted((names or "").split("\x1e"))).encode(), usedforsecurity=False).hexdigest()
    team_name = hashlib.md5(team.name.encode(), usedforsecurity=False).hexdigest()
    # No spaces in a cache key (memcached): times as timestamps, days as ISO dates.
    return ":".join(
        str(v.timestamp()) if isinstance(v, dt.datetime) else v.isoformat() if isinstance(v, dt.date) else str(v)
        for v in [*row, names, team_name]
    ).replace(" ", "T")


def team_section(*, team: Team, window: DigestWindow) -> TeamSection:
    """The team's part of the digest for a window, built once and shared by every recipient."""
    # Keyed by what is in the window too (one query), so a reply that lands late or a like given
    # meanwhile is in the next recipient's copy.
    key = (f"digest-section:v5:{team.pk}:{window.since.timestamp()}:{window.first_day.isoformat()}:"
           + window_stamp(team=team, window=window))
    with _sections_lock:
        section = _sections.get(key)
    if section is not None:
        return section
    section = cache.get(key)
    if section is None:
        section = render_team_section(team=team, window=window)
        cache.set(key, section, CACHE_SECONDS)
    with _sections_lock:
        if len(_sections) >= _SECTIONS_KEPT:
            _sections.clear()
        _sections[key] = section
    return section


def forget_sections() -> None:
    """Forget the sections kept in this process (the cache keeps its own)."""
    with _sections_lock:
        _sections.clear()


def render_team_section(*, team: Team, window: DigestWindow) -> TeamSection:
    context = team_section_context(team=team, window=window)
    return TeamSection(
        html=render_to_string("email/digest_team.html", context),
        text=render_to_string("email/digest_team.txt", context),
        entry_count=context["entry_count"],
    )


@dataclass
class DigestDay:
    day: dt.date
    late: bool  # posted after the digest that covered this day
    groups: list  # (heading, entries) in the day page's order: blockers, done, goals


def _days_of(entries: list, window: DigestWindow) -> list[DigestDay]:
    by_day: dict[dt.date, list] = {}
    for entry in entries:
        by_day.setdefault(entry.occurred_on, []).append(entry)
    days = []
    for day, posted in sorted(by_day.items()):
        groups = [(heading, [e for e in posted if e.kind == kind]) for kind, heading in KIND_HEADINGS]
        days.append(DigestDay(day=day, late=day < window.first_day, groups=[g for g in groups if g[1]]))
    return days


def team_section_context(*, team: Team, window: DigestWindow) -> dict:
    """Three queries: members, entries posted in the window, reaction counts."""
    members = [m.user for m in Membership.objects.filter(team=team).select_related("user")]
    members.sort(key=lambda u: u.display_name.lower())
    entries = list(_posted_since(team=team, window=window).order_by("occurred_on", "created_at"))
    reactions = entry_reaction_counts(entry_ids=[e.pk for e in entries])
    by_person: dict[int, list] = {}
    for entry in entries:
        entry.icon = entry_icon(entry)
        entry.like_count, entry.comment_count = reactions.get(entry.pk, (0, 0))
        entry.url = absolute(f"/e/{entry.hash_id}/")
        by_person.setdefault(entry.author_id, []).append(entry)
    people = [(user, _days_of(by_person[user.pk], window)) for user in members if user.pk in by_person]
    return {
        "team": team,
        "window": window,
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
    window = digest_window(membership=membership, local_date=local_date)
    section = section or team_section(team=membership.team, window=window)
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
