"""Lists answer in a fixed number of queries whatever their length (authentication and paging included)."""

from core.services.social import comment_create, like_toggle
from tests.factories import EntryFactory


def test_v2_lists_do_not_query_per_entry(as_alice, alice, bob, team, django_assert_max_num_queries):
    EntryFactory.create_batch(20, team=team, author=alice)
    EntryFactory.create_batch(20, team=team, author=bob)
    # the maintenance flag (when not cached), the token's user, the team, the count, the page
    with django_assert_max_num_queries(5):
        assert len(as_alice.get(f"/api/v2/teams/{team.hash_id}/entries", {"per_page": 100}).json()) == 40
    with django_assert_max_num_queries(4):
        assert len(as_alice.get("/api/v2/entries", {"per_page": 100}).json()) == 20
    with django_assert_max_num_queries(4):
        assert len(as_alice.get("/api/v2/teams").json()) == 2


def test_v01_dones_do_not_query_per_done(as_alice, alice, bob, team, django_assert_max_num_queries):
    for entry in EntryFactory.create_batch(15, team=team, author=alice):
        like_toggle(user=bob, entry=entry)
        comment_create(entry=entry, author=bob, text="#nice one")
    # ... the page, then tags, likes and comments in one query each
    with django_assert_max_num_queries(7):
        body = as_alice.get("/api/v0.1/dones/").json()
    assert body["count"] == 15 and all(d["likes"] and d["comments"] for d in body["results"])
