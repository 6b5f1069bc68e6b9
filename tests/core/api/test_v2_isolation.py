"""Charlie (another team) can never read or write Alice's team through any v2 endpoint, guessed ids included."""

import pytest

from core.models import Entry
from core.services.entries import entry_create

NO_TEAM = {"error": "You do not have access to that team"}
NO_ENTRY = {"error": "You do not have access to that entry"}


@pytest.fixture
def alices_entry(alice, team):
    return entry_create(author=alice, team=team, text="secret plans")


def guesses(obj) -> list[str]:
    """The real hash, its primary key and neighbours, upper-cased, padded: none of them may work."""
    return [obj.hash_id, str(obj.pk), str(obj.pk + 1), obj.hash_id.upper(), f" {obj.hash_id}", f"{obj.hash_id}%20"]


def test_charlie_cannot_read_alices_team(as_charlie, team, alices_entry):
    for guess in guesses(team):
        assert as_charlie.get(f"/api/v2/teams/{guess}").json() == NO_TEAM, guess
        assert as_charlie.get(f"/api/v2/teams/{guess}/entries").json() == NO_TEAM, guess
        assert as_charlie.get("/api/v2/entries", {"team_id": guess}).json() == NO_TEAM, guess
    assert team.hash_id not in str(as_charlie.get("/api/v2/teams").json())


def test_charlie_cannot_read_alices_entries(as_charlie, alices_entry):
    for guess in guesses(alices_entry):
        response = as_charlie.get(f"/api/v2/entries/{guess}")
        assert (response.status_code, response.json()) == (401, NO_ENTRY), guess
    assert as_charlie.get("/api/v2/entries").json() == []


def test_charlie_cannot_post_into_alices_team(as_charlie, team):
    for guess in guesses(team):
        response = as_charlie.post("/api/v2/entries", {"body": "intruder", "team_id": guess})
        assert (response.status_code, response.json()) == (401, NO_TEAM), guess
    assert not Entry.objects.filter(team=team).exists()


def test_charlie_cannot_change_move_or_delete_alices_entry(as_charlie, alices_entry):
    for guess in guesses(alices_entry):
        for method in ("put", "patch", "post", "delete"):
            response = getattr(as_charlie, method)(f"/api/v2/entries/{guess}", {"body": "defaced", "status": "done"})
            assert (response.status_code, response.json()) == (401, NO_ENTRY), (method, guess)
    alices_entry.refresh_from_db()
    assert alices_entry.text == "secret plans"


def test_charlie_cannot_move_his_entry_into_alices_team(as_charlie, charlie, other_team, team):
    entry = entry_create(author=charlie, team=other_team, text="mine")
    response = as_charlie.patch(f"/api/v2/entries/{entry.hash_id}", {"team_id": team.hash_id})
    assert response.json() == NO_TEAM
    entry.refresh_from_db()
    assert entry.team == other_team


def test_numeric_ids_are_never_looked_up_by_primary_key(as_alice, alices_entry, team):
    # Alice may see both, yet their primary keys name nothing.
    assert as_alice.get(f"/api/v2/entries/{alices_entry.pk}").json() == NO_ENTRY
    assert as_alice.get(f"/api/v2/teams/{team.pk}").json() == NO_TEAM
    assert as_alice.post("/api/v2/entries", {"body": "x", "team_id": team.pk}).json() == NO_TEAM
