"""What clients written for the original v2 API send, beyond the documented shape, and must keep working."""

import pytest

from core.models import Entry


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
