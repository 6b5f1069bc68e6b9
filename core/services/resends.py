"""Support sends a reminder or digest again ("I didn't get my digest").

A resend is a :class:`Delivery` row of its own (``resend_of`` the original), never the automatic
send's row: that one stays unique per member, kind and local day, so the loop's exactly-once claim
is untouched and the log shows both — what the loop did and what support did afterwards. A resend
is sent at most once: its sender claims it with a compare-and-set (``attempts`` 0 → 1); a lost or
repeated message finds nothing to do, and support can ask again.
"""

import datetime as dt
import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from core.emails import compose
from core.localtime import zone_for
from core.models import Delivery

log = logging.getLogger(__name__)
RESENDABLE = (Delivery.Kind.REMINDER, Delivery.Kind.DIGEST)
MAX_AGE_DAYS = 1  # today's or yesterday's, in the member's time zone: older ones are stale news


def delivery_resend(*, delivery: Delivery, actor, enqueue: Callable[[int], object], now=None) -> Delivery:
    """Owe a resend of ``delivery`` (a reminder or digest) and hand it to ``enqueue(delivery_id)`` after commit."""
    now = now or timezone.now()
    original = delivery.resend_of or delivery
    membership = original.membership
    if original.kind not in RESENDABLE:
        raise ValueError("Only reminders and digests are resent this way.")
    today = now.astimezone(zone_for(membership.user.time_zone)).date()
    if original.local_date < today - dt.timedelta(days=MAX_AGE_DAYS):
        raise ValueError(f"The {original.kind} of {original.local_date} is too old to resend (today's or yesterday's).")
    if membership.emails_paused:
        raise ValueError("This member's emails are paused: resume them first (they may have asked to stop).")
    if not membership.user.is_active:
        raise ValueError("This account is deactivated.")
    with transaction.atomic():
        resend = Delivery.objects.create(
            membership=membership,
            kind=original.kind,
            local_date=original.local_date,
            resend_of=original,
            attempts=0,
            claimed_at=now,
            to_email=membership.user.email,
        )
        transaction.on_commit(lambda: enqueue(resend.pk))
    log.info("resend %s of delivery %s asked by %s", resend.pk, original.pk, getattr(actor, "pk", actor))
    return resend


def delivery_resend_send(*, delivery_id: int) -> Delivery | None:
    """Send one resend; None when it was already sent (or is being sent) by someone else."""
    claimed = Delivery.objects.filter(
        pk=delivery_id, resend_of__isnull=False, status=Delivery.Status.CLAIMED, attempts=0
    ).update(attempts=1, claimed_at=timezone.now())
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("membership__user", "membership__team").get(pk=delivery_id)
    membership = delivery.membership
    stopped = membership.emails_paused or not membership.user.is_active
    message = None if stopped else compose(membership=membership, kind=delivery.kind, local_date=delivery.local_date)
    if message is None:
        return _close(delivery, status=Delivery.Status.SKIPPED, error="paused or nothing to send" if stopped else "")
    try:
        message.send()
    except Exception as error:
        _close(delivery, status=Delivery.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000])
        raise
    status = getattr(message, "anymail_status", None)
    return _close(
        delivery,
        status=Delivery.Status.SENT,
        to_email=message.to[0],
        subject=message.subject[:255],
        provider_message_id=status.message_id if status and status.message_id else message.extra_headers["Message-ID"],
        sent_at=timezone.now(),
    )


def _close(delivery: Delivery, **fields) -> Delivery:
    for name, value in fields.items():
        setattr(delivery, name, value)
    delivery.save(update_fields=list(fields))
    return delivery
