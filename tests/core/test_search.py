"""Search: ranked full-text search with highlights on PostgreSQL, a contains search on SQLite; both escape."""

from core.selectors.insights import entry_search
from core.services.entries import entry_create
from tests.conftest import requires_postgres


def test_it_highlights_matches_and_escapes_the_rest(alice, team, other_team, charlie):
    entry_create(author=alice, team=team, text="Deployed the <b>search</b> service")
    entry_create(author=charlie, team=other_team, text="Deployed search elsewhere")
    [found] = entry_search(team=team, query="search", viewer=alice)
    assert "<mark>search</mark>" in found.highlighted
    assert "&lt;b&gt;" in found.highlighted and "<b>" not in found.highlighted


def test_it_returns_nothing_for_an_empty_query(alice, team):
    entry_create(author=alice, team=team, text="anything")
    assert entry_search(team=team, query="   ", viewer=alice) == []


@requires_postgres
def test_it_ranks_and_stems_on_postgres(alice, team):
    once = entry_create(author=alice, team=team, text="Fixed a deploy script")
    twice = entry_create(author=alice, team=team, text="Deploying the deploy pipeline after deploys failed")
    entry_create(author=alice, team=team, text="Unrelated work")
    found = entry_search(team=team, query="deployed", viewer=alice)
    assert [e.pk for e in found] == [twice.pk, once.pk]  # stemmed ("deployed" finds "deploy"), best first
    assert "<mark>Deploying</mark>" in found[0].highlighted


@requires_postgres
def test_it_accepts_web_search_syntax_without_errors(alice, team):
    entry_create(author=alice, team=team, text="billing invoice export")
    assert len(entry_search(team=team, query='"billing invoice" -refund or (&!', viewer=alice)) == 1
