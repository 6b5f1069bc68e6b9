import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login throttling counts live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def nicknamed(alice, bob, charlie):
    """The personas with the @handles the mention tests use."""
    for user, nick in ((alice, "alice"), (bob, "bob"), (charlie, "charlie")):
        user.nickname = nick
        user.save(update_fields=["nickname"])
    return alice, bob, charlie
