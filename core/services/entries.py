"""Writes about entries. Markers (``[ ]`` goal, ``[x]`` done, ``!`` blocker) work in every channel.

Every write that creates or changes an entry owes its team's webhooks in the same transaction
(``webhook_deliveries_owe``), so web, email, API and Slack announce alike."""

import datetime as dt
import re

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core.localtime import today_for
from core.models import Entry, Membership, Notification, Tag, Team, User
from core.permissions import DELETE_ENTRY, staff_holds
from core.services.notifications import notification_create
from core.services.schedules import membership_emails_restore
from core.services.teams import can_admin_team
from core.services.webhooks import webhook_deliveries_owe
from core.signals import entry_created
from core.text import clean_text, nicknames_in, render_html, tags_in

MAX_ENTRY_LENGTH = 5000
EARLIEST_DAY = dt.date(2000, 1, 1)
_MARKERS = [
    (re.compile(r"^\[\s?\]\s*"), Entry.Kind.GOAL),
    (re.compile(r"^\[[xX√]\]\s*"), Entry.Kind.DONE),
    (re.compile(r"^!\s*"), Entry.Kind.BLOCKER),
]


def parse_marker(line: str) -> tuple[str, str]:
    """Return (kind, text without its marker) for one line someone wrote."""
    text = line.strip()
    for pattern, kind in _MARKERS:
        if pattern.match(text):
            return kind, pattern.sub("", text, count=1).strip()
    return Entry.Kind.DONE, text


def validate_entry_text(text: str) -> str:
    body = clean_text(text)
    if not body:
        raise ValueError("An entry needs some text.")
    if len(body) > MAX_ENTRY_LENGTH:
        raise ValueError(f"An entry is at most {MAX_ENTRY_LENGTH} characters.")
    return body


def _validate_day(*, author, kind: str, day: dt.date) -> None:
    if day < EARLIEST_DAY:
        raise ValueError("That day is too long ago.")
    if kind != Entry.Kind.GOAL and day > today_for(author):
        raise ValueError("Only goals can be for a day that has not happened yet.")


def team_people(*, team: Team) -> dict[str, User]:
    """Team members by lowercased nickname: who an @mention in this team can mean."""
    users = User.objects.filter(memberships__team=team).exclude(nickname="")
    return {u.nickname.lower(): u for u in users}


def render_for_team(*, team: Team, text: str, people: dict[str, User]) -> str:
    return render_html(text, team_hash=team.hash_id, people={nick: u.hash_id for nick, u in people.items()})


def _apply_tags_and_mentions(*, entry: Entry, people: dict[str, User], actor) -> None:
    tags = [Tag.objects.get_or_create(team=entry.team, name=name)[0] for name in tags_in(entry.text)]
    entry.tags.set(tags)
    mentioned = [people[n] for n in nicknames_in(entry.text) if n in people]
    already = set(entry.mentions.values_list("pk", flat=True))
    entry.mentions.set(mentioned)
    for user in mentioned:
        if user.pk not in already:
            notification_create(recipient=user, kind=Notification.Kind.MENTION, actor=actor, entry=entry)


@transaction.atomic
def entry_create(
    *, author, team: Team, text: str, occurred_on: dt.date | None = None, kind: str | None = None, goal=None
) -> Entry:
    """One entry from one line; the line's marker sets the kind unless ``kind`` is given."""
    marker_kind, body = parse_marker(clean_text(text))
    kind = kind or marker_kind
    body = validate_entry_text(body)
    day = occurred_on or today_for(author)
    _validate_day(author=author, kind=kind, day=day)
    people = team_people(team=team)
    entry = Entry.objects.create(
        author=author,
        team=team,
        kind=kind,
        text=body,
        html=render_for_team(team=team, text=body, people=people),
        occurred_on=day,
        goal=goal,
    )
    _apply_tags_and_mentions(entry=entry, people=people, actor=author)
    # Integrations (Slack) hear of the entry once it is committed; a failing receiver never fails the write.
    # A function, not a functools.partial: Django names a robust hook that failed by its __qualname__, and
    # a partial has none (the failure then became an AttributeError, and the request a bare 500).
    def announce_entry() -> None:
        entry_created.send(sender=Entry, entry_id=entry.pk)

    transaction.on_commit(announce_entry, robust=True)
    webhook_deliveries_owe(entry=entry, event="entry_created")
    # Posting again lifts the inactivity throttle: daily emails resume at once.
    for membership in Membership.objects.filter(team=team, user=author, emails_throttled=True).select_related("user"):
        membership_emails_restore(membership=membership, actor=author)
    return entry


def entries_create_from_lines(*, author, team: Team, text: str, occurred_on: dt.date | None = None) -> list[Entry]:
    """Several entries, one per non-empty line (how people answer "what did you get done?")."""
    lines = [line for line in clean_text(text).splitlines() if parse_marker(line)[1]]
    if not lines:
        raise ValueError("An entry needs some text.")
    for line in lines:
        kind, body = parse_marker(line)
        validate_entry_text(body)
        _validate_day(author=author, kind=kind, day=occurred_on or today_for(author))
    with transaction.atomic():
        return [entry_create(author=author, team=team, text=line, occurred_on=occurred_on) for line in lines]


@transaction.atomic
def entry_update(
    *,
    entry: Entry,
    actor,
    text: str | None = None,
    occurred_on: dt.date | None = None,
    team: Team | None = None,
    kind: str | None = None,
) -> Entry:
    """Edit an entry's text, day or team (what is not given stays). A kind of "done" on a goal marks the
    goal done, as "Mark done" does; no other change of kind is allowed (a done is not a goal afterwards)."""
    if entry.author_id != actor.pk:
        raise PermissionDenied("Only the author edits an entry.")
    completes_goal = kind == Entry.Kind.DONE and entry.kind == Entry.Kind.GOAL
    if kind and kind != entry.kind and not completes_goal:
        raise ValueError("An entry's status only changes from goal to done (marking the goal done).")
    body = validate_entry_text(entry.text if text is None else text)
    day = occurred_on or entry.occurred_on
    _validate_day(author=actor, kind=entry.kind, day=day)
    if team is not None and team.pk != entry.team_id:
        _check_move(entry=entry, actor=actor, team=team)
        entry.team = team
    people = team_people(team=entry.team)
    entry.text, entry.occurred_on = body, day
    entry.html = render_for_team(team=entry.team, text=body, people=people)
    entry.save(update_fields=["team", "text", "html", "occurred_on", "updated_at"])
    _apply_tags_and_mentions(entry=entry, people=people, actor=actor)
    if completes_goal:
        goal_complete(goal=entry, actor=actor)  # which owes the webhooks, with the goal marked done
        entry.refresh_from_db(fields=["completed_on", "updated_at"])
    else:
        webhook_deliveries_owe(entry=entry, event="entry_updated")
    return entry


def _check_move(*, entry: Entry, actor, team: Team) -> None:
    if not Membership.objects.filter(team=team, user=actor).exists():
        raise PermissionDenied("Entries move only to the author's own teams.")
    if entry.goal_id or entry.completions.exists():
        raise ValueError("A goal and the done that completed it stay in their team.")


@transaction.atomic
def entry_delete(*, entry: Entry, actor) -> None:
    """Authors delete their own entries, team admins (and staff allowed to) any; deleting a goal's done
    re-opens the goal."""
    allowed = entry.author_id == actor.pk or staff_holds(actor, DELETE_ENTRY)
    if not allowed and not can_admin_team(user=actor, team=entry.team):
        raise PermissionDenied("Only the author or a team admin deletes an entry.")
    if entry.goal_id:
        Entry.objects.filter(pk=entry.goal_id).update(completed_on=None, updated_at=timezone.now())
        webhook_deliveries_owe(entry=entry.goal, event="entry_updated")
    entry.delete()


@transaction.atomic
def goal_complete(*, goal: Entry, actor, on: dt.date | None = None) -> Entry:
    """Mark a goal done: a done entry on that day, linked to the goal, and the goal's completion date."""
    goal = Entry.objects.select_for_update().get(pk=goal.pk)
    if goal.kind != Entry.Kind.GOAL:
        raise ValueError("Only goals are marked done.")
    if goal.author_id != actor.pk:
        raise PermissionDenied("Only the author marks their goal done.")
    if goal.completed_on:
        return goal.completions.order_by("-created_at").first() or goal
    day = on or today_for(actor)
    if day < goal.occurred_on:
        raise ValueError("A goal is done on or after the day it was set.")
    done = entry_create(author=actor, team=goal.team, text=goal.text, occurred_on=day, kind=Entry.Kind.DONE, goal=goal)
    goal.completed_on = day
    goal.save(update_fields=["completed_on", "updated_at"])
    webhook_deliveries_owe(entry=goal, event="entry_updated")
    return done


@transaction.atomic
def goal_reopen(*, goal: Entry, actor) -> Entry:
    """Undo "mark done": the done it created goes away and the goal is open again."""
    if goal.author_id != actor.pk:
        raise PermissionDenied("Only the author re-opens their goal.")
    goal.completions.all().delete()
    goal.completed_on = None
    goal.save(update_fields=["completed_on", "updated_at"])
    webhook_deliveries_owe(entry=goal, event="entry_updated")
    return goal


@transaction.atomic
def entry_archive(*, entry: Entry, actor, archived: bool = True) -> Entry:
    """Archived goals stop carrying over; the entry itself stays."""
    if entry.author_id != actor.pk and not can_admin_team(user=actor, team=entry.team):
        raise PermissionDenied("Only the author or a team admin archives an entry.")
    entry.archived_at = timezone.now() if archived else None
    entry.save(update_fields=["archived_at", "updated_at"])
    webhook_deliveries_owe(entry=entry, event="entry_updated")
    return entry
