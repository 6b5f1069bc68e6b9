"""Signing up, creating a team and posting an entry: the team's day page, who may see it, markers, query counts."""

import datetime as dt

import pytest
from django.urls import reverse

from core.models import Entry, Team
from core.services.entries import entry_create, parse_marker
from tests.factories import EntryFactory, MembershipFactory


def test_it_signs_up_creates_a_team_and_posts_a_done(client, db):
    response = client.post(
        reverse("signup"),
        {
            "email": "dana@example.com",
            "full_name": "Dana",
            "password1": "a-long-password-9",
            "password2": "a-long-password-9",
        },
    )
    assert response.status_code == 302
    response = client.post(reverse("team_new"), {"name": "Launch crew"})
    team = Team.objects.get(name="Launch crew")
    assert response.url == reverse("team_day", args=[team.hash_id])

    response = client.post(reverse("team_day", args=[team.hash_id]), {"text": "Shipped the beta"})
    assert response.status_code == 302
    page = client.get(response.url)
    assert "Shipped the beta" in page.content.decode()
    assert Entry.objects.get(team=team).kind == Entry.Kind.DONE


def test_it_uses_opaque_hashes_not_sequential_ids(team, other_team):
    assert not team.hash_id.isdigit()
    assert str(team.pk) not in reverse("team_day", args=[team.hash_id]).split("/")
    assert team.hash_id != other_team.hash_id


def test_it_hides_other_teams_behind_404(client, charlie, team):
    client.force_login(charlie)
    assert client.get(reverse("team_day", args=[team.hash_id])).status_code == 404


def test_it_sends_anonymous_visitors_to_log_in(client, team):
    response = client.get(reverse("team_day", args=[team.hash_id]))
    assert response.status_code == 302 and reverse("login") in response.url


def test_it_rejects_an_empty_entry_with_a_form_error(client, alice, team):
    client.force_login(alice)
    response = client.post(reverse("team_day", args=[team.hash_id]), {"text": "[x]  "})
    assert response.status_code == 200
    assert "An entry needs some text." in response.content.decode()
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    "line, kind, text",
    [
        ("[ ] plan the week", "goal", "plan the week"),
        ("[] plan", "goal", "plan"),
        ("[x] shipped", "done", "shipped"),
        ("[X] shipped", "done", "shipped"),
        ("[√] shipped", "done", "shipped"),
        ("! stuck on CI", "blocker", "stuck on CI"),
        ("plain words", "done", "plain words"),
    ],
)
def test_it_reads_markers(line, kind, text):
    assert parse_marker(line) == (kind, text)


def test_team_day_query_count_does_not_grow_with_the_team(client, alice, team, django_assert_max_num_queries):
    day = dt.date(2026, 11, 20)
    for membership in MembershipFactory.create_batch(25, team=team):
        EntryFactory.create_batch(3, team=team, author=membership.user, occurred_on=day)
    client.force_login(alice)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("team_day", args=[team.hash_id]) + f"?date={day}")
    assert response.status_code == 200
    assert response.content.decode().count('data-kind="done"') >= 75


def test_team_day_query_count_does_not_grow_with_entries(client, alice, bob, team, django_assert_max_num_queries):
    for n in range(30):
        entry_create(author=alice if n % 2 else bob, team=team, text=f"thing {n}")
    client.force_login(alice)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("team_day", args=[team.hash_id])).status_code == 200
