"""Emailing in-app notifications (comment on your entry, mention, like), batched per recipient.

A busy thread must not send twenty emails: a recipient's pending notifications wait until the burst
settles (nothing new for ``QUIET``) or the oldest has waited ``MAX_WAIT``, then go out as one email.
One run at a time handles a recipient (their user row is locked on PostgreSQL), and each notification
is claimed (``emailed_at`` set, compare-and-set) in the same transaction that owes the batch's email
as a pending :class:`Delivery`; the email is then sent claim-first like every other (exactly once,
swept if this run dies before sending it). Ones the recipient does not want emailed are claimed the
same way and dropped.
"""

import datetime as dt
import logging
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from core.emails.common import absolute
from core.emails.notifications import NotificationItem, notification_batch_message
from core.models import Delivery, Membership, Notification, User
from core.services.deliveries import delivery_send

log = logging.getLogger(__name__)

QUIET = dt.timedelta(minutes=5)
MAX_WAIT = dt.timedelta(minutes=30)
# Older pending notifications are never emailed: stale news, and the ones recorded before emailing existed.
LOOKBACK = dt.timedelta(days=2)


def notification_batch_is_due(*, oldest: dt.datetime, newest: dt.datetime, now: dt.datetime) -> bool:
    """Send once the burst has settled, or when the first one has waited long enough."""
    return now - newest >= QUIET or now - oldest >= MAX_WAIT


def notifications_email_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Email each recipient whose burst has settled one message; returns how many emails were sent."""
    now = now or timezone.now()
    sent = 0
    for recipient_id in _recipients_due(now=now, limit=limit):
        delivery = notification_batch_claim(recipient_id=recipient_id, now=now)
        if delivery is None:
            continue
        try:
            # After the claim committed; if this fails or the process dies, the delivery stays owed.
            sent += bool(delivery_send(delivery_id=delivery.pk))
        except Exception:
            log.exception("notification email to user %s failed; the delivery sweeper retries it", recipient_id)
    return sent


@transaction.atomic
def notification_batch_claim(*, recipient_id: int, now: dt.datetime) -> Delivery | None:
    """Claim one recipient's pending notifications if their batch is due; owe the email for the wanted ones."""
    if connection.vendor == "postgresql" and not _recipient_locked(recipient_id=recipient_id):
        return None  # another run is emailing this recipient right now (locking their rows one by one would
        # let two runs split one burst into two emails)
    pending = _pending(now=now).filter(recipient_id=recipient_id, created_at__lte=now)
    rows = list(pending.select_related("recipient", "actor", "entry", "comment").order_by("created_at", "pk"))
    if not rows or not notification_batch_is_due(oldest=rows[0].created_at, newest=rows[-1].created_at, now=now):
        return None
    claimed = Notification.objects.filter(pk__in=[n.pk for n in rows], emailed_at__isnull=True)
    if claimed.update(emailed_at=now) != len(rows):
        transaction.set_rollback(True)  # another run took some of them: leave the whole batch to it
        return None
    recipient = rows[0].recipient
    wanted = _wanted(recipient=recipient, rows=rows)
    if not wanted:
        return None
    return Delivery.objects.create(
        kind=Delivery.Kind.NOTIFICATIONS,
        user=recipient,
        to_email=recipient.email,
        payload={"notifications": [n.pk for n in wanted]},
        created_at=now,
        dispatched_at=now,
    )


def notification_delivery_message(*, delivery: Delivery) -> EmailMultiAlternatives | None:
    """The email an owed notification batch stands for (composed when it is sent)."""
    ids = delivery.payload.get("notifications") or []
    rows = Notification.objects.filter(pk__in=ids).select_related("recipient", "actor", "entry", "comment")
    rows = sorted(rows, key=lambda n: (n.created_at, n.pk))
    if not rows or not rows[0].recipient.is_active:
        return None
    message = notification_batch_message(recipient=rows[0].recipient, items=[_item(n) for n in rows])
    message.extra_headers["Message-ID"] = make_msgid(domain=settings.INBOUND_DOMAIN)
    return message


def _recipient_locked(*, recipient_id: int) -> bool:
    """Hold the recipient's row until commit, or False if another run holds it.

    ``NO KEY UPDATE`` so that new notifications for them (which only share-lock the key) are not blocked.
    """
    locked = User.objects.select_for_update(skip_locked=True, no_key=True).filter(pk=recipient_id)
    return bool(list(locked.values_list("pk", flat=True)))


def _pending(*, now: dt.datetime):
    return Notification.objects.filter(emailed_at__isnull=True, created_at__gte=now - LOOKBACK)


def _recipients_due(*, now: dt.datetime, limit: int) -> list[int]:
    """Recipients whose batch is due, longest waiting first (one grouped query over the pending index)."""
    return list(
        _pending(now=now)
        .filter(created_at__lte=now)
        .values("recipient_id")
        .annotate(oldest=Min("created_at"), newest=Max("created_at"))
        .filter(Q(newest__lte=now - QUIET) | Q(oldest__lte=now - MAX_WAIT))
        .order_by("oldest")
        .values_list("recipient_id", flat=True)[:limit]
    )


def _wanted(*, recipient, rows: list[Notification]) -> list[Notification]:
    """The kinds the recipient asked for, not yet read in the app, in teams they are still in; once each."""
    if not recipient.is_active:
        return []
    teams = set(Membership.objects.filter(user=recipient).values_list("team_id", flat=True))
    wanted, seen = [], set()
    for notification in rows:
        key = (notification.kind, notification.actor_id, notification.entry_id, notification.comment_id)
        if (
            key in seen
            or notification.read_at is not None
            or notification.entry.team_id not in teams
            or not getattr(recipient, f"email_on_{notification.kind}", False)
        ):
            continue
        seen.add(key)
        wanted.append(notification)
    return wanted


def _item(notification: Notification) -> NotificationItem:
    return NotificationItem(
        kind=notification.kind,
        actor_name=notification.actor.display_name,
        entry_text=notification.entry.text,
        entry_url=absolute(f"/e/{notification.entry.hash_id}/"),
        comment_text=notification.comment.text if notification.comment_id else "",
    )
