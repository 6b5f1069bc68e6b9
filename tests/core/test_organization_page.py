"""The organization page /o/<hash>/: its teams and people, and a day and stats across the viewer's teams.
Hidden teams the viewer is not in stay out of it entirely."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from core.localtime import today_for
from core.services.entries import entry_create
from core.services.teams import membership_add, org_membership_add, team_create


@pytest.fixture
def org(alice, bob, charlie, team):
    organization = team.organization
    secret = team_create(owner=alice, name="Secret", organization=organization)
    open_team = team_create(owner=alice, name="Open", organization=organization, visibility="visible")
    org_membership_add(organization=organization, user=charlie)
    membership_add(team=open_team, user=charlie)
    entry_create(author=alice, team=team, text="! waiting on the launch window")
    entry_create(author=bob, team=team, text="fuelled the rocket")
    entry_create(author=bob, team=team, text="[ ] paint the fins")
    entry_create(author=alice, team=secret, text="the secret plan")
    entry_create(author=charlie, team=open_team, text="opened the doors")
    return {"organization": organization, "rocket": team, "secret": secret, "open": open_team}


def _section(html: str, name: str) -> str:
    return re.search(rf'data-section="{name}">(.*?)</section>', html, re.S).group(1)


def test_it_shows_a_members_teams_people_day_and_stats(client, bob, org):
    client.force_login(bob)
    page = client.get(reverse("organization", args=[org["organization"].hash_id]))
    assert page.status_code == 200
    html = page.content.decode()
    teams = _section(html, "teams")
    assert "Rocket" in teams and "Open" in teams and "Secret" not in teams
    assert re.search(r"Open\s*<form[^>]*/join/", teams)  # a visible team bob may join
    people = _section(html, "people")
    assert all(name in people for name in ("Alice Archer", "Bob Baker", "Charlie Cho"))
    assert "Secret" not in people
    assert "fuelled the rocket" in html and "waiting on the launch window" in html
    assert "the secret plan" not in html and "opened the doors" not in html  # not bob's teams
    day = html[html.index('data-day-team="' + org["rocket"].hash_id) :]
    assert day.index("Blockers") < day.index("waiting on the launch") < day.index("Done") < day.index("fuelled")
    assert day.index("Goals") < day.index("paint the fins")
    stats = _section(html, "stats")
    assert re.search(rf'data-stats-team="{org["rocket"].hash_id}">.*?<span class="value">3</span>', stats, re.S)
    assert "Secret" not in stats and "3 entries in your teams" in stats


def test_it_is_not_found_for_someone_outside_the_organization(client, bob, charlie, other_team, org):
    client.force_login(bob)
    assert client.get(reverse("organization", args=[other_team.organization.hash_id])).status_code == 404
    assert client.get(reverse("organization", args=["nope"])).status_code == 404
    personal = bob.memberships.get(team__is_personal=True).team.organization
    client.force_login(charlie)
    assert client.get(reverse("organization", args=[personal.hash_id])).status_code == 404


def test_it_shows_another_day_and_reports_a_bad_one(client, bob, org):
    client.force_login(bob)
    url = reverse("organization", args=[org["organization"].hash_id])
    yesterday = today_for(bob) - dt.timedelta(days=1)
    other = client.get(url, {"date": yesterday.isoformat()}).content.decode()
    assert "fuelled the rocket" not in other and "Nobody in your teams posted for this day." in other
    bad = client.get(url, {"date": "2026-13-45"})
    assert bad.status_code == 200 and "is not a date we can show" in bad.content.decode()


def test_it_reads_in_a_fixed_number_of_queries(client, alice, bob, org, django_assert_max_num_queries):
    client.force_login(alice)
    url = reverse("organization", args=[org["organization"].hash_id])
    client.get(url)
    for n in range(5):
        team = team_create(owner=alice, name=f"Extra {n}", organization=org["organization"])
        for k in range(4):
            entry_create(author=alice, team=team, text=f"thing {k}")
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
