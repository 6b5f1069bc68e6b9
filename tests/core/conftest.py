import pytest
from django.core.cache import cache

from ops.services import maintenance


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login throttling counts live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _maintenance_flag_read_once_per_test(monkeypatch):
    """Every process re-reads the ops maintenance flag every couple of seconds, whatever the traffic.

    That query is the process's, not the page's: on a loaded machine a page test straddling the
    interval would count it. Here it is read at most once per test (before a page's pinned request).
    """
    maintenance.maintenance_forget()
    monkeypatch.setattr(maintenance, "CHECK_EVERY_SECONDS", 3600)
    yield
    maintenance.maintenance_forget()


@pytest.fixture
def nicknamed(alice, bob, charlie):
    """The personas with the @handles the mention tests use."""
    for user, nick in ((alice, "alice"), (bob, "bob"), (charlie, "charlie")):
        user.nickname = nick
        user.save(update_fields=["nickname"])
    return alice, bob, charlie
