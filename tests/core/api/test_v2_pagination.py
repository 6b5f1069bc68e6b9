"""v2 lists: bare arrays with Link, X-Total, X-Per-Page and X-Page; page and per_page."""

import re

import pytest

from core.models import Entry
from tests.factories import EntryFactory


@pytest.fixture
def sixty(alice, team):
    return EntryFactory.create_batch(60, team=team, author=alice)


def links(response) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response["Link"])}


def test_the_first_page_is_25_with_headers(as_alice, sixty):
    response = as_alice.get("/api/v2/entries")
    assert isinstance(response.json(), list) and len(response.json()) == 25
    assert (response["X-Total"], response["X-Per-Page"], response["X-Page"]) == ("60", "25", "1")
    assert links(response) == {
        "first": "http://testserver/api/v2/entries?page=1",
        "next": "http://testserver/api/v2/entries?page=2",
        "last": "http://testserver/api/v2/entries?page=3",
    }


def test_a_middle_page_links_both_ways_and_keeps_other_params(as_alice, sixty, team):
    response = as_alice.get("/api/v2/entries", {"page": 2, "per_page": 10, "team_id": team.hash_id})
    assert len(response.json()) == 10
    assert response["X-Page"] == "2" and response["X-Per-Page"] == "10"
    found = links(response)
    assert set(found) == {"first", "prev", "next", "last"}
    assert f"team_id={team.hash_id}" in found["next"] and "per_page=10" in found["next"]
    assert "page=6" in found["last"] and "page=1" in found["prev"]


def test_pages_do_not_overlap_and_cover_everything(as_alice, sixty):
    seen = []
    for page in (1, 2, 3):
        seen += [e["hash_id"] for e in as_alice.get("/api/v2/entries", {"page": page}).json()]
    assert len(seen) == len(set(seen)) == 60


def test_per_page_is_capped_at_100(as_alice, alice, team):
    EntryFactory.create_batch(101, team=team, author=alice)
    response = as_alice.get("/api/v2/entries", {"per_page": 500})
    assert len(response.json()) == 100
    assert response["X-Per-Page"] == "100"


def test_a_page_past_the_end_is_an_empty_array_with_headers(as_alice, sixty):
    response = as_alice.get("/api/v2/entries", {"page": 99})
    assert response.status_code == 200 and response.json() == []
    assert response["X-Total"] == "60"
    assert "page=3" in links(response)["last"]


def test_an_empty_list_still_has_headers(as_charlie):
    response = as_charlie.get("/api/v2/entries")
    assert response.json() == []
    assert (response["X-Total"], response["X-Page"]) == ("0", "1")
    assert set(links(response)) == {"first", "last"}


@pytest.mark.parametrize("name", ["page", "per_page"])
@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "²", "99999999999999999999999999x"])
def test_a_bad_page_or_per_page_is_a_400(as_alice, name, value):
    response = as_alice.get("/api/v2/entries", {name: value})
    assert response.status_code == 400
    assert response.json() == {"error": f"{name} must be a positive whole number"}


def test_a_huge_page_number_is_just_past_the_end(as_alice, sixty):
    response = as_alice.get("/api/v2/entries", {"page": "9" * 40})
    assert response.status_code == 200 and response.json() == []


def test_team_lists_page_the_same_way(as_alice, sixty, team):
    response = as_alice.get(f"/api/v2/teams/{team.hash_id}/entries", {"per_page": 50, "page": 2})
    assert len(response.json()) == 10 and response["X-Total"] == "60"
    assert Entry.objects.count() == 60
    teams = as_alice.get("/api/v2/teams")
    assert teams["X-Total"] == "2" and "Link" in teams


def test_teams_of_the_same_name_each_show_once_across_pages(as_alice, alice):
    from core.services.teams import team_create

    made = {team_create(owner=alice, name="Ops").hash_id for _ in range(6)}
    seen = []
    for page in range(1, 10):
        answer = as_alice.get("/api/v2/teams", {"page": page, "per_page": 1}).json()
        if not answer:
            break
        seen += [team["hash_id"] for team in answer]
    assert made <= set(seen) and len(seen) == len(set(seen))
