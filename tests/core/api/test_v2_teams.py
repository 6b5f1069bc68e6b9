"""v2 teams and the token owner: field names, types, the caller's UTC offset and milliseconds."""

import datetime as dt

import time_machine

from tests.core.api.conftest import ApiClient, token_for

WRITTEN_AT = dt.datetime(2018, 1, 4, 10, 10, 13, 84000, tzinfo=dt.UTC)


def test_noop_answers_the_token_owner(as_bob, bob):
    assert as_bob.get("/api/v2/noop").json() == {
        "hash_id": bob.hash_id,
        "email_address": "bob@example.com",
        "full_name": "Bob Baker",
    }


def test_it_lists_only_the_callers_teams(as_alice, alice, team, other_team):
    response = as_alice.get("/api/v2/teams")
    assert response.status_code == 200
    names = {t["name"] for t in response.json()}
    assert names == {"Rocket", "Personal log"}
    assert other_team.name not in names
    assert set(response.json()[0]) == {"hash_id", "name", "created_at", "updated_at"}


def test_timestamps_are_in_the_callers_zone_with_milliseconds(alice, bob):
    from core.services.teams import membership_add, team_create

    with time_machine.travel(WRITTEN_AT, tick=False):
        team = team_create(owner=alice, name="Timely")
    membership_add(team=team, user=bob)
    alice.time_zone = "Australia/Sydney"
    alice.save(update_fields=["time_zone"])
    bob.time_zone = "America/New_York"
    bob.save(update_fields=["time_zone"])
    seen_by_alice = ApiClient(token_for(alice)).get(f"/api/v2/teams/{team.hash_id}").json()
    seen_by_bob = ApiClient(token_for(bob)).get(f"/api/v2/teams/{team.hash_id}").json()
    assert seen_by_alice["created_at"] == "2018-01-04T21:10:13.084+11:00"
    assert seen_by_bob["created_at"] == "2018-01-04T05:10:13.084-05:00"
    assert seen_by_alice["updated_at"] == "2018-01-04T21:10:13.084+11:00"


def test_a_callers_unknown_time_zone_falls_back_to_utc(alice, team):
    alice.time_zone = "Mars/Olympus"
    alice.save(update_fields=["time_zone"])
    created = ApiClient(token_for(alice)).get(f"/api/v2/teams/{team.hash_id}").json()["created_at"]
    assert created.endswith("+00:00")
    assert len(created.split(".")[1]) == len("084+00:00")


def test_one_team_by_hash_id(as_alice, team):
    response = as_alice.get(f"/api/v2/teams/{team.hash_id}")
    assert response.status_code == 200
    assert response.json()["hash_id"] == team.hash_id
    assert response.json()["name"] == "Rocket"


def test_renaming_a_team_moves_its_updated_at(as_alice, alice, team):
    from core.services.teams import team_update

    before = as_alice.get(f"/api/v2/teams/{team.hash_id}").json()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5), tick=False):
        team_update(team=team, actor=alice, name="Rocket 2", visibility=team.visibility, carry_over_goals=True)
    after = as_alice.get(f"/api/v2/teams/{team.hash_id}").json()
    assert after["name"] == "Rocket 2"
    assert after["updated_at"] > before["updated_at"]
    assert after["created_at"] == before["created_at"]


def test_someone_elses_or_an_unknown_team_is_401(as_charlie, team):
    for team_id in (team.hash_id, "unknownhash", str(team.pk), "0", "-1", "x" * 300, "%00"):
        response = as_charlie.get(f"/api/v2/teams/{team_id}")
        assert response.status_code == 401, team_id
        assert response.json() == {"error": "You do not have access to that team"}
