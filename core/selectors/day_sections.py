"""What the team day page needs before it renders anything: the team, its members, and for each member a
digest of everything their section shows, the viewer's own likes in it, and the viewer's unread count, in
one statement.

A warm load is served from sections kept under these digests (core/web/day_page.py), so it never reads the
entries' text: PostgreSQL digests each member's entries where they are stored and sends about a hundred
bytes per member instead of every entry's text and HTML (which cost the web process more to receive and
turn into objects than anything else on the page). Only a section not kept yet, after an edit, a like or a
comment, has its entries read in full (``core.selectors.entries.member_days``).

The digest is of a text spelling out, entry by entry in the order the section shows them, every value the
section's templates show: its group (blockers, done, goals, goals open from earlier), hash, kind, text,
HTML, days, whether it completes a goal or is archived, whether a goal was still open on the day, and its
like and comment counts. Text values are prefixed with their length, so no text can pass for another
entry's. ``shown_digest`` spells out the same text from rows read in full; a test holds the two together,
and a section is only ever stored under the digest of the rows it was rendered from.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import connection
from django.http import Http404

from core.models import Comment, Entry, Like, Membership, Notification, Team, User
from core.selectors.entries import (  # the team's and members' columns as the day's other statement reads them
    _PERSON_COLUMNS,
    _TEAM_COLUMNS,
    _TEAM_FIELDS,
    DayPerson,
    MemberDay,
    team_day,
    unread_notification_count,
)

_ENTRY, _GROUP = "\x1f", "\x1e"  # between an entry's values, between entries
# The section's groups in the order it shows them (core/_day_member.html).
PARTS = ("blockers", "done", "goals", "open_goals")


@dataclass(slots=True)
class MemberSection:
    """A member as the day page needs them before rendering: ``digest`` is None when their section would
    be empty (nothing on the day, no open goal carried over); ``likes`` holds '1' or '0' per entry, in the
    section's order, for the viewer's own like."""

    member: DayPerson
    digest: str | None
    likes: str
    posted: bool


@dataclass
class DaySections:
    team: Team
    members: list[MemberSection]
    unread_notifications: int


def shown_digest(md: MemberDay, day: dt.date) -> str | None:
    """The digest of a member's section from its entries read in full: the text the statement below digests."""
    entries = [_shown_text(entry, part, day) for part, group in enumerate(PARTS) for entry in getattr(md, group)]
    if not entries:
        return None
    return hashlib.sha256(_GROUP.join(entries).encode()).hexdigest()


def viewer_likes(md: MemberDay) -> str:
    """'1' or '0' per entry of a member's section, in its order: the viewer's own like, as the statement spells it."""
    return "".join("1" if entry.liked else "0" for group in PARTS for entry in getattr(md, group))


def _shown_text(e, part: int, day: dt.date) -> str:
    open_on_day = e.kind == Entry.Kind.GOAL and e.completed_on is not None and e.completed_on > day
    return _ENTRY.join(
        [
            str(part),
            e.hash_id,
            e.kind,
            f"{len(e.text)}:{e.text}",
            "-" if e.html is None else f"{len(e.html)}:{e.html}",
            e.occurred_on.isoformat(),
            "-" if e.completed_on is None else e.completed_on.isoformat(),
            "-" if e.goal_id is None else str(e.goal_id),
            "f" if e.archived_at is None else "t",
            "t" if open_on_day else "f",
            str(e.like_count),
            str(e.comment_count),
        ]
    )


def _table(model) -> str:
    return model._meta.db_table


_SECTION_COLUMNS = ["s.digest", "s.likes", "s.posted"]
# The part an entry is shown in, as the section orders them: a goal carried over from an earlier day is in the
# last part whatever its kind; otherwise blockers, dones, goals.
_PART_SQL = """CASE WHEN e.occurred_on <> %(day)s THEN 3 WHEN e.kind = 'blocker' THEN 0 WHEN e.kind = 'done' THEN 1
    ELSE 2 END"""
# The same text as _shown_text, value by value (a boolean spelled 't' or 'f', a missing value '-').
_SHOWN_SQL = f"""concat_ws(chr(31),
    ({_PART_SQL})::text,
    e.hash_id,
    e.kind,
    length(e.text)::text || ':' || e.text,
    coalesce(length(e.html)::text || ':' || e.html, '-'),
    e.occurred_on::text,
    coalesce(e.completed_on::text, '-'),
    coalesce(e.goal_id::text, '-'),
    CASE WHEN e.archived_at IS NULL THEN 'f' ELSE 't' END,
    CASE WHEN e.kind = 'goal' AND e.completed_on > %(day)s THEN 't' ELSE 'f' END,
    (SELECT count(*) FROM {_table(Like)} l WHERE l.entry_id = e.id)::text,
    (SELECT count(*) FROM {_table(Comment)} c WHERE c.entry_id = e.id)::text)"""  # noqa: S608
# The entries are the day's and the goals still open on it (core.selectors.entries: open_goals_q), ordered as
# the section shows them; the id breaks ties so that every read orders them alike.
_DAY_SECTIONS_SQL = f"""
WITH team AS (
    SELECT id, carry_over_goals FROM {_table(Team)} WHERE hash_id = %(team_hash)s
), shown AS (
    SELECT e.author_id, {_PART_SQL} AS part, e.occurred_on, e.created_at, e.id,
           {_SHOWN_SQL} AS shown,
           EXISTS (SELECT 1 FROM {_table(Like)} m WHERE m.entry_id = e.id AND m.user_id = %(viewer)s) AS liked
    FROM {_table(Entry)} e JOIN team ON team.id = e.team_id
    WHERE e.occurred_on = %(day)s
       OR (team.carry_over_goals AND e.occurred_on < %(day)s AND e.kind = 'goal' AND e.archived_at IS NULL
           AND (e.completed_on IS NULL OR e.completed_on > %(day)s))
), s AS (
    SELECT author_id,
           encode(sha256(convert_to(string_agg(shown, chr(30) ORDER BY part, occurred_on, created_at, id), 'UTF8')),
                  'hex') AS digest,
           string_agg(CASE WHEN liked THEN '1' ELSE '0' END, '' ORDER BY part, occurred_on, created_at, id) AS likes,
           bool_or(part < 3) AS posted
    FROM shown GROUP BY author_id
)
SELECT 0, {", ".join(_TEAM_COLUMNS)}, {", ".join(["NULL"] * (len(_PERSON_COLUMNS) + len(_SECTION_COLUMNS)))},
       (SELECT count(*) FROM {_table(Notification)} WHERE recipient_id = %(viewer)s AND read_at IS NULL)
FROM {_table(Team)} t
WHERE t.hash_id = %(team_hash)s
UNION ALL
SELECT 1, {", ".join(["NULL"] * len(_TEAM_COLUMNS))}, {", ".join(_PERSON_COLUMNS)}, {", ".join(_SECTION_COLUMNS)}, NULL
FROM {_table(Team)} t
JOIN {_table(Membership)} m ON m.team_id = t.id
JOIN {_table(User)} u ON u.id = m.user_id
LEFT JOIN s ON s.author_id = u.id
WHERE t.hash_id = %(team_hash)s
ORDER BY 1, {len(_TEAM_COLUMNS) + 4}, {len(_TEAM_COLUMNS) + 5}
"""  # noqa: S608 (tables and columns come from the models; values are parameters)


def day_sections(*, team_hash: str, day: dt.date, viewer) -> DaySections:
    """The team, its members (by name) with their sections' digests and the viewer's likes, and the viewer's
    unread count; 404 unless ``viewer`` is a member (as ``membership_for``)."""
    if connection.vendor != "postgresql":
        return _from_rows(team_hash=team_hash, day=day, viewer=viewer)
    with connection.cursor() as cursor:
        cursor.execute(_DAY_SECTIONS_SQL, {"team_hash": team_hash, "day": day, "viewer": viewer.pk})
        rows = cursor.fetchall()
    split = 1 + len(_TEAM_FIELDS)
    people = split + len(_PERSON_COLUMNS)
    members = [
        MemberSection(DayPerson(*row[split:people]), row[people], row[people + 1] or "", bool(row[people + 2]))
        for row in rows[1:]
    ]
    if not any(m.member.pk == viewer.pk for m in members):
        raise Http404("No such team.")
    team = Team.from_db(connection.alias, _TEAM_FIELDS, rows[0][1:split])
    return DaySections(team=team, members=members, unread_notifications=rows[0][-1])


def _from_rows(*, team_hash: str, day: dt.date, viewer) -> DaySections:
    """Elsewhere (SQLite, the tests' default): the same from the entries read in full."""
    page = team_day(team_hash=team_hash, day=day, viewer=viewer)
    members = [
        MemberSection(
            member=md.member,
            digest=shown_digest(md, day),
            likes=viewer_likes(md),
            posted=md.posted,
        )
        for md in page.members
    ]
    return DaySections(team=page.team, members=members, unread_notifications=unread_notification_count(user=viewer))
