"""What every signed-in page does more cheaply (the layout's count and links, the day page's post form and
team row, the day page's sections kept in memory) gives exactly what the slower way gave."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.template import Context, Template
from django.urls import clear_script_prefix, reverse, set_script_prefix

from core.localtime import today_for
from core.models import Notification, Team
from core.selectors.entries import team_day, unread_notification_count
from core.services.entries import entry_create, entry_delete, entry_update
from core.services.notifications import notifications_mark_read
from core.services.social import comment_create, like_toggle
from core.web import day_page
from core.web.day_page import RecentSections
from core.web.forms import EntryForm, blank_entry_form_fields, entry_form_fields


def _orm_unread(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def test_the_unread_count_counts_the_rows_the_orm_would(alice, bob, charlie, team):
    entry = entry_create(author=alice, team=team, text="shipped")
    assert unread_notification_count(user=alice) == _orm_unread(alice) == 0
    like_toggle(user=bob, entry=entry)
    comment = comment_create(entry=entry, author=bob, text="nice")
    assert unread_notification_count(user=alice) == _orm_unread(alice) == 2
    assert unread_notification_count(user=bob) == _orm_unread(bob) == 0  # someone else's stay theirs
    notifications_mark_read(user=alice)
    assert unread_notification_count(user=alice) == _orm_unread(alice) == 0
    comment_create(entry=entry, author=bob, text="again")
    assert unread_notification_count(user=alice) == 1
    entry_delete(entry=entry, actor=alice)  # its notifications go with it
    assert unread_notification_count(user=alice) == _orm_unread(alice) == 0
    assert comment.pk and unread_notification_count(user=charlie) == 0


def test_the_layout_shows_the_unread_count_as_it_changes(client, alice, bob, team):
    entry = entry_create(author=alice, team=team, text="shipped")
    client.force_login(alice)
    assert "data-unread" not in client.get(reverse("teams")).content.decode()
    like_toggle(user=bob, entry=entry)
    assert '<span class="badge" data-unread>1</span>' in client.get(reverse("teams")).content.decode()
    notifications_mark_read(user=alice)
    assert "data-unread" not in client.get(reverse("teams")).content.decode()


@pytest.mark.parametrize("day", [dt.date(2026, 3, 1), dt.date(2026, 3, 2), None])
def test_a_blank_post_form_renders_as_django_renders_it(day):
    form = EntryForm(initial={"occurred_on": day})
    fields = blank_entry_form_fields(day)
    assert fields == {"text": str(form["text"]), "occurred_on": str(form["occurred_on"])}
    assert blank_entry_form_fields(day) is fields  # once per process and day
    assert (day.isoformat() if day else 'name="occurred_on" id=') in fields["occurred_on"]


def test_a_posted_post_form_shows_its_own_values_and_errors():
    posted = EntryForm(
        {"text": "x" * 100_000, "occurred_on": "1999-01-01"}, initial={"occurred_on": dt.date(2026, 3, 1)}
    )
    assert not posted.is_valid()
    fields = entry_form_fields(posted)
    assert fields == {"text": str(posted["text"]), "occurred_on": str(posted["occurred_on"])}
    assert 'value="1999-01-01"' in fields["occurred_on"] and 'aria-invalid="true"' in fields["text"]


def test_the_day_page_post_form_keeps_what_was_typed_when_refused(client, alice, team):
    client.force_login(alice)
    page = client.post(reverse("team_day", args=[team.hash_id]), {"text": "   ", "occurred_on": "not a day"})
    assert page.status_code == 200
    assert 'value="not a day"' in page.content.decode()


def test_the_day_reads_the_whole_team_row_and_its_members(alice, bob, team):
    team.carry_over_goals = False
    team.save()
    day = team_day(team_hash=team.hash_id, day=today_for(alice), viewer=alice)
    stored = Team.objects.get(pk=team.pk)
    assert {f.attname: getattr(day.team, f.attname) for f in Team._meta.concrete_fields} == {
        f.attname: getattr(stored, f.attname) for f in Team._meta.concrete_fields
    }
    assert [m.member.pk for m in day.members] == [alice.pk, bob.pk]  # by name


def test_layout_links_are_djangos_and_follow_the_script_prefix(team):
    template = Template("{% load idt %}{% path 'teams' %} {% path 'team_day' team.hash_id %}")
    assert template.render(Context({"team": team})) == f"{reverse('teams')} {reverse('team_day', args=[team.hash_id])}"
    set_script_prefix("/mounted/")
    try:
        assert template.render(Context({"team": team})).startswith("/mounted/teams/ /mounted/t/")
    finally:
        clear_script_prefix()


def test_recent_sections_keep_at_most_their_budget_dropping_the_least_recent():
    recent = RecentSections(max_chars=10)
    recent.set_many({"a": ("L", "abc", "d"), "b": ("", "efgh")})
    assert recent.get_many(["a"]) == {"a": ("L", "abc", "d")}  # now the most recent
    recent.set_many({"c": ("", "ijk")})
    assert recent.get_many(["a", "b", "c"]) == {"a": ("L", "abc", "d"), "c": ("", "ijk")}
    recent.clear()
    assert recent.get_many(["a", "c"]) == {}


def test_an_edit_shows_on_the_next_load_with_the_section_in_memory(client, alice, bob, team):
    """The shared cache emptied after the first load: the copy in this process's memory is what is served,
    and an edit still shows on the very next load."""
    entry = entry_create(author=alice, team=team, text="fuelled the rocket")
    client.force_login(bob)
    url = reverse("team_day", args=[team.hash_id])
    client.get(url)
    cache.clear()
    first = client.get(url)
    assert {t.name for t in first.templates} & {day_page.SECTION_TEMPLATE} == set()  # served from memory
    assert "fuelled the rocket" in first.content.decode()
    entry_update(entry=entry, actor=alice, text="fuelled and tested the rocket")
    assert "fuelled and tested the rocket" in client.get(url).content.decode()
    like_toggle(user=bob, entry=entry)
    assert 'class="link like liked" aria-pressed="true">♥ 1' in client.get(url).content.decode()
