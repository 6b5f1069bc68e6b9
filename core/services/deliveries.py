"""Every email, exactly once: owed in the database first, dispatched as a nudge, claimed before the send.

1. **Owe.** Whatever decides an email is due writes a ``pending`` :class:`Delivery` in its own
   transaction: the beat tick, in the transaction whose compare-and-set advances ``next_*_at`` (on
   PostgreSQL behind ``FOR UPDATE SKIP LOCKED`` so concurrent ticks split the work); the notification
   batch claim; an invitation, a sign-up, a password-reset request.
2. **Dispatch** after commit: a Celery message (reminders, digests) or a send in the same process
   (the rest). A lost dispatch — broker down, message dropped, worker killed — leaves the row
   ``pending``; :func:`deliveries_sweep` dispatches it again a couple of minutes later.
3. **Claim, then send.** :func:`delivery_send` composes the message, moves the row ``pending`` →
   ``sending`` with a compare-and-set and only then hands it to the ESP, so a duplicate message or a
   second sweep finds nothing to do. A send that fails is owed again (``pending``, retried by the
   sweeper) until ``DELIVERY_MAX_ATTEMPTS``. A sender killed between its claim and the ESP's answer
   leaves ``sending``: only the ESP knows whether it took the message, so after
   ``DELIVERY_CLAIM_TIMEOUT_SECONDS`` the sweeper marks it ``interrupted`` and asks the ESP
   (core/services/reconcile.py): taken → ``sent``; never got it → owed again; cannot tell → asked again
   later, a bounded number of times, then left to support. Never re-sent on a guess.
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.localtime import zone_for
from core.models import Delivery, Entry, Membership
from core.services.dispatch import hand_out
from core.services.schedules import membership_next_at

log = logging.getLogger(__name__)

THROTTLE_AFTER = dt.timedelta(days=7)
Enqueue = Callable[[int], object]  # enqueue(delivery_id): hand one owed delivery to a worker
_FIELDS = {Delivery.Kind.REMINDER: "next_reminder_at", Delivery.Kind.DIGEST: "next_digest_at"}
Status = Delivery.Status


def deliveries_claim_due(*, enqueue: Enqueue, now: dt.datetime | None = None, batch_size: int | None = None) -> dict:
    """One beat tick: claim every due reminder and digest, advance their next times, owe and enqueue the sends."""
    now = now or timezone.now()
    batch_size = batch_size or settings.DELIVERY_TICK_BATCH
    counts = {"reminder": 0, "digest": 0, "late": 0}
    for kind in _FIELDS:
        while True:
            claimed, late, seen = _claim_batch(kind=kind, now=now, batch_size=batch_size, enqueue=enqueue)
            counts[kind] += claimed
            counts["late"] += late
            if seen < batch_size:
                break
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
    plans = []  # (membership, was due, next time, throttled)
    for membership in rows:
        was_due, throttled = getattr(membership, field), membership.pk not in active
        next_at = membership_next_at(membership=membership, kind=kind, after=max(now, was_due), throttled=throttled)
        plans.append((membership, was_due, next_at, throttled))
    won = _advance(field, plans)
    owed = [
        _owed(membership, kind=kind, was_due=was_due, now=now)
        for membership, was_due, *_ in plans
        if membership.pk in won
    ]
    # A delivery already owed for that member, kind and local day (the schedule was moved after it
    # went out) is kept, never doubled.
    Delivery.objects.bulk_create(owed, ignore_conflicts=True)
    # The loop's own rows only: a resend support asked for at the same instant is not this tick's.
    written = Delivery.objects.filter(kind=kind, membership_id__in=won, created_at=now, resend_of=None)
    pending = list(written.filter(status=Status.PENDING).values_list("pk", flat=True))
    if pending:
        transaction.on_commit(lambda: deliveries_dispatch(ids=pending, enqueue=enqueue))
    return len(pending), sum(1 for d in owed if d.status == Status.SKIPPED), len(rows)


def _owed(membership: Membership, *, kind: str, was_due: dt.datetime, now: dt.datetime) -> Delivery:
    delivery = Delivery(
        membership=membership,
        user_id=membership.user_id,
        kind=kind,
        local_date=was_due.astimezone(zone_for(membership.user.time_zone)).date(),
        due_at=was_due,
        to_email=membership.user.email,
        created_at=now,
        dispatched_at=now,
    )
    if _too_late(delivery, now=now):
        # Hours after its time a reminder helps nobody: recorded as skipped (and why), schedule kept.
        delivery.status, delivery.error = Status.SKIPPED, _late_reason(delivery, now=now)
    return delivery


def _too_late(delivery: Delivery, *, now: dt.datetime) -> bool:
    limit = dt.timedelta(hours=settings.DELIVERY_MAX_LATENESS_HOURS)
    return delivery.due_at is not None and now - delivery.due_at > limit


def _late_reason(delivery: Delivery, *, now: dt.datetime) -> str:
    hours = (now - delivery.due_at).total_seconds() / 3600
    return f"late: due {hours:.1f} h ago, more than DELIVERY_MAX_LATENESS_HOURS={settings.DELIVERY_MAX_LATENESS_HOURS}"


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


def deliveries_dispatch(*, ids: Iterable[int], enqueue: Enqueue) -> int:
    """Hand owed deliveries to the workers. The first failure (broker down) stops the loop: the rows stay
    ``pending`` and the sweeper dispatches them once the broker is back. Returns how many were handed."""
    return hand_out(ids, enqueue=enqueue, what="owed deliveries")


def deliveries_sweep(*, enqueue: Enqueue, now: dt.datetime | None = None, limit: int = 1000) -> dict:
    """Settle sends whose sender died mid-send with the ESP, then dispatch again every owed delivery whose
    dispatch was lost (including those the ESP never got)."""
    from core.services.reconcile import deliveries_reconcile

    now = now or timezone.now()
    interrupted = Delivery.objects.filter(
        status=Status.SENDING, claimed_at__lt=now - dt.timedelta(seconds=settings.DELIVERY_CLAIM_TIMEOUT_SECONDS)
    ).update(
        status=Status.INTERRUPTED,
        error="interrupted between its claim and the provider's answer: asking the provider whether it took it",
        provider_checks=0,
        provider_answer="",
        provider_check_after=now,
    )
    reconciled = deliveries_reconcile(now=now)
    lost = Q(dispatched_at__lt=now - dt.timedelta(seconds=settings.DELIVERY_REDISPATCH_AFTER_SECONDS))
    with transaction.atomic():
        owed = Delivery.objects.filter(lost | Q(dispatched_at__isnull=True), status=Status.PENDING)
        if connection.vendor == "postgresql":
            owed = owed.select_for_update(skip_locked=True)  # two sweeps at once split the rows
        ids = list(owed.order_by("dispatched_at").values_list("pk", flat=True)[:limit])
        Delivery.objects.filter(pk__in=ids).update(dispatched_at=now)
    return {
        "redispatched": deliveries_dispatch(ids=ids, enqueue=enqueue),
        "owed": len(ids),
        "interrupted": interrupted,
        "reconciled": reconciled,
    }


def delivery_send(*, delivery_id: int, now: dt.datetime | None = None) -> Delivery | None:
    """Compose, claim and send one owed delivery; mark it sent, skipped or failed. None if not owed (any
    more): it was sent, or another sender has it."""
    from core.emails import compose_delivery

    now = now or timezone.now()
    delivery = (
        Delivery.objects.select_related("membership__team", "membership__user", "user")
        .filter(pk=delivery_id, status=Status.PENDING)
        .first()
    )
    if delivery is None:
        return None
    if _too_late(delivery, now=now):
        return _close(delivery, status=Status.SKIPPED, error=_late_reason(delivery, now=now))
    message = compose_delivery(delivery=delivery, now=now)
    if message is None:
        return _close(delivery, status=Status.SKIPPED, error="nothing to send")
    _build_before_the_claim(message)
    if not _claim(delivery, message=message, now=now):
        return None
    try:
        message.send()
    except Exception as error:
        _failed(delivery, error=error)
        raise
    status = getattr(message, "anymail_status", None)
    fields = {"status": Status.SENT, "sent_at": timezone.now(), "error": ""}
    if status and status.message_id:
        fields["provider_message_id"] = str(status.message_id)[:255]
    Delivery.objects.filter(pk=delivery.pk).update(**fields)
    delivery_after_sent(delivery)
    return _refreshed(delivery)


def _build_before_the_claim(message) -> None:
    """Render the MIME message now, so that between the claim and the hand-over to the ESP only I/O is
    left: a sender killed in that gap is the one case sent at most once (``interrupted``), so it is kept
    as short as it can be. SMTP and file backends send what ``message()`` returns; API backends (anymail)
    read the message's fields instead, which this leaves untouched."""
    built = message.message()
    message.message = lambda: built


def _claim(delivery: Delivery, *, message, now: dt.datetime) -> bool:
    """pending → sending, compare-and-set: exactly one sender wins."""
    return bool(
        Delivery.objects.filter(pk=delivery.pk, status=Status.PENDING).update(
            status=Status.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
            to_email=message.to[0][:254],
            subject=message.subject[:255],
            # Known before the ESP answers, so an interrupted send can still be traced by support.
            provider_message_id=(message.extra_headers.get("Message-ID") or "")[:255],
        )
    )


def _failed(delivery: Delivery, *, error: Exception) -> None:
    """The ESP refused or could not be reached: owed again (the sweeper retries) until the last attempt."""
    attempts = Delivery.objects.values_list("attempts", flat=True).get(pk=delivery.pk)
    final = attempts >= settings.DELIVERY_MAX_ATTEMPTS
    Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
        status=Status.FAILED if final else Status.PENDING,
        dispatched_at=timezone.now(),
        error=f"{type(error).__name__}: {error}"[:2000],
    )


def _close(delivery: Delivery, *, status: str, error: str) -> Delivery | None:
    if not Delivery.objects.filter(pk=delivery.pk, status=Status.PENDING).update(status=status, error=error):
        return None
    return _refreshed(delivery)


def _refreshed(delivery: Delivery) -> Delivery:
    delivery.refresh_from_db()
    return delivery


def delivery_after_sent(delivery: Delivery) -> None:
    """What a sent email changes besides its row (an invitation's sent time), whoever learnt it was sent."""
    if delivery.kind == Delivery.Kind.INVITATION:
        from core.models import Invitation

        Invitation.objects.filter(pk=delivery.payload.get("invitation")).update(sent_at=timezone.now())


def delivery_owe(*, kind: str, to_email: str, user=None, payload: dict | None = None) -> Delivery:
    """Owe one transactional email (invitation, verification, password reset…) and send it after commit,
    in this process; if that send never happens or fails, the sweeper sends it."""
    delivery = Delivery.objects.create(
        kind=kind, user=user, to_email=to_email, payload=payload or {}, dispatched_at=timezone.now()
    )
    # robust: the row is owed either way; a broker or ESP failure never turns the request into a 500.
    transaction.on_commit(lambda: _send_here(delivery.pk), robust=True)
    return delivery


def _send_here(delivery_id: int) -> None:
    try:
        delivery_send(delivery_id=delivery_id)
    except Exception:
        log.exception("sending delivery %s failed; the sweeper retries it", delivery_id)


_UNDELIVERED = {"bounced", "rejected", "failed"}
# anymail's event types that prove the ESP took the message.
_TAKEN = {"queued", "sent", "deferred", "delivered", "autoresponded", "opened", "clicked", "complained", "unsubscribed"}


def delivery_track(*, provider_message_id: str, event_type: str, description: str = "", at=None) -> int:
    """Record an ESP tracking event on the delivery it is about; a bounce turns "sent" into "failed", and
    any sign that the ESP took it settles a send whose sender died mid-send as "sent"."""
    if not provider_message_id:
        return 0
    at = at or timezone.now()
    rows = Delivery.objects.filter(provider_message_id=provider_message_id)
    fields = {"esp_event": event_type[:32], "esp_event_at": at}
    if event_type in _UNDELIVERED:
        fields.update(status=Status.FAILED, error=f"{event_type}: {description}"[:2000])
    elif event_type in _TAKEN:
        rows.filter(status__in=[Status.SENDING, Status.INTERRUPTED]).update(
            status=Status.SENT,
            sent_at=at,
            error="",
            provider_answer=Delivery.ProviderAnswer.ACCEPTED,
            provider_check_after=None,
        )
    return rows.update(**fields)


def delivery_owed_before_the_outbox(*, membership_id: int, kind: str, local_date: str) -> int | None:
    """A send message queued before deliveries were owed up front: the row it stands for (owed now if the
    old sender never wrote one). Lets a deploy drain the old messages; remove once none can be left."""
    membership = Membership.objects.select_related("user").filter(pk=membership_id).first()
    if membership is None:
        return None
    delivery, _ = Delivery.objects.get_or_create(
        membership=membership,
        kind=kind,
        local_date=dt.date.fromisoformat(local_date),
        resend_of=None,  # the automatic send's row, never a resend of the same day
        defaults={"user_id": membership.user_id, "to_email": membership.user.email, "dispatched_at": timezone.now()},
    )
    return delivery.pk
