"""Outgoing webhooks on a real worker: an entry's commit hands its POST to the worker, which sends it to a
real receiver; the sweeper's task hands out what is due."""

import uuid

import pytest
from django.test import override_settings

from core.models import WebhookDelivery
from core.services.entries import entry_create
from core.services.hooks import hook_create
from portal.celery import app
from scheduled.schedules import SCHEDULES
from tests.processes import celery_worker, process_env, wait_for
from tests.webhook_receiver import webhook_receiver

LOCAL = "127.0.0.1/32"


def test_the_webhook_tasks_have_stable_names_a_sweep_every_minute_and_a_nightly_prune():
    app.loader.import_default_modules()
    assert {"scheduled.send_webhook", "scheduled.webhooks_sweep", "scheduled.webhooks_prune"} <= set(app.tasks)
    assert SCHEDULES["webhooks-sweep"] == {"task": "scheduled.webhooks_sweep", "every_seconds": 60}
    assert SCHEDULES["webhooks-prune"]["crontab"]["hour"] == "3"


@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_posts_the_entry_after_commit(alice, bob, team):
    queue = f"test-webhooks-{uuid.uuid4().hex[:8]}"
    env = process_env(WEBHOOK_ALLOWED_NETWORKS=LOCAL)
    with (
        override_settings(WEBHOOK_ALLOWED_NETWORKS=[LOCAL], WEBHOOK_QUEUE=queue),
        webhook_receiver(200) as receiver,
        celery_worker(env=env, queue=queue) as worker,
    ):
        hook_create(actor=alice, team=team, target_url=receiver.url)
        entry = entry_create(author=bob, team=team, text="Shipped it through the worker")
        wait_for(lambda: receiver.requests, timeout=60, what="the worker's POST")
        delivery = wait_for(
            lambda: WebhookDelivery.objects.filter(status=WebhookDelivery.Status.SENT).first(),
            timeout=30,
            what="the delivery marked sent",
        )
    assert worker.returncode == 0, worker.log_text
    assert delivery.entry_hash_id == entry.hash_id and delivery.attempts == 1
    assert receiver.requests[0].headers["X-IDT-Delivery"] == str(delivery.delivery_id)
    assert len(receiver.requests) == 1
