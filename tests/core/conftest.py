import pytest
from django.core.cache import cache

from core.models import Hook
from core.services.hooks import hook_create
from tests.webhook_receiver import webhook_receiver


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


# Outgoing webhooks, delivered to a real HTTP receiver on loopback. A test module opts in with
# ``pytestmark = pytest.mark.usefixtures("loopback_webhooks")``: the SSRF guard stays whole elsewhere.
LOOPBACK = ["127.0.0.1/32"]


@pytest.fixture
def loopback_webhooks(settings):
    """The receiver listens on 127.0.0.1: exempt it (and only it) from the SSRF guard."""
    settings.WEBHOOK_ALLOWED_NETWORKS = LOOPBACK


@pytest.fixture
def receiver():
    with webhook_receiver(200) as server:
        yield server


@pytest.fixture
def hook(alice, team, receiver, loopback_webhooks) -> Hook:
    """alice owns the team (its admin) and this hook, which posts to ``receiver``."""
    return hook_create(actor=alice, team=team, target_url=receiver.url)
