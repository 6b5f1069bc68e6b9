"""Celery tasks: thin adapters that load by id and call one service. Names are explicit and stable."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.services.deliveries import deliveries_claim_due, delivery_send
from core.services.inbound import inbound_messages_prune, inbound_replies_send
from core.services.logins import login_failures_prune
from core.services.notification_emails import notifications_email_due
from core.services.resends import delivery_resend_send
from ops.services.heartbeats import heartbeat_prune


@shared_task(name="scheduled.heartbeat_sweep")
def heartbeat_sweep() -> dict:
    """Forget processes that stopped long ago, so the dynos page lists what exists."""
    return heartbeat_prune()


def enqueue_delivery(*, membership_id: int, kind: str, local_date: str) -> None:
    send_delivery.apply_async(
        kwargs={"membership_id": membership_id, "kind": kind, "local_date": local_date},
        queue=settings.DELIVERY_QUEUE,
    )


@shared_task(name="scheduled.deliveries_tick")
def deliveries_tick() -> dict:
    """Every minute: claim due reminders and digests (and abandoned claims) and enqueue their sends."""
    return deliveries_claim_due(enqueue=enqueue_delivery)


@shared_task(
    name="scheduled.send_delivery",
    # One per email: the Delivery row is its durable record, so no task result is stored for it.
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=3,
)
def send_delivery(*, membership_id: int, kind: str, local_date: str) -> dict:
    """Send one reminder or digest; safe to run twice (the delivery row is claimed first)."""
    delivery = delivery_send(membership_id=membership_id, kind=kind, local_date=dt.date.fromisoformat(local_date))
    return {"delivery": delivery.pk if delivery else None, "status": delivery.status if delivery else "not-claimed"}


@shared_task(name="scheduled.send_resend", ignore_result=True)
def send_resend(*, delivery_id: int) -> dict:
    """Send one reminder or digest support asked to resend; at most once (no automatic retry)."""
    delivery = delivery_resend_send(delivery_id=delivery_id)
    return {"delivery": delivery_id, "status": delivery.status if delivery else "not-claimed"}


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
