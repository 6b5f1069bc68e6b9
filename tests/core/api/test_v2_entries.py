"""v2 entries: create (JSON or form), read, update by PUT/PATCH/POST, delete — through the web's services."""

import datetime as dt

import pytest
import time_machine

from core.models import Entry, Notification
from core.services.entries import entry_create
from tests.core.api.conftest import ApiClient, token_for

ENTRY_FIELDS = {
    "hash_id",
    "body",
    "body_formatted",
    "status",
    "occurred_on",
    "completed_on",
    "archived_at",
    "created_at",
    "updated_at",
    "team",
    "user",
}


def post(client, team, **fields):
    return client.post("/api/v2/entries", {"team_id": team.hash_id, **fields})


def test_it_creates_an_entry_from_json_and_answers_200_with_it(as_alice, alice, team):
    response = post(as_alice, team, body="shipped the #api", occurred_on="2024-03-05")
    assert response.status_code == 200
    entry = response.json()
    assert set(entry) == ENTRY_FIELDS
    assert entry["body"] == "shipped the #api"
    assert entry["status"] == "done"
    assert entry["occurred_on"] == "2024-03-05"
    assert entry["completed_on"] is None and entry["archived_at"] is None
    assert entry["team"] == {"hash_id": team.hash_id, "name": "Rocket"}
    assert entry["user"] == {"hash_id": alice.hash_id, "full_name": "Alice Archer", "email_address": alice.email}
    assert entry["body_formatted"] == (
        f'shipped the <a href="http://testserver/t/{team.hash_id}/tags/api/" class="tag">#api</a>'
    )
    stored = Entry.objects.get(hash_id=entry["hash_id"])
    assert (stored.author, stored.team, stored.text) == (alice, team, "shipped the #api")


def test_it_creates_an_entry_from_form_fields(as_alice, team):
    response = as_alice.post(
        "/api/v2/entries",
        f"body=from+a+form&team_id={team.hash_id}&status=blocked",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert (response.json()["body"], response.json()["status"]) == ("from a form", "blocked")


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [("[ ] plan it", "goal", "plan it"), ("[x] did it", "done", "did it"), ("! stuck", "blocked", "stuck")],
)
def test_markers_in_the_body_set_the_status(as_alice, team, body, status, text):
    entry = post(as_alice, team, body=body).json()
    assert (entry["status"], entry["body"]) == (status, text)


def test_an_explicit_status_wins_over_no_marker(as_alice, team):
    assert post(as_alice, team, body="later", status="goal").json()["status"] == "goal"


def test_the_default_day_is_today_in_the_callers_zone(alice, team):
    alice.time_zone = "Pacific/Auckland"
    alice.save(update_fields=["time_zone"])
    with time_machine.travel(dt.datetime(2026, 1, 1, 20, 0, tzinfo=dt.UTC), tick=False):
        entry = post(ApiClient(token_for(alice)), team, body="kiwi time").json()
    assert entry["occurred_on"] == "2026-01-02"
    assert entry["created_at"] == "2026-01-02T09:00:00.000+13:00"


def test_mentions_notify_as_they_do_on_the_web(as_alice, nicknamed, team):
    post(as_alice, team, body="paired with @bob")
    assert Notification.objects.filter(recipient__nickname="bob", kind=Notification.Kind.MENTION).count() == 1


def test_body_formatted_is_escaped(as_alice, team):
    entry = post(as_alice, team, body='<script>alert("x")</script> done').json()
    assert "<script>" not in entry["body_formatted"]
    assert entry["body"] == '<script>alert("x")</script> done'


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "param is missing or the value is empty: body"),
        ({"body": ""}, "param is missing or the value is empty: body"),
        ({"body": "   "}, "param is missing or the value is empty: body"),
        ({"body": None}, "param is missing or the value is empty: body"),
        ({"body": ["a"]}, "body must be a string"),
        ({"body": {"a": 1}}, "body must be a string"),
        ({"body": True}, "body must be a string"),
        ({"body": "[ ]"}, "An entry needs some text."),
        ({"body": "x" * 5001}, "An entry is at most 5000 characters."),
        ({"body": "x", "occurred_on": "yesterday"}, "occurred_on must be a date (YYYY-MM-DD)"),
        ({"body": "x", "occurred_on": "2024-02-30"}, "occurred_on must be a date (YYYY-MM-DD)"),
        ({"body": "x", "occurred_on": "2024-W01-1"}, "occurred_on must be a date (YYYY-MM-DD)"),
        ({"body": "x", "occurred_on": "20240101"}, "occurred_on must be a date (YYYY-MM-DD)"),
        ({"body": "x", "occurred_on": "1999-12-31"}, "That day is too long ago."),
        ({"body": "x", "occurred_on": "9999-12-31"}, "Only goals can be for a day that has not happened yet."),
        ({"body": "x", "status": "finished"}, "status must be one of: done, goal, blocked"),
        ({"body": "x", "status": "blocker"}, "status must be one of: done, goal, blocked"),
    ],
)
def test_bad_input_is_a_400_with_a_clear_message(as_alice, team, fields, message):
    response = post(as_alice, team, **fields)
    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert not Entry.objects.filter(team=team).exists()


def test_team_id_is_required(as_alice, team):
    response = as_alice.post("/api/v2/entries", {"body": "x"})
    assert (response.status_code, response.json()) == (
        400,
        {"error": "param is missing or the value is empty: team_id"},
    )


def test_a_future_goal_is_fine(as_alice, team):
    assert post(as_alice, team, body="[ ] someday", occurred_on="2099-01-01").status_code == 200


def test_a_body_that_is_not_a_json_object_is_a_400(as_alice, team):
    for raw in ("[1, 2]", '"text"', "12", "null"):
        response = as_alice.post("/api/v2/entries", raw, content_type="application/json")
        assert response.status_code == 400, raw
        assert "error" in response.json()


def test_malformed_json_is_a_400(as_alice):
    response = as_alice.post("/api/v2/entries", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"].startswith("JSON parse error")


def test_an_unsupported_content_type_is_a_415(as_alice):
    response = as_alice.post("/api/v2/entries", "body=x", content_type="text/plain")
    assert response.status_code == 415
    assert "error" in response.json()


def test_entries_lists_only_the_callers_own_newest_first(as_bob, alice, bob, team):
    entry_create(author=alice, team=team, text="alice's")
    first = entry_create(author=bob, team=team, text="bob first")
    second = entry_create(author=bob, team=team, text="bob second")
    response = as_bob.get("/api/v2/entries")
    assert [e["hash_id"] for e in response.json()] == [second.hash_id, first.hash_id]


def test_entries_filtered_by_team(as_alice, alice, team):
    personal = alice.memberships.get(team__is_personal=True).team
    entry_create(author=alice, team=team, text="team")
    mine = entry_create(author=alice, team=personal, text="personal")
    response = as_alice.get("/api/v2/entries", {"team_id": personal.hash_id})
    assert [e["hash_id"] for e in response.json()] == [mine.hash_id]


def test_team_entries_are_every_members_newest_created_first(as_alice, alice, bob, team):
    older = entry_create(author=bob, team=team, text="bob", occurred_on=dt.date(2024, 1, 2))
    newer = entry_create(author=alice, team=team, text="alice", occurred_on=dt.date(2024, 1, 1))
    response = as_alice.get(f"/api/v2/teams/{team.hash_id}/entries")
    assert [e["hash_id"] for e in response.json()] == [newer.hash_id, older.hash_id]


def test_a_teammate_reads_an_entry(as_bob, alice, team):
    entry = entry_create(author=alice, team=team, text="readable")
    response = as_bob.get(f"/api/v2/entries/{entry.hash_id}")
    assert response.status_code == 200
    assert response.json()["body"] == "readable"


@pytest.mark.parametrize("method", ["put", "patch", "post"])
def test_each_update_method_changes_the_entry(as_alice, alice, team, method):
    entry = entry_create(author=alice, team=team, text="first draft", occurred_on=dt.date(2024, 1, 1))
    response = getattr(as_alice, method)(f"/api/v2/entries/{entry.hash_id}", {"body": "final #v2"})
    assert response.status_code == 200
    assert response.json()["body"] == "final #v2"
    assert response.json()["occurred_on"] == "2024-01-01"
    entry.refresh_from_db()
    assert entry.text == "final #v2"
    assert list(entry.tags.values_list("name", flat=True)) == ["v2"]


def test_update_changes_only_what_is_given(as_alice, alice, team):
    entry = entry_create(author=alice, team=team, text="keep me")
    response = as_alice.patch(f"/api/v2/entries/{entry.hash_id}", {"occurred_on": "2024-06-01"})
    assert (response.json()["body"], response.json()["occurred_on"]) == ("keep me", "2024-06-01")


def test_status_done_on_a_goal_marks_it_done_as_the_web_does(as_alice, alice, team):
    goal = entry_create(author=alice, team=team, text="[ ] write docs")
    response = as_alice.put(f"/api/v2/entries/{goal.hash_id}", {"status": "done"})
    assert response.status_code == 200
    assert response.json()["completed_on"] is not None
    done = Entry.objects.get(goal=goal)
    assert (done.kind, done.text, done.team) == (Entry.Kind.DONE, "write docs", team)


def test_other_status_changes_are_refused(as_alice, alice, team):
    done = entry_create(author=alice, team=team, text="done already")
    response = as_alice.patch(f"/api/v2/entries/{done.hash_id}", {"status": "goal"})
    assert response.status_code == 400
    assert response.json() == {"error": "An entry's status only changes from goal to done (marking the goal done)."}
    assert as_alice.patch(f"/api/v2/entries/{done.hash_id}", {"status": "done"}).status_code == 200


def test_an_entry_moves_to_another_of_the_authors_teams(as_alice, alice, team):
    personal = alice.memberships.get(team__is_personal=True).team
    entry = entry_create(author=alice, team=team, text="moving #house")
    response = as_alice.patch(f"/api/v2/entries/{entry.hash_id}", {"team_id": personal.hash_id})
    assert response.json()["team"]["hash_id"] == personal.hash_id
    entry.refresh_from_db()
    assert entry.team == personal
    assert entry.tags.get().team == personal


def test_an_entry_never_moves_into_someone_elses_team(as_alice, alice, team, other_team):
    entry = entry_create(author=alice, team=team, text="stay")
    response = as_alice.patch(f"/api/v2/entries/{entry.hash_id}", {"team_id": other_team.hash_id})
    assert response.json() == {"error": "You do not have access to that team"}
    entry.refresh_from_db()
    assert entry.team == team


def test_bad_update_input_is_a_400(as_alice, alice, team):
    entry = entry_create(author=alice, team=team, text="x")
    for fields, message in [
        ({"body": ""}, "param is missing or the value is empty: body"),
        ({"occurred_on": "soon"}, "occurred_on must be a date (YYYY-MM-DD)"),
        ({"status": "nope"}, "status must be one of: done, goal, blocked"),
        ({"team_id": ""}, "param is missing or the value is empty: team_id"),
    ]:
        response = as_alice.patch(f"/api/v2/entries/{entry.hash_id}", fields)
        assert (response.status_code, response.json()) == (400, {"error": message}), fields


def test_a_teammate_cannot_change_or_delete_my_entry(as_bob, alice, team):
    entry = entry_create(author=alice, team=team, text="mine")
    for method in ("put", "patch", "post", "delete"):
        response = getattr(as_bob, method)(f"/api/v2/entries/{entry.hash_id}", {"body": "bob was here"})
        assert (response.status_code, response.json()) == (401, {"error": "You do not have access to that entry"})
    entry.refresh_from_db()
    assert entry.text == "mine"


def test_the_author_deletes_an_entry(as_bob, bob, team):
    entry = entry_create(author=bob, team=team, text="oops")
    response = as_bob.delete(f"/api/v2/entries/{entry.hash_id}")
    assert response.json() == {"deleted": True, "hash_id": entry.hash_id}
    assert not Entry.objects.filter(pk=entry.pk).exists()
    assert as_bob.get(f"/api/v2/entries/{entry.hash_id}").status_code == 401


def test_a_team_admin_deletes_a_members_entry_as_on_the_web(as_alice, bob, team):
    entry = entry_create(author=bob, team=team, text="off topic")
    assert as_alice.delete(f"/api/v2/entries/{entry.hash_id}").json()["deleted"] is True


def test_a_body_over_djangos_limit_is_a_413_json(as_alice, team, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(as_alice, team, body="x" * 2000)
    assert response.status_code == 413
    assert response.json() == {"error": "The request body is too large"}


def test_too_many_form_fields_is_a_400_json(as_alice, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    fields = "&".join(f"f{i}=1" for i in range(20))
    response = as_alice.post("/api/v2/entries", fields, content_type="application/x-www-form-urlencoded")
    assert (response.status_code, response.json()) == (400, {"error": "The request has too many fields"})


def test_an_unsatisfiable_accept_header_is_a_406_json(as_alice):
    response = as_alice.get("/api/v2/noop", headers={"Accept": "application/xml"})
    assert response.status_code == 406
    assert "error" in response.json()


def test_a_completed_goal_does_not_move_teams(as_alice, alice, team):
    personal = alice.memberships.get(team__is_personal=True).team
    goal = entry_create(author=alice, team=team, text="[ ] finish")
    as_alice.patch(f"/api/v2/entries/{goal.hash_id}", {"status": "done"})
    response = as_alice.patch(f"/api/v2/entries/{goal.hash_id}", {"team_id": personal.hash_id})
    assert (response.status_code, response.json()) == (
        400,
        {"error": "A goal and the done that completed it stay in their team."},
    )
    goal.refresh_from_db()
    assert goal.team == team


def test_the_entry_json_is_made_outside_a_request_for_a_given_viewer(alice, bob, team):
    """What a webhook's body needs: the receiver's time zone and the site's address, with no request."""
    from core.api.serializers import EntrySerializer

    bob.time_zone = "Asia/Kolkata"
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        entry = entry_create(author=alice, team=team, text="#offline")
    data = EntrySerializer(entry, context={"viewer": bob, "base_url": "https://done.example/"}).data
    assert data["created_at"] == "2026-03-01T17:30:00.000+05:30"
    assert f'href="https://done.example/t/{team.hash_id}/tags/offline/"' in data["body_formatted"]
