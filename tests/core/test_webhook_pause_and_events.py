"""A hook's owner pauses it (nothing owed while paused, what was owed is cancelled) and chooses its events;
nobody else can."""

import pytest
from django.core.exceptions import PermissionDenied

from core.models import Hook, WebhookDelivery
from core.services.entries import entry_create, entry_update
from core.services.hooks import hook_create, hook_pause, hook_resume, hook_update
from core.services.webhooks import webhook_redeliver

Status = WebhookDelivery.Status
URL = "http://127.0.0.1:9/receive"


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]


@pytest.fixture
def hook(alice, team) -> Hook:
    return hook_create(actor=alice, team=team, target_url=URL)


def test_a_paused_hook_is_owed_nothing_and_its_owed_posts_are_cancelled(alice, bob, team, hook):
    entry_create(author=bob, team=team, text="Owed before the pause")
    hook_pause(hook=hook, actor=alice)
    assert hook.paused_at is not None
    (owed,) = WebhookDelivery.objects.filter(hook=hook)
    assert owed.status == Status.CANCELLED and "paused" in owed.error
    entry_create(author=bob, team=team, text="While paused")
    assert WebhookDelivery.objects.filter(hook=hook).count() == 1
    with pytest.raises(ValueError, match="paused"):
        webhook_redeliver(delivery=owed, actor=alice)
    hook_resume(hook=hook, actor=alice)
    entry_create(author=bob, team=team, text="After the pause")
    assert WebhookDelivery.objects.filter(hook=hook, status=Status.PENDING).count() == 1


def test_only_the_owner_pauses_or_resumes(bob, charlie, hook):
    for someone in (bob, charlie):
        for action in (hook_pause, hook_resume):
            with pytest.raises(PermissionDenied):
                action(hook=hook, actor=someone)
    assert Hook.objects.get(pk=hook.pk).paused_at is None


def test_a_hook_gets_only_the_events_it_chose(alice, bob, team):
    created_only = hook_create(actor=alice, team=team, target_url=URL, events=["entry_created"])
    entry = entry_create(author=bob, team=team, text="New")
    entry_update(entry=entry, actor=bob, text="Changed")
    assert list(WebhookDelivery.objects.filter(hook=created_only).values_list("event", flat=True)) == ["entry_created"]
    hook_update(hook=created_only, actor=alice, events=["entry_updated"])
    entry_update(entry=entry, actor=bob, text="Changed again")
    assert WebhookDelivery.objects.filter(hook=created_only, event="entry_updated").count() == 1


@pytest.mark.parametrize("events", [[], ["entry_deleted"], ["entry_created", "nope"]])
def test_it_refuses_unknown_or_no_events(alice, team, hook, events):
    with pytest.raises(ValueError, match="Choose at least one event"):
        hook_create(actor=alice, team=team, target_url=URL, events=events)
    with pytest.raises(ValueError, match="Choose at least one event"):
        hook_update(hook=hook, actor=alice, events=events)
    assert Hook.objects.get(pk=hook.pk).events == ["entry_created", "entry_updated"]
