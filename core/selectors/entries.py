"""Reads about entries: a team's day, calendar, a person's or a tag's entries, one entry with its thread.

Each returns in a fixed number of queries: counts and "liked by me" are annotations (or subqueries in the
day page's statement), never per-row queries.
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from core.models import Comment, Entry, Like, Notification, Team, User

PAGE_SIZE = 50


def _count_of(model, field_name: str):
    rows = model.objects.filter(**{field_name: OuterRef("pk")}).order_by().values(field_name)
    return Coalesce(Subquery(rows.annotate(n=Count("*")).values("n")[:1], output_field=IntegerField()), Value(0))


def entries_for_viewer(*, viewer):
    """Entries with their author, like and comment counts and whether ``viewer`` likes each."""
    return Entry.objects.select_related("author", "team").annotate(
        like_count=_count_of(Like, "entry"),
        comment_count=_count_of(Comment, "entry"),
        liked=Exists(Like.objects.filter(entry=OuterRef("pk"), user=viewer)),
    )


@dataclass(slots=True)
class DayEntry:
    """One entry as the team day page shows it: the columns it renders, its counts and the viewer's like.

    A plain row rather than a model instance: a busy day has hundreds of entries, and building a model
    (with its author and team) for each cost more than the page's queries together.
    """

    id: int
    hash_id: str
    author_id: int
    kind: str
    text: str
    html: str
    occurred_on: dt.date
    completed_on: dt.date | None
    goal_id: int | None
    archived_at: dt.datetime | None
    like_count: int
    comment_count: int
    liked: bool
    # The page shows the day as it was: a goal done later is still open on it (the template reads this).
    open_on_day: bool = False

    @property
    def pk(self) -> int:
        return self.id

    def get_kind_display(self) -> str:
        return Entry.Kind(self.kind).label


@dataclass(slots=True)
class DayPerson:
    """A member as the day page names them."""

    id: int
    hash_id: str
    full_name: str
    email: str
    nickname: str

    pk = property(lambda self: self.id)
    display_name = property(User.display_name.fget)  # the one rule for a person's name


@dataclass
class MemberDay:
    member: object
    done: list = field(default_factory=list)
    goals: list = field(default_factory=list)
    blockers: list = field(default_factory=list)
    open_goals: list = field(default_factory=list)

    @property
    def posted(self) -> bool:
        return bool(self.done or self.goals or self.blockers)


def open_on_q(*, day: dt.date) -> Q:
    """Goals open on ``day``: a goal completed on day D is open before D and done from D on."""
    return Q(kind=Entry.Kind.GOAL, archived_at__isnull=True) & (Q(completed_on__isnull=True) | Q(completed_on__gt=day))


def open_goals_q(*, day: dt.date) -> Q:
    """Goals set before ``day`` and still open on it (not done by then, not archived)."""
    return Q(occurred_on__lt=day) & open_on_q(day=day)


# The day page's reads, written out: the ORM spent longer building and compiling these statements (and
# model instances from them) than PostgreSQL spent running them. Carried-over goals are the rows of
# ``open_goals_q`` (a test holds the two together).
_TEAM_FIELDS = [f.attname for f in Team._meta.concrete_fields]
_TEAM_COLUMNS = [f"t.{Team._meta.get_field(name).column}" for name in _TEAM_FIELDS]
_PERSON_COLUMNS = ["u.id", "u.hash_id", "u.full_name", "u.email", "u.nickname"]
# The team's row once, then one row per member (the team's columns are not repeated on each: reading its
# timestamps 50 times was most of what this statement cost). Ordered by part, then name and email.
_DAY_TEAM_SQL = f"""
SELECT 0, {", ".join(_TEAM_COLUMNS)}, {", ".join(["NULL"] * len(_PERSON_COLUMNS))}
FROM core_team t
WHERE t.hash_id = %(team_hash)s
UNION ALL
SELECT 1, {", ".join(["NULL"] * len(_TEAM_COLUMNS))}, {", ".join(_PERSON_COLUMNS)}
FROM core_team t
JOIN core_membership m ON m.team_id = t.id
JOIN core_user u ON u.id = m.user_id
WHERE t.hash_id = %(team_hash)s
ORDER BY 1, {len(_TEAM_COLUMNS) + 4}, {len(_TEAM_COLUMNS) + 5}
"""  # noqa: S608 (the column names come from the model, the one value is a parameter)
_DAY_ENTRIES_SQL = """
SELECT e.id, e.hash_id, e.author_id, e.kind, e.text, e.html, e.occurred_on, e.completed_on, e.goal_id,
       e.archived_at,
       (SELECT count(*) FROM core_like l WHERE l.entry_id = e.id),
       (SELECT count(*) FROM core_comment c WHERE c.entry_id = e.id),
       EXISTS (SELECT 1 FROM core_like m WHERE m.entry_id = e.id AND m.user_id = %(viewer)s)
FROM core_entry e
WHERE e.team_id = %(team)s
  AND (e.occurred_on = %(day)s
       OR (%(carry)s AND e.occurred_on < %(day)s AND e.kind = %(goal)s AND e.archived_at IS NULL
           AND (e.completed_on IS NULL OR e.completed_on > %(day)s)))
ORDER BY e.occurred_on, e.created_at, e.id
"""


@dataclass
class TeamDay:
    team: Team
    members: list[MemberDay]


def team_day(*, team_hash: str, day: dt.date, viewer) -> TeamDay:
    """The team and every member's entries of ``day`` (and goals still open on it), in two queries; 404
    unless ``viewer`` is a member (as ``membership_for``)."""
    with connection.cursor() as cursor:
        cursor.execute(_DAY_TEAM_SQL, {"team_hash": team_hash})
        rows = cursor.fetchall()
    split = 1 + len(_TEAM_FIELDS)
    people = [DayPerson(*row[split:]) for row in rows[1:]]
    if not any(person.id == viewer.pk for person in people):
        raise Http404("No such team.")
    if connection.vendor == "postgresql":
        team = Team.from_db(connection.alias, _TEAM_FIELDS, rows[0][1:split])
    else:  # SQLite keeps times as text: the ORM's converters make them datetimes
        team = Team.objects.get(hash_id=team_hash)
    return TeamDay(team=team, members=member_days(team=team, day=day, viewer=viewer, people=people))


def member_days(*, team: Team, day: dt.date, viewer, people: list) -> list[MemberDay]:
    """Each of ``people``'s entries of ``day`` in ``team`` (and their goals still open on it), with their
    counts and ``viewer``'s likes, in one query; in the order of ``people``."""
    days = {person.id: MemberDay(member=person) for person in people}
    params = {"viewer": viewer.pk, "team": team.pk, "day": day, "carry": team.carry_over_goals}
    with connection.cursor() as cursor:
        cursor.execute(_DAY_ENTRIES_SQL, {**params, "goal": Entry.Kind.GOAL})
        rows = cursor.fetchall()
    for row in rows:
        entry = DayEntry(*row)
        member = days.get(entry.author_id)
        if member is None:
            continue  # someone who left the team: their entries stay on their person page
        entry.liked = bool(entry.liked)  # SQLite answers EXISTS with 0 or 1
        entry.open_on_day = entry.kind == Entry.Kind.GOAL and bool(entry.completed_on) and entry.completed_on > day
        if entry.occurred_on != day:
            member.open_goals.append(entry)
        else:
            {"done": member.done, "goal": member.goals, "blocker": member.blockers}[entry.kind].append(entry)
    return list(days.values())


@dataclass
class CalendarDay:
    day: dt.date
    in_month: bool
    counts: dict


def team_calendar(*, team: Team, month: dt.date) -> list[list[CalendarDay]]:
    """Weeks (Monday first) of the month with per-day counts per kind, in one query."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    rows = (
        Entry.objects.filter(team=team, occurred_on__range=(weeks[0][0], weeks[-1][-1]))
        .values("occurred_on", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[dt.date, dict] = {}
    for row in rows:
        counts.setdefault(row["occurred_on"], {})[row["kind"]] = row["n"]
    return [[CalendarDay(day=d, in_month=d.month == month.month, counts=counts.get(d, {})) for d in w] for w in weeks]


def entries_page(*, queryset, page: str | int | None):
    """A page of entries, newest day first."""
    return Paginator(queryset.order_by("-occurred_on", "-created_at"), PAGE_SIZE).get_page(page)


def person_entries(*, team: Team, author, viewer):
    return entries_for_viewer(viewer=viewer).filter(team=team, author=author)


def tag_entries(*, team: Team, tag: str, viewer):
    return entries_for_viewer(viewer=viewer).filter(team=team, tags__name=tag.lower())


def entry_for_member(*, entry_hash: str, user) -> Entry:
    """One entry if ``user`` is in its team; 404 otherwise."""
    return get_object_or_404(
        entries_for_viewer(viewer=user).select_related("team"), hash_id=entry_hash, team__memberships__user=user
    )


def entry_thread(*, entry: Entry, viewer) -> dict:
    """The entry's comments (with their like counts) and who liked it."""
    comments = (
        Comment.objects.filter(entry=entry)
        .select_related("author")
        .annotate(
            like_count=_count_of(Like, "comment"),
            liked=Exists(Like.objects.filter(comment=OuterRef("pk"), user=viewer)),
        )
        .order_by("created_at")
    )
    likers = [like.user for like in Like.objects.filter(entry=entry).select_related("user").order_by("created_at")]
    return {"comments": list(comments), "likers": likers}


def comment_for_member(*, comment_hash: str, user) -> Comment:
    return get_object_or_404(
        Comment.objects.select_related("entry__team", "author"),
        hash_id=comment_hash,
        entry__team__memberships__user=user,
    )


def notifications_for(*, user, limit: int = 50):
    return list(
        Notification.objects.filter(recipient=user)
        .select_related("actor", "entry__team", "entry__author", "comment")
        .order_by("-created_at")[:limit]
    )


# Every signed-in page shows this count (the layout's bell): written out, as the ORM's queryset and compiler
# cost several times what the count itself did. Same rows as Notification.objects.filter(recipient=user,
# read_at__isnull=True); a test holds the two together.
_UNREAD_SQL = f"SELECT count(*) FROM {Notification._meta.db_table} WHERE recipient_id = %s AND read_at IS NULL"  # noqa: S608


def unread_notification_count(*, user) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_UNREAD_SQL, [user.pk])
        return cursor.fetchone()[0]


def entry_reaction_counts(*, entry_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{entry id: (likes, comments)} for the entries that have any, in two aggregate queries (the digest uses it)."""
    likes = dict(Like.objects.filter(entry_id__in=entry_ids).values_list("entry_id").annotate(n=Count("id")).order_by())
    comments = dict(
        Comment.objects.filter(entry_id__in=entry_ids).values_list("entry_id").annotate(n=Count("id")).order_by()
    )
    return {pk: (likes.get(pk, 0), comments.get(pk, 0)) for pk in set(likes) | set(comments)}


def team_entries_newest_first(*, team: Team):
    """Every member's entries in ``team``, newest written first (the API's team feed)."""
    return Entry.objects.filter(team=team).select_related("author", "team").order_by("-created_at", "-pk")


def own_entries_newest_first(*, user, team: Team | None = None):
    """``user``'s own entries in the teams they belong to (or in one of them), newest written first."""
    entries = Entry.objects.filter(author=user, team__memberships__user=user)
    if team is not None:
        entries = entries.filter(team=team)
    return entries.select_related("author", "team").order_by("-created_at", "-pk")


def dones_for_member(
    *,
    user,
    team_slug: str | None = None,
    owner: str | None = None,
    day: dt.date | None = None,
    after: dt.date | None = None,
    before: dt.date | None = None,
    tags: list[str] | None = None,
):
    """Entries in ``user``'s teams for the legacy API, newest day first, with tags, likes and comments in
    three prefetch queries. ``after``/``before`` include their day; ``tags`` match any of them."""
    entries = Entry.objects.filter(team__memberships__user=user)
    if team_slug:
        entries = entries.filter(team__slug=team_slug)
    if owner:
        entries = entries.filter(author__nickname__iexact=owner)
    if day:
        entries = entries.filter(occurred_on=day)
    if after:
        entries = entries.filter(occurred_on__gte=after)
    if before:
        entries = entries.filter(occurred_on__lte=before)
    if tags:
        entries = entries.filter(pk__in=Entry.objects.filter(tags__name__in=[t.lower() for t in tags]).values("pk"))
    return (
        entries.select_related("author", "team")
        .prefetch_related(
            "tags",
            Prefetch("likes", queryset=Like.objects.select_related("user").order_by("created_at")),
            Prefetch("comments", queryset=Comment.objects.select_related("author").order_by("created_at")),
        )
        .order_by("-occurred_on", "-created_at", "-pk")
    )
