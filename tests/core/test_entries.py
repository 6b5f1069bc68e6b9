"""Entries: markers, days, carry-over of goals, mark done / undo, archive, edit and delete rules, text."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from core.localtime import today_for
from core.models import Entry, Membership, Notification
from core.selectors.entries import team_day
from core.services.entries import (
    entries_create_from_lines,
    entry_archive,
    entry_create,
    entry_delete,
    entry_update,
    goal_complete,
    goal_reopen,
)
from core.services.teams import membership_role_set


def test_it_creates_one_entry_per_line_with_markers(alice, team):
    entries = entries_create_from_lines(author=alice, team=team, text="[x] shipped\n\n[ ] plan\n! stuck\nplain")
    assert [(e.kind, e.text) for e in entries] == [
        ("done", "shipped"),
        ("goal", "plan"),
        ("blocker", "stuck"),
        ("done", "plain"),
    ]


def test_it_refuses_empty_and_too_long_text(alice, team):
    with pytest.raises(ValueError, match="needs some text"):
        entry_create(author=alice, team=team, text="[ ]   ")
    with pytest.raises(ValueError, match="at most"):
        entry_create(author=alice, team=team, text="x" * 10_000)
    assert not Entry.objects.exists()


def test_it_allows_future_days_only_for_goals(alice, team):
    tomorrow = today_for(alice) + dt.timedelta(days=1)
    assert entry_create(author=alice, team=team, text="[ ] demo", occurred_on=tomorrow).occurred_on == tomorrow
    with pytest.raises(ValueError, match="Only goals"):
        entry_create(author=alice, team=team, text="did it", occurred_on=tomorrow)


def _day_of(person, team, day):
    """``person``'s part of the team's day as they see it."""
    return next(m for m in team_day(team_hash=team.hash_id, day=day, viewer=person).members if m.member.pk == person.pk)


def test_it_carries_open_goals_over_to_later_days(alice, team):
    today = today_for(alice)
    goal = entry_create(author=alice, team=team, text="[ ] write docs", occurred_on=today - dt.timedelta(days=3))
    day = _day_of(alice, team, today)
    assert [e.id for e in day.open_goals] == [goal.pk]

    team.carry_over_goals = False
    team.save()
    day = _day_of(alice, team, today)
    assert day.open_goals == []


def test_it_marks_a_goal_done_and_undoes_it(alice, team):
    today = today_for(alice)
    goal = entry_create(author=alice, team=team, text="[ ] write docs #docs", occurred_on=today - dt.timedelta(days=2))
    done = goal_complete(goal=goal, actor=alice)
    goal.refresh_from_db()
    assert (done.kind, done.goal, done.occurred_on, goal.completed_on) == ("done", goal, today, today)
    assert list(done.tags.values_list("name", flat=True)) == ["docs"]
    # A done goal no longer carries over to the days after it was done.
    later = _day_of(alice, team, today + dt.timedelta(days=1))
    assert later.open_goals == []

    goal_reopen(goal=goal, actor=alice)
    goal.refresh_from_db()
    assert goal.completed_on is None and not Entry.objects.filter(pk=done.pk).exists()


def test_it_reopens_the_goal_when_its_done_is_deleted(alice, team):
    goal = entry_create(author=alice, team=team, text="[ ] a goal")
    done = goal_complete(goal=goal, actor=alice)
    entry_delete(entry=done, actor=alice)
    goal.refresh_from_db()
    assert goal.completed_on is None


def test_it_marks_a_goal_done_only_once(alice, team):
    goal = entry_create(author=alice, team=team, text="[ ] a goal")
    goal_complete(goal=goal, actor=alice)
    goal_complete(goal=goal, actor=alice)
    assert Entry.objects.filter(goal=goal).count() == 1


def test_it_lets_only_the_author_mark_done(alice, bob, team):
    goal = entry_create(author=alice, team=team, text="[ ] a goal")
    with pytest.raises(PermissionDenied):
        goal_complete(goal=goal, actor=bob)


def test_archived_goals_stop_carrying_over(alice, team):
    today = today_for(alice)
    goal = entry_create(author=alice, team=team, text="[ ] someday", occurred_on=today - dt.timedelta(days=1))
    entry_archive(entry=goal, actor=alice)
    day = _day_of(alice, team, today)
    assert day.open_goals == []


def test_it_lets_authors_edit_and_admins_delete(alice, bob, team):
    entry = entry_create(author=bob, team=team, text="first #draft")
    with pytest.raises(PermissionDenied):
        entry_update(entry=entry, actor=alice, text="hijacked")
    entry_update(entry=entry, actor=bob, text="second #final")
    assert list(entry.tags.values_list("name", flat=True)) == ["final"]

    mine = entry_create(author=alice, team=team, text="alice's")
    with pytest.raises(PermissionDenied):
        entry_delete(entry=mine, actor=bob)  # bob is a plain member
    entry_delete(entry=entry, actor=alice)  # alice is team admin
    assert not Entry.objects.filter(pk=entry.pk).exists()


def test_it_lets_a_promoted_member_and_the_org_owner_delete(alice, bob, team):
    membership_role_set(membership=Membership.objects.get(team=team, user=bob), actor=alice, role="admin")
    membership_role_set(membership=Membership.objects.get(team=team, user=alice), actor=bob, role="member")
    entry_delete(entry=entry_create(author=alice, team=team, text="alice's"), actor=bob)
    # alice is no longer team admin, but she owns the organization, which admins all its teams.
    entry_delete(entry=entry_create(author=bob, team=team, text="bob's"), actor=alice)
    assert not Entry.objects.exists()


def test_it_links_tags_mentions_and_urls_and_escapes_the_rest(nicknamed, team):
    alice, bob, charlie = nicknamed
    entry = entry_create(
        author=alice,
        team=team,
        text="Fixed #Billing with @bob and @charlie, see https://example.com/x?a=1&b=2. <script>alert(1)</script>",
    )
    assert list(entry.tags.values_list("name", flat=True)) == ["billing"]
    assert list(entry.mentions.all()) == [bob]  # charlie is not in this team
    assert f"/t/{team.hash_id}/tags/billing/" in entry.html
    assert f"/t/{team.hash_id}/u/{bob.hash_id}/" in entry.html
    assert 'href="https://example.com/x?a=1&amp;b=2"' in entry.html
    assert "<script>" not in entry.html and "&lt;script&gt;" in entry.html
    assert Notification.objects.filter(recipient=bob, kind="mention", entry=entry).count() == 1


def test_it_does_not_link_javascript_urls_or_attribute_breakouts(alice, team):
    entry = entry_create(author=alice, team=team, text='javascript:alert(1) "><img src=x onerror=alert(1)> #ok"x')
    assert "<img" not in entry.html and 'href="javascript' not in entry.html
    assert 'class="tag">#ok</a>&quot;x' in entry.html


def test_it_notifies_a_mention_once_across_edits(nicknamed, team):
    alice, bob, _ = nicknamed
    entry = entry_create(author=alice, team=team, text="thanks @bob")
    entry_update(entry=entry, actor=alice, text="thanks again @bob")
    assert Notification.objects.filter(recipient=bob, kind="mention").count() == 1


def test_it_marks_a_goal_done_on_a_past_day_but_not_before_it_was_set(alice, team):
    today = today_for(alice)
    goal = entry_create(author=alice, team=team, text="[ ] a goal", occurred_on=today - dt.timedelta(days=3))
    with pytest.raises(ValueError, match="on or after"):
        goal_complete(goal=goal, actor=alice, on=today - dt.timedelta(days=4))
    done = goal_complete(goal=goal, actor=alice, on=today - dt.timedelta(days=1))
    assert done.occurred_on == today - dt.timedelta(days=1)


def test_entry_update_moves_an_entry_only_into_the_authors_teams(alice, team, other_team):
    entry = entry_create(author=alice, team=team, text="stay put")
    with pytest.raises(PermissionDenied):
        entry_update(entry=entry, actor=alice, team=other_team)
    entry.refresh_from_db()
    assert entry.team == team


def test_entry_update_with_kind_done_completes_a_goal_and_refuses_other_changes(alice, team):
    goal = entry_create(author=alice, team=team, text="[ ] the goal")
    entry_update(entry=goal, actor=alice, kind=Entry.Kind.DONE)
    assert goal.completed_on is not None
    assert goal.completions.get().kind == Entry.Kind.DONE
    with pytest.raises(ValueError, match="only changes from goal to done"):
        entry_update(entry=goal.completions.get(), actor=alice, kind=Entry.Kind.BLOCKER)
