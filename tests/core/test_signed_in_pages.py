"""What every signed-in page does more cheaply (the layout's count and links, the day page's post form and
team row, the day page's sections kept in memory) gives exactly what the slower way gave."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import Client
from django.urls import clear_script_prefix, reverse, set_script_prefix

from core.localtime import today_for
from core.models import Notification, Team
from core.selectors.day_sections import day_sections
from core.selectors.entries import team_day, unread_notification_count
from core.services.entries import entry_create, entry_delete, entry_update
from core.services.notifications import notifications_mark_read
from core.services.social import comment_create, like_toggle
from core.services.teams import membership_add, membership_remove
from core.web import day_page
from core.web.day_page import RecentSections, member_sections
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


# --- the day page's frame (everything around the sections), kept per viewer and day in memory ----------------


def _tokenless(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', 'name="csrfmiddlewaretoken" value=""', html)


def _day_url(team, day=None) -> str:
    return reverse("team_day", args=[team.hash_id]) + (f"?date={day.isoformat()}" if day else "")


def _as_django_renders_it(response, team, day) -> str:
    """The page as ``render()`` with the request's full context (user, request, messages) would make it."""
    request = response.wsgi_request
    today = today_for(request.user)
    members = team_day(team_hash=team.hash_id, day=day, viewer=request.user).members
    page = day_sections(team_hash=team.hash_id, day=day, viewer=request.user)
    form = EntryForm(None, initial={"occurred_on": day})
    context = {
        "member_sections": member_sections(page=page, request=request, day=day, today=today),
        "team": team,
        "day": day,
        "today": today,
        "members": members,
        "member_count": len(members),
        "waiting": [m.member for m in members if not m.posted],
        "form": form,
        "fields": entry_form_fields(form),
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
    }
    return render_to_string(day_page.PAGE_TEMPLATE, context, request=request)


@pytest.mark.parametrize("when", ["today", "past", "nobody"])
def test_the_frame_is_the_page_django_renders(client, alice, bob, charlie, team, when):
    membership_add(team=team, user=charlie)
    today = today_for(bob)
    day = {"today": today, "past": today - dt.timedelta(days=2), "nobody": today - dt.timedelta(days=40)}[when]
    if when != "nobody":
        entry = entry_create(author=alice, team=team, text="fuelled the rocket", occurred_on=day)
        like_toggle(user=charlie, entry=entry)
        comment_create(entry=entry, author=alice, text="hi @bob")
    client.force_login(bob)
    for _ in range(2):  # rendered, then from memory
        response = client.get(_day_url(team, day))
        assert _tokenless(response.content.decode()) == _tokenless(_as_django_renders_it(response, team, day))
    assert {t.name for t in response.templates} & set(day_page._FRAME_TEMPLATES) == set()


def test_the_frame_shows_every_change_of_what_it_shows_on_the_next_load(client, alice, bob, charlie, team):
    membership_add(team=team, user=charlie)
    client.force_login(bob)
    url = _day_url(team)
    assert "Not posted yet: Alice Archer, Bob Baker, Charlie Cho" in client.get(url).content.decode()

    entry_create(author=charlie, team=team, text="fuelled the rocket")
    assert "Not posted yet: Alice Archer, Bob Baker</p>" in client.get(url).content.decode()

    alice.full_name = "Alice Aldrin"
    alice.save(update_fields=["full_name"])
    assert "Not posted yet: Alice Aldrin, Bob Baker</p>" in client.get(url).content.decode()

    bob.full_name = "Bob Bravo"
    bob.save(update_fields=["full_name"])
    assert ">Bob Bravo</a>" in client.get(url).content.decode()

    entry = entry_create(author=bob, team=team, text="wrote it up")
    like_toggle(user=alice, entry=entry)
    assert '<span class="badge" data-unread>1</span>' in client.get(url).content.decode()
    notifications_mark_read(user=bob)
    assert "data-unread" not in client.get(url).content.decode()

    team.name = "Moonshot"
    team.save(update_fields=["name"])
    page = client.get(url).content.decode()
    assert "<title>Moonshot – " in page and '<strong class="team-name">Moonshot</strong>' in page

    membership_remove(membership=team.memberships.get(user=charlie), actor=alice)
    assert "Charlie" not in client.get(url).content.decode()


def test_each_viewer_gets_their_own_frame(client, alice, bob, team):
    entry_create(author=alice, team=team, text="fuelled the rocket")
    client.force_login(alice)
    alices = client.get(_day_url(team)).content.decode()
    client.force_login(bob)
    bobs = client.get(_day_url(team)).content.decode()
    assert ">Alice Archer</a>\n        <form" in alices.split("</header>")[0]
    assert ">Bob Baker</a>\n        <form" in bobs.split("</header>")[0]


def test_a_flash_message_shows_once_and_is_never_kept(client, alice, team):
    client.force_login(alice)
    client.get(_day_url(team))
    flashed = client.get(reverse("team_day", args=[team.hash_id]) + "?date=not-a-day").content.decode()
    assert "is not a date we can show" in flashed
    assert "is not a date we can show" not in client.get(_day_url(team)).content.decode()


def test_the_frame_carries_this_requests_token(alice, bob, team):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(bob)
    browser.get(_day_url(team))
    page = browser.get(_day_url(team)).content.decode()
    token = re.search(
        r'<form method="post" class="card post" data-swap><input type="hidden" '
        r'name="csrfmiddlewaretoken" value="(\w+)"',
        page,
    ).group(1)
    posted = browser.post(_day_url(team), {"csrfmiddlewaretoken": token, "text": "posted with it"})
    assert posted.status_code == 302 and "\x00" not in page
