"""What clients written for the original v2 API send, beyond the documented shape, and must keep working."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Entry
from tests.core.api.conftest import token_for


@pytest.mark.parametrize("path", ["/api/v2/noop/", "/api/v2/teams/", "/api/v2/entries/", "/api/v2/hooks/"])
def test_it_answers_a_path_with_a_trailing_slash(as_alice, path):
    assert as_alice.get(path).status_code == 200


def test_it_answers_every_endpoint_with_a_trailing_slash(as_alice, team):
    assert as_alice.get(f"/api/v2/teams/{team.hash_id}/").json()["hash_id"] == team.hash_id
    created = as_alice.post("/api/v2/entries/", {"body": "slashed", "team_id": team.hash_id})
    assert created.status_code == 200
    entry_hash = created.json()["hash_id"]
    assert as_alice.get(f"/api/v2/teams/{team.hash_id}/entries/").json()[0]["hash_id"] == entry_hash
    assert as_alice.patch(f"/api/v2/entries/{entry_hash}/", {"body": "changed"}).json()["body"] == "changed"
    assert as_alice.delete(f"/api/v2/entries/{entry_hash}/").json() == {"deleted": True, "hash_id": entry_hash}
    assert not Entry.objects.filter(hash_id=entry_hash).exists()


def test_a_trailing_slash_keeps_the_same_refusals(as_charlie, team):
    response = as_charlie.get(f"/api/v2/teams/{team.hash_id}/")
    assert response.status_code == 401
    assert response.json() == {"error": "You do not have access to that team"}


def test_the_bare_api_path_is_a_json_404(as_alice):
    response = as_alice.get("/api")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}


def test_it_takes_an_entrys_fields_from_the_query_string(as_alice, team):
    response = as_alice.post(f"/api/v2/entries?body=From+the+query&team_id={team.hash_id}&status=goal")
    assert response.status_code == 200
    assert (response.json()["body"], response.json()["status"]) == ("From the query", "goal")


def test_query_string_fields_join_the_bodys(as_alice, team):
    response = as_alice.post(f"/api/v2/entries?team_id={team.hash_id}", {"body": "Mixed"})
    assert response.status_code == 200
    assert response.json()["team"]["hash_id"] == team.hash_id
    form = as_alice.post(
        f"/api/v2/entries?team_id={team.hash_id}", "body=Form+mixed", content_type="application/x-www-form-urlencoded"
    )
    assert form.json()["body"] == "Form mixed"


def test_a_change_may_come_in_the_query_string(as_alice, team):
    entry_hash = as_alice.post("/api/v2/entries", {"body": "Before", "team_id": team.hash_id}).json()["hash_id"]
    response = as_alice.put(f"/api/v2/entries/{entry_hash}?body=After", {})
    assert response.status_code == 200, response.content
    assert response.json()["body"] == "After"


def test_the_token_parameter_is_not_taken_for_a_field(alice, anonymous, team):
    response = anonymous.post(f"/api/v2/entries?api_token={token_for(alice)}", {"body": "Hi", "team_id": team.hash_id})
    assert response.status_code == 200
    assert response.json()["body"] == "Hi"


@pytest.mark.parametrize(
    "written",
    ["{day}T21:10:13Z", "{day}T21:10:13.084Z", "{day}T23:30:00-08:00", "{day}T01:00:00+1100", "{day} 10:00"],
)
def test_occurred_on_may_be_a_date_and_time_whose_date_is_taken_as_written(as_alice, team, written):
    day = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    response = as_alice.post(
        "/api/v2/entries", {"body": "Timed", "team_id": team.hash_id, "occurred_on": written.format(day=day)}
    )
    assert response.status_code == 200, response.content
    assert response.json()["occurred_on"] == day


@pytest.mark.parametrize("written", ["12/01/2026", "20261201", "2026-W48-1", "2026-12-01T25:00:00Z", "2026-12-01Tnoon"])
def test_occurred_on_in_another_shape_is_a_400(as_alice, team, written):
    response = as_alice.post("/api/v2/entries", {"body": "x", "team_id": team.hash_id, "occurred_on": written})
    assert response.status_code == 400
    assert response.json() == {"error": "occurred_on must be a date (YYYY-MM-DD)"}


def test_a_lone_surrogate_in_json_text_is_a_clear_400(as_alice, team):
    # What a client that cuts a string in the middle of an emoji sends.
    sent = json.dumps({"body": "Shipped \ud83d", "team_id": team.hash_id})
    assert "\\ud83d" in sent
    response = as_alice.post("/api/v2/entries", sent)
    assert response.status_code == 400
    assert response.json() == {"error": "body must be valid Unicode text (it has an unpaired surrogate)"}
    assert not Entry.objects.exists()


def test_non_ascii_text_round_trips(as_alice, team):
    body = "Déployé ✓ 日本語 \U0001f680 «ok»"
    response = as_alice.post("/api/v2/entries", {"body": body, "team_id": team.hash_id})
    assert response.status_code == 200
    assert response.json()["body"] == body
    assert as_alice.get(f"/api/v2/entries/{response.json()['hash_id']}").json()["body"] == body


@pytest.mark.parametrize("path", ["/api/v2/entries", "/api/v2/hooks", "/api/v0.1/dones/"])
def test_json_nested_too_deeply_is_a_400_not_a_500(as_alice, team, path):
    deep = "[" * 100_000 + "]" * 100_000
    response = as_alice.post(path, f'{{"body": {deep}, "team_id": "{team.hash_id}"}}')
    assert response.status_code == 400
    assert "nested too deeply" in response.content.decode()
    assert not Entry.objects.exists()


def test_a_host_the_site_does_not_serve_is_a_json_400_on_api_paths(as_alice):
    response = as_alice.get("/api/v2/noop", headers={"host": "elsewhere.example"})
    assert response.status_code == 400
    assert response.json() == {"error": "Bad request"}


def test_a_body_without_a_content_type_is_a_415_that_says_what_to_send(as_alice, team):
    # requests.post(url, data=json.dumps(fields)) sends no Content-Type; nor does a bare HTTP client.
    body = json.dumps({"body": "x", "team_id": team.hash_id})
    response = as_alice.post("/api/v2/entries", body, content_type="")
    assert response.status_code == 415
    assert response.json() == {
        "error": "Send a JSON object (Content-Type: application/json) or form fields; this request has no Content-Type"
    }
    plain = as_alice.post("/api/v2/entries", body, content_type="text/plain")
    assert plain.json()["error"].endswith('this request has Content-Type "text/plain"')


def test_a_json_number_is_taken_as_text_but_an_overflowing_one_is_a_400(as_alice, team):
    number = as_alice.post("/api/v2/entries", f'{{"body": 42, "team_id": "{team.hash_id}"}}')
    assert number.json()["body"] == "42"
    overflow = as_alice.post("/api/v2/entries", f'{{"body": 1e999, "team_id": "{team.hash_id}"}}')
    assert overflow.status_code == 400
    assert overflow.json() == {"error": "body must be a string"}
    assert Entry.objects.count() == 1


def test_query_string_fields_join_a_multipart_body_with_a_large_file(as_alice, team):
    # A file past FILE_UPLOAD_MAX_MEMORY_SIZE is spooled to disk; the fields beside it are still read.
    upload = SimpleUploadedFile("notes.txt", b"x" * (3 * 1024 * 1024), content_type="text/plain")
    response = as_alice.client.post(
        f"/api/v2/entries?team_id={team.hash_id}", {"body": "With a file", "file": upload}, headers=as_alice.headers
    )
    assert response.status_code == 200
    assert response.json()["body"] == "With a file"
