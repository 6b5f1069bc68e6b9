"""Shared fixtures: the three personas and markers for tests that need real servers."""

import os

import pytest

from core.models import Team
from core.services.accounts import user_signup
from core.services.teams import membership_add, team_create

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://", "pgsql://"))
HAS_REDIS = bool(os.environ.get("REDIS_URL"))

requires_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL (CI does)")
requires_redis = pytest.mark.skipif(not HAS_REDIS, reason="needs Redis: set REDIS_URL (CI does)")


@pytest.fixture
def alice(db):
    """Team owner."""
    return user_signup(email="alice@example.com", password="alice-password-1", full_name="Alice Archer")


@pytest.fixture
def bob(db):
    """Alice's teammate."""
    return user_signup(email="bob@example.com", password="bob-password-1", full_name="Bob Baker")


@pytest.fixture
def charlie(db):
    """Someone in another team."""
    return user_signup(email="charlie@example.com", password="charlie-password-1", full_name="Charlie Cho")


@pytest.fixture
def team(alice, bob) -> Team:
    team = team_create(owner=alice, name="Rocket")
    membership_add(team=team, user=bob)
    return team


@pytest.fixture
def other_team(charlie) -> Team:
    return team_create(owner=charlie, name="Elsewhere")


def pytest_sessionfinish(session, exitstatus):
    """In CI every test must run: a skip there means a service was missing, which is a failure."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("FAIL_ON_SKIP") == "1" and skipped and exitstatus == 0:
        reporter.write_line(f"FAIL_ON_SKIP: {len(skipped)} test(s) skipped; CI requires every test to run.", red=True)
        session.exitstatus = 1


from tests.browser import chromium, page  # noqa: E402,F401  (fixtures for browser tests)
