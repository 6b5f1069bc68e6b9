"""Celery tasks: thin adapters that load by id and call one service. Names are explicit and stable."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.services.deliveries import (
    deliveries_claim_due,
    deliveries_sweep,
    delivery_owed_before_the_outbox,
    delivery_send,
)
from core.services.inbound import (
    inbound_messages_prune,
    inbound_parse,
    inbound_parse_many,
    inbound_replies_send,
    inbound_sweep,
)
from core.services.logins import login_failures_prune
from core.services.notification_emails import notifications_email_due
from core.services.webhooks import webhook_deliveries_prune, webhook_deliveries_sweep, webhook_delivery_send
from ops.services.heartbeats import heartbeat_prune


@shared_task(name="scheduled.heartbeat_sweep")
def heartbeat_sweep() -> dict:
    """Forget processes that stopped long ago, so the dynos page lists what exists."""
    return heartbeat_prune()


def enqueue_delivery(delivery_id: int) -> None:
    send_delivery.apply_async(kwargs={"delivery_id": delivery_id}, queue=settings.DELIVERY_QUEUE)


@shared_task(name="scheduled.deliveries_tick")
def deliveries_tick() -> dict:
    """Every minute: claim due reminders and digests, owe each as a pending delivery, enqueue the sends."""
    return deliveries_claim_due(enqueue=enqueue_delivery)


@shared_task(name="scheduled.deliveries_sweep")
def deliveries_sweep_task() -> dict:
    """Every minute: settle sends that died mid-send with the provider; dispatch again owed emails whose
    message was lost."""
    return deliveries_sweep(enqueue=enqueue_delivery)


@shared_task(
    name="scheduled.send_delivery",
    # One per email: the Delivery row is its durable record, so no task result is stored for it.
    ignore_result=True,
)
def send_delivery(*, delivery_id: int | None = None, **before_the_outbox) -> dict:
    """Send one owed email; safe to run twice (the delivery is claimed first). An ESP failure leaves it
    owed and the sweeper retries it, so there is no Celery retry (no countdown outliving the visibility
    timeout). Messages queued before the outbox carried ``membership_id, kind, local_date``."""
    if delivery_id is None:
        delivery_id = delivery_owed_before_the_outbox(**before_the_outbox)
    delivery = delivery_send(delivery_id=delivery_id) if delivery_id else None
    return {"delivery": delivery_id, "status": delivery.status if delivery else "not-claimed"}


@shared_task(name="scheduled.send_resend", ignore_result=True)
def send_resend(*, delivery_id: int) -> dict:
    """Support's resends used to have a task of their own; a message queued before they became owed
    deliveries is sent by the common claim-first path. Remove once none can be left in a queue."""
    return send_delivery(delivery_id=delivery_id)


def enqueue_inbound_parse(inbound_id: int) -> None:
    parse_inbound.apply_async(kwargs={"inbound_id": inbound_id}, queue=settings.INBOUND_QUEUE)


@shared_task(
    name="scheduled.inbound_parse",
    # One per email: the InboundMessage row is its durable record, so no task result is stored for it.
    ignore_result=True,
)
def parse_inbound(*, inbound_id: int) -> dict:
    """Turn one stored email into entries; safe to run twice (parsed under the row's lock, once). A
    failure leaves it owed and the sweeper hands it out again, so there is no Celery retry."""
    inbound = inbound_parse(inbound_id=inbound_id)
    return {"inbound": inbound_id, "outcome": inbound.outcome if inbound else "not-owed"}


@shared_task(name="scheduled.inbound_parse_many", ignore_result=True)
def parse_inbound_many(*, inbound_ids: list[int]) -> dict:
    """The stored emails a busy web process handed out in one message, parsed in turn; each as
    ``scheduled.inbound_parse`` would (once, under its row's lock), so a redelivery changes nothing."""
    outcomes = inbound_parse_many(inbound_ids=inbound_ids)
    return {"inbound": list(outcomes), "outcomes": list(outcomes.values())}


@shared_task(name="scheduled.inbound_sweep")
def inbound_sweep_task() -> dict:
    """Every minute: hand out again the stored emails whose parse message was lost."""
    return inbound_sweep(enqueue=enqueue_inbound_parse)


@shared_task(name="scheduled.inbound_replies")
def inbound_replies() -> int:
    """Answer inbound mail from unknown senders, once each."""
    return inbound_replies_send()


@shared_task(name="scheduled.inbound_prune")
def inbound_prune() -> int:
    """Forget inbound messages older than the retention period."""
    return inbound_messages_prune()


@shared_task(name="scheduled.notification_emails")
def notification_emails() -> int:
    """Email settled batches of in-app notifications, one email per recipient and burst."""
    return notifications_email_due()


@shared_task(name="scheduled.login_failures_prune")
def login_failures_prune_task() -> int:
    """Forget failed-login counts idle for a week (lockouts last minutes; support looks back days)."""
    return login_failures_prune(before=timezone.now() - dt.timedelta(days=7))


def enqueue_webhook(delivery_id: int) -> None:
    send_webhook.apply_async(kwargs={"delivery_id": delivery_id}, queue=settings.WEBHOOK_QUEUE)


@shared_task(
    name="scheduled.send_webhook",
    # One per webhook POST: the WebhookDelivery row and its attempts are the record, no task result.
    ignore_result=True,
)
def send_webhook(*, delivery_id: int) -> dict:
    """POST one owed webhook; safe to run twice (the delivery is claimed first). A refused or failed POST
    is owed again at its next retry time and the sweeper hands it out then: no Celery countdown."""
    delivery = webhook_delivery_send(delivery_id=delivery_id)
    return {"delivery": delivery_id, "status": delivery.status if delivery else "not-claimed"}


@shared_task(name="scheduled.webhooks_sweep")
def webhooks_sweep() -> dict:
    """Every minute: hand out the webhooks whose retry time has come or whose message was lost; owe again
    the ones whose worker died mid-send."""
    return webhook_deliveries_sweep(enqueue=enqueue_webhook)


@shared_task(name="scheduled.webhooks_prune")
def webhooks_prune() -> int:
    """Nightly: forget finished webhook deliveries past WEBHOOK_RETENTION_DAYS."""
    return webhook_deliveries_prune()
