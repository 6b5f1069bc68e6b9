"""Support sends a reminder or digest again ("I didn't get my digest").

A resend is a :class:`Delivery` row of its own (``resend_of`` the original), never the automatic
send's row: that one stays unique per member, kind and local day, so the loop's exactly-once claim
is untouched and the log shows both — what the loop did and what support did afterwards. A resend
is owed like every email (``pending``, written in support's transaction) and sent by the same
claim-first path (:func:`core.services.deliveries.delivery_send`): a lost or repeated message finds
nothing to do, a lost dispatch is swept, and a sender killed mid-send is settled with the provider.
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from core.localtime import zone_for
from core.models import Delivery
from core.services.deliveries import Enqueue, deliveries_dispatch

log = logging.getLogger(__name__)
RESENDABLE = (Delivery.Kind.REMINDER, Delivery.Kind.DIGEST)
MAX_AGE_DAYS = 1  # today's or yesterday's, in the member's time zone: older ones are stale news


def delivery_resend(*, delivery: Delivery, actor, enqueue: Enqueue, now=None) -> Delivery:
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
            user_id=membership.user_id,
            kind=original.kind,
            local_date=original.local_date,
            resend_of=original,
            to_email=membership.user.email,
            created_at=now,
            dispatched_at=now,
        )
        # A broker outage leaves it owed (the sweeper dispatches it); it never fails support's request.
        transaction.on_commit(lambda: deliveries_dispatch(ids=[resend.pk], enqueue=enqueue), robust=True)
    log.info("resend %s of delivery %s asked by %s", resend.pk, original.pk, getattr(actor, "pk", actor))
    return resend
