"""API v2 hooks: the contract (paths, fields, status codes, error bodies), and that only a hook's owner ever
sees or changes it — charlie gets alice's hooks by no path, id or guess."""

import pytest

from core.crypto import unseal
from core.models import Hook
from core.services.hooks import hook_create

HOOK_FIELDS = {"id", "target_url", "events", "paused", "created_at", "updated_at", "team", "user"}
NO_WEBHOOK = {"error": "You do not have access to that webhook"}


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]


URL = "http://127.0.0.1:9/receive"


@pytest.fixture
def alices_hook(alice, team) -> Hook:
    return hook_create(actor=alice, team=team, target_url=URL)


def test_it_creates_a_hook_and_shows_its_secret_once(as_alice, alice, team):
    response = as_alice.post("/api/v2/hooks", {"target_url": URL, "team_id": team.hash_id})
    assert response.status_code == 201
    body = response.json()
    hook = Hook.objects.get(hash_id=body["id"])
    assert set(body) == HOOK_FIELDS | {"secret"} and body["secret"] == unseal(hook.secret_encrypted)
    assert body["target_url"] == URL
    assert body["team"] == {"hash_id": team.hash_id, "name": "Rocket"}
    assert body["user"] == {"hash_id": alice.hash_id, "full_name": "Alice Archer", "email_address": alice.email}
    assert len(body["created_at"].split(".")[1]) == len("123+00:00")
    again = as_alice.get(f"/api/v2/hooks/{hook.hash_id}").json()
    assert set(again) == HOOK_FIELDS and body["secret"] not in str(as_alice.get("/api/v2/hooks").json())


def test_it_takes_form_fields_too(as_alice, team):
    response = as_alice.post(
        "/api/v2/hooks",
        f"target_url={URL}&team_id={team.hash_id}",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 201


def test_timestamps_are_in_the_callers_offset(as_alice, alice, alices_hook):
    alice.time_zone = "Australia/Sydney"
    alice.save(update_fields=["time_zone"])
    assert as_alice.get(f"/api/v2/hooks/{alices_hook.hash_id}").json()["created_at"].endswith("+11:00")


def test_it_lists_only_the_callers_own_hooks(as_alice, as_bob, as_charlie, alices_hook, bob, team):
    bobs = hook_create(actor=bob, team=team, target_url=URL)
    listed = as_alice.get("/api/v2/hooks")
    assert listed.status_code == 200 and [h["id"] for h in listed.json()] == [alices_hook.hash_id]
    assert listed["X-Total"] == "1" and listed["X-Page"] == "1"
    assert [h["id"] for h in as_bob.get("/api/v2/hooks").json()] == [bobs.hash_id]
    assert as_charlie.get("/api/v2/hooks").json() == []


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"team_id": "x"}, "param is missing or the value is empty: target_url"),
        ({"target_url": "", "team_id": "x"}, "param is missing or the value is empty: target_url"),
        ({"target_url": URL}, "param is missing or the value is empty: team_id"),
        ({"target_url": URL, "team_id": ""}, "param is missing or the value is empty: team_id"),
    ],
)
def test_it_names_the_missing_param(as_alice, data, error):
    response = as_alice.post("/api/v2/hooks", data)
    assert response.status_code == 400 and response.json() == {"error": error}


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "not a url",
        "http://10.0.0.1/",
        "http://169.254.169.254/",
        "http://localhost:9/",
        "http://exa\x00mple.com/",
        "http://example.com:0x50/",
    ],
)
def test_it_refuses_a_bad_or_non_public_target_with_a_clear_400(as_alice, team, settings, url):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    response = as_alice.post("/api/v2/hooks", {"target_url": url, "team_id": team.hash_id})
    assert response.status_code == 400 and response.json()["error"]
    assert not Hook.objects.exists()


def test_it_refuses_a_body_that_is_not_an_object(as_alice):
    response = as_alice.post("/api/v2/hooks", [URL])
    assert response.status_code == 400 and "error" in response.json()


def test_charlie_cannot_hook_alices_team(as_charlie, team):
    response = as_charlie.post("/api/v2/hooks", {"target_url": URL, "team_id": team.hash_id})
    assert response.status_code == 401 and response.json() == {"error": "You do not have access to that team"}
    assert not Hook.objects.exists()


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_charlie_never_reads_or_changes_alices_hook(as_charlie, alices_hook, method):
    response = getattr(as_charlie, method)(f"/api/v2/hooks/{alices_hook.hash_id}", {"target_url": URL + "/evil"})
    assert response.status_code == 401 and response.json() == NO_WEBHOOK
    alices_hook.refresh_from_db()
    assert alices_hook.target_url == URL


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_a_teammate_does_not_touch_another_members_hook_either(as_bob, alices_hook, method):
    response = getattr(as_bob, method)(f"/api/v2/hooks/{alices_hook.hash_id}", {"target_url": URL + "/x"})
    assert response.status_code == 401 and response.json() == NO_WEBHOOK
    assert Hook.objects.filter(pk=alices_hook.pk, target_url=URL).exists()


@pytest.mark.parametrize("guess", ["1", "0", "unknownhash", "a" * 300, "%00"])
def test_guessed_ids_get_the_same_answer(as_charlie, alices_hook, guess):
    for hook_id in (guess, str(alices_hook.pk)):
        response = as_charlie.get(f"/api/v2/hooks/{hook_id}")
        assert response.status_code in (400, 401) and "error" in response.json()
        assert alices_hook.hash_id not in response.content.decode()


def test_the_owner_changes_the_target(as_alice, alices_hook):
    response = as_alice.put(f"/api/v2/hooks/{alices_hook.hash_id}", {"target_url": URL + "/new"})
    assert response.status_code == 200 and response.json()["target_url"] == URL + "/new"
    alices_hook.refresh_from_db()
    assert alices_hook.target_url == URL + "/new"


def test_an_update_needs_a_target_and_keeps_the_old_one_when_refused(as_alice, alices_hook, settings):
    missing = as_alice.put(f"/api/v2/hooks/{alices_hook.hash_id}", {})
    assert missing.status_code == 400 and missing.json() == {
        "error": "param is missing or the value is empty: target_url"
    }
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    refused = as_alice.put(f"/api/v2/hooks/{alices_hook.hash_id}", {"target_url": "http://192.168.0.10/"})
    assert refused.status_code == 400 and "private address" in refused.json()["error"]
    alices_hook.refresh_from_db()
    assert alices_hook.target_url == URL


def test_the_owner_deletes_the_hook(as_alice, alices_hook):
    response = as_alice.delete(f"/api/v2/hooks/{alices_hook.hash_id}")
    assert response.status_code == 200 and response.json() == {"deleted": True, "id": alices_hook.hash_id}
    assert not Hook.objects.exists()
    assert as_alice.get(f"/api/v2/hooks/{alices_hook.hash_id}").json() == NO_WEBHOOK


def test_without_a_token_there_is_nothing(anonymous, alices_hook):
    for response in (anonymous.get("/api/v2/hooks"), anonymous.get(f"/api/v2/hooks/{alices_hook.hash_id}")):
        assert response.status_code == 401 and response.json() == {"error": "Invalid API Authentication"}


def test_events_and_pause_are_optional_and_change_through_put(as_alice, team):
    created = as_alice.post("/api/v2/hooks", {"target_url": URL, "team_id": team.hash_id}).json()
    assert created["events"] == ["entry_created", "entry_updated"] and created["paused"] is False
    chosen = as_alice.post(
        "/api/v2/hooks", {"target_url": URL, "team_id": team.hash_id, "events": ["entry_updated"]}, format="json"
    )
    assert chosen.status_code == 201 and chosen.json()["events"] == ["entry_updated"]
    hook_id = created["id"]
    paused = as_alice.patch(f"/api/v2/hooks/{hook_id}", {"paused": True}, format="json")
    assert paused.status_code == 200 and paused.json()["paused"] is True
    assert Hook.objects.get(hash_id=hook_id).paused_at is not None
    changed = as_alice.put(
        f"/api/v2/hooks/{hook_id}",
        "events=entry_created&paused=false",
        content_type="application/x-www-form-urlencoded",
    )
    assert changed.json()["events"] == ["entry_created"] and changed.json()["paused"] is False
    assert changed.json()["target_url"] == URL


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"events": ["entry_deleted"]}, "Choose at least one event"),
        ({"events": []}, "Choose at least one event"),
        ({"events": [1]}, "events must be a list of event names"),
        ({"paused": "maybe"}, "paused must be true or false"),
    ],
)
def test_bad_events_or_pause_get_a_clear_400(as_alice, alices_hook, data, error):
    response = as_alice.put(f"/api/v2/hooks/{alices_hook.hash_id}", data, format="json")
    assert response.status_code == 400 and error in response.json()["error"]
    assert Hook.objects.get(pk=alices_hook.pk).events == ["entry_created", "entry_updated"]


def test_the_owner_rotates_the_secret_and_sees_the_new_one_once(as_alice, as_bob, as_charlie, alices_hook):
    for someone in (as_bob, as_charlie):
        refused = someone.post(f"/api/v2/hooks/{alices_hook.hash_id}/rotate_secret")
        assert refused.status_code == 401 and refused.json() == NO_WEBHOOK
    assert unseal(Hook.objects.get(pk=alices_hook.pk).secret_encrypted) == alices_hook.new_secret
    rotated = as_alice.post(f"/api/v2/hooks/{alices_hook.hash_id}/rotate_secret")
    assert rotated.status_code == 200 and set(rotated.json()) == HOOK_FIELDS | {"secret"}
    secret = rotated.json()["secret"]
    assert secret != alices_hook.new_secret and unseal(Hook.objects.get(pk=alices_hook.pk).secret_encrypted) == secret
    assert secret not in as_alice.get(f"/api/v2/hooks/{alices_hook.hash_id}").content.decode()


def test_the_schema_describes_the_hooks_endpoints(anonymous):
    schema = anonymous.get("/api/v2/schema", headers={"Accept": "application/json"})
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v2/hooks/{hook_id}" in text and "CreatedHook" in text
    assert "/api/v2/hooks/{hook_id}/rotate_secret" in text
