"""The legacy API v0.1: its envelope, filters, fields, 201 + Location and error shapes, across the personas."""

import datetime as dt

import pytest
import time_machine

from core.models import Entry
from core.services.entries import entry_create, goal_complete
from core.services.social import comment_create, like_toggle
from tests.core.api.conftest import ApiClient, token_for
from tests.factories import EntryFactory

DONE_FIELDS = {
    "id",
    "created",
    "updated",
    "raw_text",
    "markedup_text",
    "done_date",
    "owner",
    "team",
    "team_short_name",
    "tags",
    "likes",
    "comments",
    "meta_data",
    "url",
    "permalink",
    "is_goal",
    "goal_completed",
}
INVALID_TOKEN = {"ok": False, "detail": "Invalid token"}


@pytest.fixture
def history(nicknamed, team):
    alice, bob, _ = nicknamed
    return {
        "old": entry_create(author=alice, team=team, text="old #ops", occurred_on=dt.date(2024, 1, 1)),
        "mid": entry_create(author=bob, team=team, text="mid #ops #db", occurred_on=dt.date(2024, 1, 15)),
        "new": entry_create(author=alice, team=team, text="new #db", occurred_on=dt.date(2024, 2, 1)),
    }


def ids(response) -> list[str]:
    return [d["id"] for d in response.json()["results"]]


def test_it_lists_dones_in_the_envelope_newest_day_first(as_alice, history):
    response = as_alice.get("/api/v0.1/dones/")
    body = response.json()
    assert response.status_code == 200
    assert (body["ok"], body["warnings"], body["count"], body["next"], body["previous"]) == (True, [], 3, None, None)
    assert ids(response) == [history["new"].hash_id, history["mid"].hash_id, history["old"].hash_id]


def test_done_fields(as_alice, alice, bob, team, nicknamed):
    goal = entry_create(author=alice, team=team, text="[ ] ship #v01")
    goal_complete(goal=goal, actor=alice)
    like_toggle(user=bob, entry=goal)
    comment_create(entry=goal, author=bob, text="nice")
    done = as_alice.get(f"/api/v0.1/dones/{goal.hash_id}/").json()
    assert (done["ok"], done["warnings"]) == (True, [])
    result = done["result"]
    assert set(result) == DONE_FIELDS
    assert result["raw_text"] == "[ ] ship #v01"
    assert 'class="tag"' in result["markedup_text"]
    assert (result["owner"], result["team_short_name"]) == ("alice", team.slug)
    assert result["team"] == f"http://testserver/api/v0.1/teams/{team.slug}/"
    assert result["url"] == f"http://testserver/api/v0.1/dones/{goal.hash_id}/"
    assert result["permalink"] == f"http://testserver/e/{goal.hash_id}/"
    assert (result["is_goal"], result["goal_completed"]) == (True, True)
    assert result["tags"] == [{"name": "v01"}]
    assert [like["user"] for like in result["likes"]] == ["bob"]
    assert [(c["user"], c["text"]) for c in result["comments"]] == [("bob", "nice")]
    assert result["meta_data"] == {}


def test_filters(as_alice, alice, history, team):
    def listed(**query):
        return set(ids(as_alice.get("/api/v0.1/dones/", query)))

    old, mid, new = (history[k].hash_id for k in ("old", "mid", "new"))
    assert listed(team=team.slug) == {old, mid, new}
    assert listed(owner="bob") == {mid}
    assert listed(owner="BOB") == {mid}
    assert listed(done_date="2024-01-15") == {mid}
    assert listed(done_date_after="2024-01-15") == {mid, new}
    assert listed(done_date_before="2024-01-15") == {old, mid}
    assert listed(done_date_after="2024-01-02", done_date_before="2024-01-31") == {mid}
    assert listed(tags="ops") == {old, mid}
    assert listed(tags="db,ops") == {old, mid, new}
    assert listed(tags="#DB") == {mid, new}
    assert listed(team="no-such-team") == set()


def test_done_date_today_is_the_callers_today(alice, team):
    alice.time_zone = "Asia/Tokyo"
    alice.save(update_fields=["time_zone"])
    with time_machine.travel(dt.datetime(2025, 3, 1, 16, 0, tzinfo=dt.UTC), tick=False):  # 1 am in Tokyo
        today = entry_create(author=alice, team=team, text="tokyo")
        yesterday = entry_create(author=alice, team=team, text="before", occurred_on=dt.date(2025, 3, 1))
        response = ApiClient(token_for(alice)).get("/api/v0.1/dones/", {"done_date": "today"})
    assert ids(response) == [today.hash_id]
    assert yesterday.occurred_on != today.occurred_on


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"done_date": "yesterday"}, "done_date"),
        ({"done_date": "2024-02-30"}, "done_date"),
        ({"done_date_after": "soon"}, "done_date_after"),
        ({"done_date_before": "2024-13-01"}, "done_date_before"),
        ({"owner": "no spaces allowed"}, "owner"),
        ({"team": "not a slug!"}, "team"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(as_alice, query, field):
    response = as_alice.get("/api/v0.1/dones/", query)
    assert response.status_code == 400
    body = response.json()
    assert (body["ok"], body["detail"]) == (False, "Invalid request data")
    assert list(body["errors"]) == [field]


def test_page_and_page_size(as_alice, alice, team):
    EntryFactory.create_batch(250, team=team, author=alice)
    first = as_alice.get("/api/v0.1/dones/").json()
    assert (first["count"], len(first["results"]), first["previous"]) == (250, 100, None)
    assert first["next"] == "http://testserver/api/v0.1/dones/?page=2"
    capped = as_alice.get("/api/v0.1/dones/", {"page_size": 500}).json()
    assert len(capped["results"]) == 200
    last = as_alice.get("/api/v0.1/dones/", {"page_size": 200, "page": 2}).json()
    assert len(last["results"]) == 50 and last["next"] is None
    assert last["previous"].endswith("page_size=200")


def test_a_page_that_does_not_exist_is_a_404(as_alice):
    response = as_alice.get("/api/v0.1/dones/", {"page": 9})
    assert response.status_code == 404
    assert response.json()["ok"] is False


def test_it_creates_a_done_with_201_and_location(as_alice, alice, team):
    response = as_alice.post("/api/v0.1/dones/", {"raw_text": "! waiting on #review", "team": team.slug})
    assert response.status_code == 201
    body = response.json()
    assert (body["ok"], body["warnings"]) == (True, [])
    assert response["Location"] == body["result"]["url"]
    entry = Entry.objects.get(hash_id=body["result"]["id"])
    assert (entry.kind, entry.text, entry.author, entry.team) == (Entry.Kind.BLOCKER, "waiting on #review", alice, team)
    assert body["result"]["raw_text"] == "! waiting on #review"


def test_it_creates_a_done_on_a_given_day_from_a_form(as_alice, team):
    response = as_alice.post(
        "/api/v0.1/dones/",
        f"raw_text=formed&team={team.slug}&done_date=2024-05-05",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 201
    assert response.json()["result"]["done_date"] == "2024-05-05"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"raw_text": "x", "team": "nope"}, {"team": ["No team with that short_name found."]}),
        ({"team": "rocket"}, {"raw_text": ["This field is required."]}),
        ({"raw_text": "", "team": "rocket"}, {"raw_text": ["This field may not be blank."]}),
        ({"raw_text": "[x]", "team": "rocket"}, {"raw_text": ["An entry needs some text."]}),
        (
            {"raw_text": "x", "team": "rocket", "done_date": "2999-01-01"},
            {"raw_text": ["Only goals can be for a day that has not happened yet."]},
        ),
    ],
)
def test_bad_create_input_is_a_400_with_field_errors(as_alice, team, fields, errors):
    assert team.slug == "rocket"
    response = as_alice.post("/api/v0.1/dones/", fields)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "detail": "Invalid request data", "errors": errors}
    assert not Entry.objects.filter(team=team).exists()


def test_a_create_body_that_is_not_an_object_is_a_400(as_alice):
    response = as_alice.post("/api/v0.1/dones/", "[1]", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid request data"


def test_teams(as_alice, team):
    body = as_alice.get("/api/v0.1/teams/").json()
    assert body["ok"] is True and body["count"] == 2
    rocket = next(t for t in body["results"] if t["short_name"] == team.slug)
    assert rocket["name"] == "Rocket" and rocket["is_personal"] is False
    assert rocket["url"] == f"http://testserver/api/v0.1/teams/{team.slug}/"
    one = as_alice.get(f"/api/v0.1/teams/{team.slug}/").json()
    assert (one["ok"], one["result"]["short_name"]) == (True, team.slug)


def test_a_bad_or_missing_token_is_401_with_www_authenticate(db, anonymous):
    for client in (anonymous, ApiClient("wrong")):
        for path in ("/api/v0.1/teams/", "/api/v0.1/teams/x/", "/api/v0.1/dones/", "/api/v0.1/dones/x/"):
            response = client.get(path)
            assert (response.status_code, response.json()) == (401, INVALID_TOKEN), path
            assert response["WWW-Authenticate"].startswith("Token")
    assert anonymous.post("/api/v0.1/dones/", {"raw_text": "x", "team": "x"}).json() == INVALID_TOKEN


def test_charlie_never_sees_or_writes_alices_team(as_charlie, history, team):
    assert as_charlie.get("/api/v0.1/dones/").json()["count"] == 0
    assert as_charlie.get("/api/v0.1/dones/", {"team": team.slug}).json()["count"] == 0
    assert team.slug not in str(as_charlie.get("/api/v0.1/teams/").json())
    assert as_charlie.get(f"/api/v0.1/teams/{team.slug}/").status_code == 404
    for done in history.values():
        for guess in (done.hash_id, str(done.pk)):
            response = as_charlie.get(f"/api/v0.1/dones/{guess}/")
            assert (response.status_code, response.json()) == (404, {"ok": False, "detail": "Not found."})
    response = as_charlie.post("/api/v0.1/dones/", {"raw_text": "intruder", "team": team.slug})
    assert response.json()["errors"] == {"team": ["No team with that short_name found."]}
    assert not Entry.objects.filter(text="intruder").exists()


def test_an_unknown_legacy_path_is_a_json_404(as_alice):
    for path in ("/api/v0.1/dones", "/api/v0.1/nothing/"):
        response = as_alice.get(path)
        assert response.status_code == 404 and response.json() == {"error": "Not found"}


def test_it_deletes_a_done_at_its_url_with_204(as_alice, team):
    # What an "undo" in a v0.1 client sent: DELETE on the url of the done it had just posted.
    created = as_alice.post("/api/v0.1/dones/", {"raw_text": "oops", "team": team.slug}).json()["result"]
    response = as_alice.delete(created["url"])
    assert response.status_code == 204
    assert not Entry.objects.filter(hash_id=created["id"]).exists()
    assert as_alice.delete(created["url"]).status_code == 404


def test_only_the_author_or_a_team_admin_deletes_a_done(as_bob, as_charlie, alice, team):
    done = entry_create(author=alice, team=team, text="alice's")
    response = as_bob.delete(f"/api/v0.1/dones/{done.hash_id}/")
    assert response.status_code == 403
    assert response.json()["ok"] is False
    assert as_charlie.delete(f"/api/v0.1/dones/{done.hash_id}/").json() == {"ok": False, "detail": "Not found."}
    assert Entry.objects.filter(pk=done.pk).exists()
