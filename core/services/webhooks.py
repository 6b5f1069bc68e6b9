"""Outgoing webhooks: every write about what is sent to hooks (their deliveries), as emails go out (deliveries.py).

1. **Owe.** An entry created or updated writes one ``pending`` :class:`WebhookDelivery` per hook of its
   team, in the entry's own transaction, with the JSON body frozen then (the hook owner's UTC offset).
2. **Dispatch** after commit: a Celery message per row. A lost message leaves the row ``pending``;
   :func:`webhook_deliveries_sweep` hands it out again after ``WEBHOOK_REDISPATCH_AFTER_SECONDS``.
3. **Claim, then POST.** :func:`webhook_delivery_send` moves the row ``pending`` → ``sending``
   (compare-and-set), checks the target again (SSRF guard, after DNS), POSTs and records the attempt.
   2xx → ``sent``; 410 → the hook is deleted (``gone``); anything else is retried after 10 m, 10 m, 15 m,
   30 m, 1 h, 2 h and 4 h, then ``failed``. A worker killed mid-send leaves ``sending``: the sweeper
   makes it owed again — at least once, since each attempt carries the same ``X-IDT-Delivery``.

Signature: core/webhook_signing.py — ``X-IDT-Signature-Timestamped: t=<send time>,v1=<hex>`` signed afresh on
every attempt, and the original ``X-IDT-Signature: sha256=<hex>``. The hook's secret is encrypted at rest
(core/crypto.py); it is opened here only to sign.

The hooks themselves (add, change, rotate, pause, resume, delete) are core/services/hooks.py.
"""

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.api.serializers import EntrySerializer
from core.crypto import SecretUnreadable, unseal
from core.models import Entry, Hook, WebhookAttempt, WebhookDelivery
from core.selectors.teams import user_in_team
from core.services.dispatch import hand_out
from core.services.hooks import hook_remove
from core.webhook_http import PostResult, post_json
from core.webhook_signing import signature_headers

log = logging.getLogger(__name__)

Enqueue = Callable[[int], object]  # enqueue(delivery_id): hand one owed webhook to a worker
Status = WebhookDelivery.Status
Event = WebhookDelivery.Event


# --- owing and dispatching ------------------------------------------------------------------------


def webhook_body(*, entry: Entry, owner) -> str:
    """The POST body: a JSON array holding the one entry in the API v2 shape (the API's own serializer),
    its timestamps in the hook owner's UTC offset and its links absolute on SITE_URL."""
    context = {"viewer": owner, "base_url": settings.SITE_URL.rstrip("/") + "/"}
    return json.dumps([EntrySerializer(entry, context=context).data], separators=(",", ":"))


def webhook_deliveries_owe(*, entry: Entry, event: str) -> list[int]:
    """Owe one POST per hook of the entry's team (call inside the transaction that changed the entry);
    they are handed to workers after commit. Hooks whose owner left the team, paused hooks and hooks
    that did not ask for this event get nothing."""
    hooks = [
        hook
        for hook in Hook.objects.filter(
            team_id=entry.team_id, user__memberships__team_id=entry.team_id, paused_at__isnull=True
        ).select_related("user")
        if event in hook.events  # at most WEBHOOK_MAX_PER_TEAM rows; JSON containment differs per database
    ]
    if not hooks:
        return []
    entry = Entry.objects.select_related("team", "author").get(pk=entry.pk)  # updated_at as stored
    now = timezone.now()
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            hook=hook,
            team_id=entry.team_id,
            entry_hash_id=entry.hash_id,
            target_url=hook.target_url,
            event=event,
            body=webhook_body(entry=entry, owner=hook.user),
            created_at=now,
            next_attempt_at=now,
            dispatched_at=now,
        )
        for hook in hooks
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: webhook_deliveries_dispatch(ids=ids), robust=True)
    return ids


def _default_enqueue() -> Enqueue:
    # core never imports scheduled; the task is found by its stable name.
    from celery import current_app

    def enqueue(delivery_id: int) -> None:
        # No publish retries: this runs in the request that saved the entry, and a broker that is down
        # must not hold it up; the row stays owed and the sweeper hands it out.
        current_app.send_task(
            "scheduled.send_webhook", kwargs={"delivery_id": delivery_id}, queue=settings.WEBHOOK_QUEUE, retry=False
        )

    return enqueue


def webhook_deliveries_dispatch(*, ids: Iterable[int], enqueue: Enqueue | None = None) -> int:
    """Hand owed webhooks to workers; the first failure (broker down) stops, the sweeper does the rest."""
    return hand_out(ids, enqueue=enqueue or _default_enqueue(), what="webhooks")


def webhook_deliveries_sweep(*, enqueue: Enqueue | None = None, now: dt.datetime | None = None, limit=1000) -> dict:
    """Owe again the sends whose worker died mid-send; hand out every owed webhook that is due and whose
    message was lost or never sent (a retry's time has come)."""
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.WEBHOOK_CLAIM_TIMEOUT_SECONDS)
    interrupted = 0
    for delivery in WebhookDelivery.objects.filter(status=Status.SENDING, claimed_at__lt=stale):
        why = "interrupted: the worker stopped mid-send; attempted again (same X-IDT-Delivery)"
        if _attempt_failed(delivery, now=now, error=why, code=None, claimed_at=delivery.claimed_at):
            WebhookAttempt.objects.get_or_create(
                delivery=delivery, number=delivery.attempts, defaults={"started_at": delivery.claimed_at, "error": why}
            )
            interrupted += 1
    lost = now - dt.timedelta(seconds=settings.WEBHOOK_REDISPATCH_AFTER_SECONDS)
    with transaction.atomic():
        due = WebhookDelivery.objects.filter(
            Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=F("next_attempt_at")) | Q(dispatched_at__lt=lost),
            status=Status.PENDING,
            next_attempt_at__lte=now,
        )
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True)  # two sweeps at once split the rows
        ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
        WebhookDelivery.objects.filter(pk__in=ids).update(dispatched_at=now)
    handed = webhook_deliveries_dispatch(ids=ids, enqueue=enqueue)
    return {"redispatched": handed, "due": len(ids), "interrupted": interrupted}


# --- sending --------------------------------------------------------------------------------------


def webhook_delivery_send(*, delivery_id: int, now: dt.datetime | None = None) -> WebhookDelivery | None:
    """Claim, POST and record one owed webhook. None when it is not owed (now): already sent, another
    worker has it, or its next attempt is not due yet."""
    now = now or timezone.now()
    delivery = (
        WebhookDelivery.objects.select_related("hook")
        .filter(pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now)
        .first()
    )
    if delivery is None:
        return None
    hook = delivery.hook
    why = _why_not_sent(hook, team_id=delivery.team_id)
    if why:
        WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING).update(
            status=Status.CANCELLED, error=why, finished_at=now
        )
        return _refreshed(delivery)
    claimed = WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    delivery.refresh_from_db(fields=["attempts"])
    result = _post(delivery, hook)
    _record(delivery, started_at=now, result=result)
    code = result.status_code
    if code is not None and 200 <= code < 300:
        WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
            status=Status.SENT, last_response_code=code, error="", finished_at=timezone.now()
        )
    elif code == 410:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(last_response_code=code)
        hook_remove(hook_id=hook.pk, status=Status.GONE, why="410 Gone: the receiver asked us to delete the hook")
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=Status.GONE, error="410 Gone: the hook was deleted", finished_at=timezone.now()
        )
    else:
        error = result.error or f"HTTP {code}"
        _attempt_failed(delivery, now=now, error=error, code=code, claimed_at=now)
    return _refreshed(delivery)


def _why_not_sent(hook: Hook | None, *, team_id: int) -> str:
    if hook is None:
        return "the hook no longer exists"
    if hook.paused_at is not None:
        return "the hook was paused by its owner"
    if not user_in_team(user_id=hook.user_id, team_id=team_id):
        return "the hook's owner is no longer in the team"
    return ""


def _post(delivery: WebhookDelivery, hook: Hook) -> PostResult:
    """One POST, signed now: the timestamp is this attempt's own send time, whatever attempt it is."""
    body = delivery.body.encode()
    try:
        secret = unseal(hook.secret_encrypted)
    except SecretUnreadable:
        # Retried like a refused POST: restoring the key (FIELD_ENCRYPTION_KEYS) lets the next attempt go.
        return PostResult(None, 0, "not sent: the hook's secret cannot be decrypted (was a key removed?)")
    signed = signature_headers(secret=secret, body=body, timestamp=int(timezone.now().timestamp()))
    headers = {
        "Content-Type": "application/json",
        "X-IDT-Event": delivery.event,
        "X-IDT-Delivery": str(delivery.delivery_id),
        **signed,
    }
    return post_json(hook.target_url, body=body, headers=headers)


def _record(delivery: WebhookDelivery, *, started_at: dt.datetime, result) -> None:
    code = result.status_code
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        started_at=started_at,
        duration_ms=result.duration_ms,
        response_code=code,
        ok=code is not None and 200 <= code < 300,
        error=result.error,
    )


def _attempt_failed(
    delivery: WebhookDelivery, *, now: dt.datetime, error: str, code: int | None, claimed_at: dt.datetime
) -> bool:
    """Owed again at the next retry time, or failed after the last one. Compare-and-set on the claim, so
    a sweeper and a slow sender never both decide."""
    delays = settings.WEBHOOK_RETRY_DELAYS_SECONDS
    attempts = WebhookDelivery.objects.values_list("attempts", flat=True).get(pk=delivery.pk)
    rows = WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING, claimed_at=claimed_at)
    common = {"error": error[:2000], "last_response_code": code}
    if attempts > len(delays):
        return bool(rows.update(status=Status.FAILED, finished_at=timezone.now(), **common))
    retry_at = now + dt.timedelta(seconds=delays[attempts - 1])
    return bool(rows.update(status=Status.PENDING, next_attempt_at=retry_at, **common))


def _refreshed(delivery: WebhookDelivery) -> WebhookDelivery:
    delivery.refresh_from_db()
    return delivery


def webhook_redeliver(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Support sends a delivery's body again to its hook: a new row with its own id and every attempt of
    its own, dispatched after commit. The hook must still exist."""
    if delivery.hook_id is None or not Hook.objects.filter(pk=delivery.hook_id).exists():
        raise ValueError("That webhook no longer exists; there is nowhere to redeliver to.")
    hook = Hook.objects.get(pk=delivery.hook_id)
    if hook.paused_at is not None:
        raise ValueError("Its owner paused that webhook; it is sent nothing until they resume it.")
    now = timezone.now()
    with transaction.atomic():
        again = WebhookDelivery.objects.create(
            hook=hook,
            team_id=delivery.team_id,
            entry_hash_id=delivery.entry_hash_id,
            target_url=hook.target_url,
            event=delivery.event,
            body=delivery.body,
            created_at=now,
            next_attempt_at=now,
            dispatched_at=now,
            redelivery_of=delivery,
        )
        transaction.on_commit(lambda: webhook_deliveries_dispatch(ids=[again.pk]), robust=True)
    log.info("webhook delivery %s redelivered as %s by %s", delivery.pk, again.pk, getattr(actor, "pk", None))
    return again


def webhook_deliveries_prune(*, now: dt.datetime | None = None, days: int | None = None, batch: int = 1000) -> int:
    """Forget finished deliveries (and their attempts) past WEBHOOK_RETENTION_DAYS, in small batches; the
    bodies hold entries' text. Owed ones are kept whatever their age."""
    now = now or timezone.now()
    days = days if days is not None else settings.WEBHOOK_RETENTION_DAYS
    old = WebhookDelivery.objects.filter(created_at__lt=now - dt.timedelta(days=days)).exclude(
        status__in=[Status.PENDING, Status.SENDING]
    )
    deleted = 0
    while ids := list(old.order_by("created_at").values_list("pk", flat=True)[:batch]):
        WebhookDelivery.objects.filter(redelivery_of_id__in=ids).update(redelivery_of=None)
        deleted += WebhookDelivery.objects.filter(pk__in=ids).delete()[1].get(WebhookDelivery._meta.label, 0)
    return deleted
