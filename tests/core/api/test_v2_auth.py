"""v2 authentication: a token in the header or the query string, nothing else (no sessions)."""

import pytest

from core.services.accounts import user_api_token_reset
from tests.core.api.conftest import ApiClient, token_for

INVALID = {"error": "Invalid API Authentication"}


def test_it_accepts_the_token_in_the_authorization_header(alice):
    response = ApiClient(token_for(alice)).get("/api/v2/noop")
    assert response.status_code == 200
    assert response.json() == {
        "hash_id": alice.hash_id,
        "email_address": "alice@example.com",
        "full_name": "Alice Archer",
    }


def test_it_accepts_the_token_as_the_api_token_parameter(alice, anonymous):
    response = anonymous.get("/api/v2/noop", {"api_token": token_for(alice)})
    assert response.status_code == 200
    assert response.json()["hash_id"] == alice.hash_id


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Token "},
        {"Authorization": "Token not-a-token"},
        {"Authorization": "Token two words"},
        {"Authorization": "Bearer abc"},
        {"Authorization": "Token " + "a" * 5000},
        {"Authorization": "Token caf\u00e9"},
    ],
)
def test_it_refuses_a_missing_or_bad_token_with_401(db, anonymous, headers):
    response = anonymous.get("/api/v2/noop", headers=headers)
    assert response.status_code == 401
    assert response.json() == INVALID
    assert response["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize(
    "spelling",
    ['Token token="{}"', "Token token={}", 'token token="{}", realm="api"', "Bearer {}", "TOKEN  {} "],
)
def test_it_accepts_the_header_spellings_of_the_originals_token_helper(alice, anonymous, spelling):
    response = anonymous.get("/api/v2/noop", headers={"Authorization": spelling.format(token_for(alice))})
    assert response.status_code == 200
    assert response.json()["hash_id"] == alice.hash_id


@pytest.mark.parametrize("spelling", ['Token token="{} x"', "Token token=", 'Token token=""', "Basic {}"])
def test_other_header_spellings_are_refused(alice, anonymous, spelling):
    response = anonymous.get("/api/v2/noop", headers={"Authorization": spelling.format(token_for(alice))})
    assert response.status_code == 401
    assert response.json() == INVALID


def test_it_refuses_an_empty_or_wrong_api_token_parameter(db, anonymous):
    for value in ("", "nope", "\x00"):
        response = anonymous.get("/api/v2/noop", {"api_token": value})
        assert response.status_code == 401, value
        assert response.json() == INVALID


def test_a_reset_token_stops_working(alice):
    old = token_for(alice)
    new = user_api_token_reset(user=alice, actor=alice)
    assert ApiClient(old).get("/api/v2/noop").status_code == 401
    assert ApiClient(new).get("/api/v2/noop").status_code == 200


def test_a_deactivated_account_token_is_refused(alice):
    token = token_for(alice)
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert ApiClient(token).get("/api/v2/noop").json() == INVALID


def test_a_logged_in_browser_session_is_not_api_authentication(alice, client):
    client.force_login(alice)
    response = client.get("/api/v2/noop")
    assert response.status_code == 401
    assert response.json() == INVALID


def test_a_session_cannot_post_without_a_token(alice, team, client):
    client.force_login(alice)
    response = client.post("/api/v2/entries", {"body": "csrf", "team_id": team.hash_id})
    assert response.status_code == 401
    assert not team.entries.exists()


def test_every_endpoint_needs_a_token(db, anonymous):
    for method, path in [
        ("get", "/api/v2/teams"),
        ("get", "/api/v2/teams/abc"),
        ("get", "/api/v2/teams/abc/entries"),
        ("get", "/api/v2/entries"),
        ("post", "/api/v2/entries"),
        ("get", "/api/v2/entries/abc"),
        ("put", "/api/v2/entries/abc"),
        ("patch", "/api/v2/entries/abc"),
        ("post", "/api/v2/entries/abc"),
        ("delete", "/api/v2/entries/abc"),
    ]:
        response = getattr(anonymous, method)(path)
        assert (response.status_code, response.json()) == (401, INVALID), (method, path)


def test_an_unknown_api_path_is_a_json_404(as_alice):
    for path in ("/api/v2/nothing", "/api/v2/nothing/", "/api/v3/noop", "/api/"):
        response = as_alice.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"error": "Not found"}


def test_an_unsupported_method_is_a_json_405(as_alice):
    response = as_alice.delete("/api/v2/teams")
    assert response.status_code == 405
    assert "error" in response.json()
