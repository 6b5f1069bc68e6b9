"""The day page's one statement: each member's section digest, the viewer's likes and the unread count, as
PostgreSQL makes them, are the ones made from the entries read in full; every value a section shows changes
its digest; and a section read after an edit is never kept under the digest of what was there before."""

import datetime as dt

import pytest
from django.urls import reverse

from core.localtime import today_for
from core.models import Entry
from core.selectors import day_sections as sections
from core.selectors.entries import PAGE_SIZE, team_day, unread_notification_count
from core.services.entries import entry_archive, entry_create, entry_delete, entry_update, goal_complete
from core.services.social import comment_create, like_toggle
from core.services.teams import membership_add
from core.web import day_page
from tests.conftest import requires_postgres
from tests.factories import UserFactory


def _from_rows(team, day, viewer) -> list[tuple]:
    """What the digests would be, made in Python from the entries read in full."""
    return [
        (
            md.member.pk,
            sections.shown_digest(md, day),
            "".join("1" if e.liked else "0" for part in sections.PARTS for e in getattr(md, part)),
            md.posted,
        )
        for md in team_day(team_hash=team.hash_id, day=day, viewer=viewer).members
    ]


def _from_statement(team, day, viewer) -> list[tuple]:
    page = sections.day_sections(team_hash=team.hash_id, day=day, viewer=viewer)
    return [(m.member.pk, m.digest, m.likes, m.posted) for m in page.members]


@pytest.fixture
def busy_day(alice, bob, team):
    """A day with every kind of entry and value a section shows, in text no simpler than people write."""
    today = today_for(alice)
    day = today - dt.timedelta(days=2)
    earlier = day - dt.timedelta(days=3)
    carol = UserFactory(full_name="Carol Ünïcode")
    membership_add(team=team, user=carol)
    done = entry_create(author=alice, team=team, text="Shipped 🚀 the naïve café build #release", occurred_on=day)
    entry_create(author=alice, team=team, text='! Blocked on "legal" & <review>', occurred_on=day)
    goal = entry_create(author=alice, team=team, text="[ ] write the notes", occurred_on=day)
    goal_complete(goal=goal, actor=alice, on=today)  # done later: still open on the day
    carried = entry_create(author=bob, team=team, text="[ ] a goal from earlier", occurred_on=earlier)
    archived = entry_create(author=bob, team=team, text="[ ] let go of", occurred_on=day)
    entry_archive(entry=archived, actor=bob)
    entry_create(author=bob, team=team, text="a combining e\u0301 and a zero-width\u200bjoin", occurred_on=day)
    like_toggle(user=bob, entry=done)
    like_toggle(user=carol, entry=done)
    like_toggle(user=alice, entry=carried)
    comment_create(entry=done, author=bob, text="nice, @alice")
    return {"day": day, "done": done, "goal": goal, "carried": carried, "archived": archived, "carol": carol}


@requires_postgres
def test_the_statement_digests_what_the_rows_read_in_full_show(alice, bob, team, busy_day):
    day = busy_day["day"]
    for viewer in (alice, bob, busy_day["carol"]):
        made = _from_statement(team, day, viewer)
        assert made == _from_rows(team, day, viewer)
    assert [posted for _, _, _, posted in made] == [True, True, False]  # Alice, Bob, Carol by name
    assert made[2][1] is None  # nothing to show for Carol
    assert _from_statement(team, day, bob)[0][2] == "010"  # Bob likes Alice's done (blocker, done, goal)


@requires_postgres
def test_the_statement_carries_over_goals_only_when_the_team_does(alice, bob, team, busy_day):
    day = busy_day["day"]
    team.carry_over_goals = False
    team.save()
    assert _from_statement(team, day, alice) == _from_rows(team, day, alice)
    later = day + dt.timedelta(days=1)  # nobody posted: nothing shows
    assert {digest for _, digest, _, _ in _from_statement(team, later, alice)} == {None}


@requires_postgres
def test_the_statement_counts_the_viewers_unread_notifications(alice, bob, team, busy_day):
    page = sections.day_sections(team_hash=team.hash_id, day=busy_day["day"], viewer=alice)
    assert page.unread_notifications == unread_notification_count(user=alice) > 0
    assert page.team == team and page.team.name == team.name and page.team.carry_over_goals is True


@requires_postgres
def test_every_value_a_section_shows_changes_its_digest(alice, bob, team, busy_day):
    day, done, goal = busy_day["day"], busy_day["done"], busy_day["goal"]
    seen = []

    def digest():
        (value,) = [d for pk, d, _, _ in _from_statement(team, day, bob) if pk == alice.pk]
        assert [value] == [d for pk, d, _, _ in _from_rows(team, day, bob) if pk == alice.pk]
        assert value not in seen
        seen.append(value)

    digest()
    entry_update(entry=done, actor=alice, text="Shipped the naïve café build #release")
    digest()
    like_toggle(user=busy_day["carol"], entry=done)  # a like count
    digest()
    comment_create(entry=done, author=alice, text="thanks")  # a comment count
    digest()
    Entry.objects.filter(pk=goal.pk).update(completed_on=day)  # done on the day: no longer open on it
    digest()
    entry_archive(entry=done, actor=alice)
    digest()
    Entry.objects.filter(pk=done.pk).update(kind=Entry.Kind.GOAL)  # its group and marker
    digest()
    entry_delete(entry=goal, actor=alice)
    digest()


@requires_postgres
def test_text_cannot_pass_for_another_entrys_values(alice, team):
    day = today_for(alice)
    first = entry_create(author=alice, team=team, text="one", occurred_on=day)
    entry_create(author=alice, team=team, text="two", occurred_on=day)
    before = _from_statement(team, day, alice)
    # Move the second entry's words into the first: the joined text is alike, the length prefixes are not.
    entry_update(entry=first, actor=alice, text="one two")
    Entry.objects.filter(team=team).exclude(pk=first.pk).update(text="", html="")
    assert _from_statement(team, day, alice) != before
    assert _from_statement(team, day, alice) == _from_rows(team, day, alice)


@requires_postgres
def test_a_section_read_after_an_edit_is_kept_under_what_it_shows(client, alice, bob, team, monkeypatch, settings):
    """An edit between the digests and the full read: the section is kept under the digest of what it shows,
    so when the entry reads as before again, the page shows it as before (not the edit)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    day_page.recent.clear()
    entry = entry_create(author=alice, team=team, text="fuelled the rocket")
    read_in_full = day_page.member_days

    def edited_meanwhile(**kwargs):
        entry_update(entry=entry, actor=alice, text="fuelled and tested the rocket")
        return read_in_full(**kwargs)

    client.force_login(bob)
    url = reverse("team_day", args=[team.hash_id])
    monkeypatch.setattr(day_page, "member_days", edited_meanwhile)
    assert "fuelled and tested the rocket" in client.get(url).content.decode()
    monkeypatch.setattr(day_page, "member_days", read_in_full)
    entry_update(entry=entry, actor=alice, text="fuelled the rocket")
    page = client.get(url).content.decode()
    assert "fuelled the rocket" in page and "tested" not in page


def test_sections_are_still_one_page_of_the_whole_day(client, alice, bob, team):
    """However many entries, every one is on the page (nothing paged away by the digests)."""
    for n in range(PAGE_SIZE + 5):
        entry_create(author=alice if n % 2 else bob, team=team, text=f"did {n}")
    client.force_login(bob)
    page = client.get(reverse("team_day", args=[team.hash_id])).content.decode()
    assert page.count('<li class="entry ') == PAGE_SIZE + 5
