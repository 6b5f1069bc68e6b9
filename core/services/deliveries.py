"""The daily loop's exactly-once machinery: claim what is due, then claim each delivery before sending.

The beat tick claims due memberships with a compare-and-set on ``next_*_at`` (on PostgreSQL behind
``FOR UPDATE SKIP LOCKED`` so concurrent ticks split the work) and enqueues one send per claim after
commit. The send claims a :class:`Delivery` row unique per (membership, kind, local day) before it
sends, so a duplicate message, a second beat or a redelivery finds the row and does nothing.
"""

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.emails import compose
from core.localtime import zone_for
from core.models import Delivery, Entry, Membership
from core.schedule import next_occurrence
from core.services.schedules import effective_days

log = logging.getLogger(__name__)

THROTTLE_AFTER = dt.timedelta(days=7)
Enqueue = Callable[..., object]  # enqueue(membership_id=, kind=, local_date="YYYY-MM-DD")
_FIELDS = {Delivery.Kind.REMINDER: "next_reminder_at", Delivery.Kind.DIGEST: "next_digest_at"}
_SETTINGS = {
    Delivery.Kind.REMINDER: ("reminder_days", "reminder_time"),
    Delivery.Kind.DIGEST: ("digest_days", "digest_time"),
}


def deliveries_claim_due(*, enqueue: Enqueue, now: dt.datetime | None = None, batch_size: int | None = None) -> dict:
    """One beat tick: claim every due reminder and digest, advance their next times, enqueue the sends."""
    now = now or timezone.now()
    batch_size = batch_size or settings.DELIVERY_TICK_BATCH
    counts = {"reminder": 0, "digest": 0, "late": 0, "stale": 0}
    for kind in _FIELDS:
        while True:
            claimed, late, seen = _claim_batch(kind=kind, now=now, batch_size=batch_size, enqueue=enqueue)
            counts[kind] += claimed
            counts["late"] += late
            if seen < batch_size:
                break
    counts["stale"] = deliveries_resend_stale(enqueue=enqueue, now=now, limit=batch_size)
    return counts


@transaction.atomic
def _claim_batch(*, kind: str, now: dt.datetime, batch_size: int, enqueue: Enqueue) -> tuple[int, int, int]:
    field = _FIELDS[kind]
    due = Membership.objects.filter(**{f"{field}__lte": now}).order_by(field)
    if connection.vendor == "postgresql":
        # Two ticks at once each take different rows instead of queueing behind each other's locks.
        due = due.select_for_update(skip_locked=True, of=("self",))
    rows = list(due.select_related("user")[:batch_size])
    active = _recently_active(rows, now=now)
    days_field, time_field = _SETTINGS[kind]
    plans = []  # (membership, was due, next time, throttled)
    for membership in rows:
        was_due, throttled = getattr(membership, field), membership.pk not in active
        next_at = next_occurrence(
            zone=zone_for(membership.user.time_zone),
            days=effective_days(getattr(membership, days_field), throttled=throttled),
            at=getattr(membership, time_field),
            after=max(now, was_due),
        )
        plans.append((membership, was_due, next_at, throttled))
    won = _advance(field, plans)
    claimed = late = 0
    for membership, was_due, _next_at, _throttled in plans:
        if membership.pk not in won:
            continue
        if now - was_due > dt.timedelta(hours=settings.DELIVERY_MAX_LATENESS_HOURS):
            late += 1  # a reminder hours after its time helps nobody: skip it, keep the schedule
            continue
        local_date = was_due.astimezone(zone_for(membership.user.time_zone)).date().isoformat()
        transaction.on_commit(_enqueuer(enqueue, membership.pk, kind, local_date))
        claimed += 1
    return claimed, late, len(rows)


def _advance(field: str, plans: list) -> set[int]:
    """Compare-and-set for the whole batch in one statement: a row advances only if its next time is
    still the one this tick read, so only one tick (or one beat, of two) sends it. Returns the winners."""
    if not plans:
        return set()
    pg = connection.vendor == "postgresql"
    row = "(%s::bigint, %s::timestamptz, %s::timestamptz, %s::boolean)" if pg else "(%s, %s, %s, %s)"
    adapt = connection.ops.adapt_datetimefield_value
    params = []
    for membership, was_due, next_at, throttled in plans:
        params += [membership.pk, adapt(was_due), adapt(next_at), throttled]
    # The column name comes from _FIELDS; every value is a parameter.
    values = ", ".join([row] * len(plans))
    sql = (
        f"WITH v(id, was_due, next_at, throttled) AS (VALUES {values}) "  # noqa: S608
        f"UPDATE core_membership SET {field} = v.next_at, emails_throttled = v.throttled FROM v "
        f"WHERE core_membership.id = v.id AND core_membership.{field} = v.was_due RETURNING core_membership.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk for (pk,) in cursor.fetchall()}


def _enqueuer(enqueue: Enqueue, membership_id: int, kind: str, local_date: str):
    return lambda: enqueue(membership_id=membership_id, kind=kind, local_date=local_date)


def _recently_active(rows: list[Membership], *, now: dt.datetime) -> set[int]:
    """Memberships with an entry, a join or a "daily again" click in the last 7 days (one query)."""
    since = now - THROTTLE_AFTER
    active = {m.pk for m in rows if m.joined_at >= since or (m.emails_restored_at and m.emails_restored_at >= since)}
    rest = [m for m in rows if m.pk not in active]
    if not rest:
        return active
    pairs = set(
        Entry.objects.filter(
            team_id__in={m.team_id for m in rest},
            author_id__in={m.user_id for m in rest},
            occurred_on__gte=(since - dt.timedelta(days=1)).date(),
            created_at__gte=since,
        ).values_list("team_id", "author_id")
    )
    return active | {m.pk for m in rest if (m.team_id, m.user_id) in pairs}


def deliveries_resend_stale(*, enqueue: Enqueue, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Re-enqueue claims whose worker died before marking them: the send re-claims them with a CAS."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.DELIVERY_CLAIM_TIMEOUT_SECONDS)
    stale = Delivery.objects.filter(
        status=Delivery.Status.CLAIMED, claimed_at__lt=cutoff, resend_of__isnull=True  # resends: at most once
    ).order_by("claimed_at")
    rows = list(stale.values_list("membership_id", "kind", "local_date")[:limit])
    for membership_id, kind, local_date in rows:
        enqueue(membership_id=membership_id, kind=kind, local_date=local_date.isoformat())
    return len(rows)


def delivery_claim(*, membership: Membership, kind: str, local_date: dt.date, now: dt.datetime) -> Delivery | None:
    """The delivery if this caller may send it now; None if it was sent or someone else is sending it."""
    try:
        with transaction.atomic():
            return Delivery.objects.create(membership=membership, kind=kind, local_date=local_date, claimed_at=now)
    except IntegrityError:
        pass
    stale = now - dt.timedelta(seconds=settings.DELIVERY_CLAIM_TIMEOUT_SECONDS)
    retry = Q(status=Delivery.Status.FAILED) | Q(status=Delivery.Status.CLAIMED, claimed_at__lt=stale)
    # The loop's own row only: support's resends of the same day are rows of their own.
    mine = Delivery.objects.filter(retry, membership=membership, kind=kind, local_date=local_date, resend_of=None)
    if not mine.update(status=Delivery.Status.CLAIMED, claimed_at=now, attempts=F("attempts") + 1, error=""):
        return None
    return Delivery.objects.get(membership=membership, kind=kind, local_date=local_date, resend_of=None)


def delivery_send(*, membership_id: int, kind: str, local_date: dt.date, now: dt.datetime | None = None):
    """Claim, compose and send one reminder or digest; mark the delivery sent, skipped or failed."""
    now = now or timezone.now()
    membership = Membership.objects.select_related("user", "team").filter(pk=membership_id).first()
    if membership is None:
        return None
    delivery = delivery_claim(membership=membership, kind=kind, local_date=local_date, now=now)
    if delivery is None:
        return None
    # Unsubscribed or deactivated after the tick enqueued this: nothing goes out.
    stopped = membership.emails_paused or not membership.user.is_active
    message = None if stopped else compose(membership=membership, kind=kind, local_date=local_date)
    if message is None:
        return _mark(delivery, status=Delivery.Status.SKIPPED)
    try:
        message.send()
    except Exception as error:
        _mark(delivery, status=Delivery.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000])
        raise
    status = getattr(message, "anymail_status", None)
    return _mark(
        delivery,
        status=Delivery.Status.SENT,
        to_email=message.to[0],
        subject=message.subject[:255],
        provider_message_id=(
            status.message_id if status and status.message_id else message.extra_headers["Message-ID"]
        ),
        sent_at=timezone.now(),
    )


def _mark(delivery: Delivery, **fields) -> Delivery:
    for name, value in fields.items():
        setattr(delivery, name, value)
    delivery.save(update_fields=list(fields))
    return delivery


_UNDELIVERED = {"bounced", "rejected", "failed"}


def delivery_track(*, provider_message_id: str, event_type: str, description: str = "", at=None) -> int:
    """Record an ESP tracking event on the delivery it is about; a bounce turns "sent" into "failed"."""
    if not provider_message_id:
        return 0
    fields = {"esp_event": event_type[:32], "esp_event_at": at or timezone.now()}
    if event_type in _UNDELIVERED:
        fields.update(status=Delivery.Status.FAILED, error=f"{event_type}: {description}"[:2000])
    return Delivery.objects.filter(provider_message_id=provider_message_id).update(**fields)
