import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """Digest sections are cached per team and window: start every test without another test's."""
    cache.clear()
