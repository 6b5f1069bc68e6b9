"""Interrupted sends, settled by asking the provider: what makes "exactly once" hold when a sender dies
between its claim and the provider's answer.

The sweeper (:func:`core.services.deliveries.deliveries_sweep`) marks a send left ``sending`` past
``DELIVERY_CLAIM_TIMEOUT_SECONDS`` ``interrupted`` and then calls :func:`deliveries_reconcile`, which asks
the provider in ``EMAIL_BACKEND`` (core/esp.py) about the Message-ID stored at the claim:

- **accepted** → ``sent`` (``sent_at`` from the provider when it says);
- **not accepted** (and the provider's settle delay is over) → ``pending`` again, dispatched by the same
  sweep and sent by the claim-first path, so still never twice (or ``failed`` past
  ``DELIVERY_MAX_ATTEMPTS``; ``skipped`` when support already resent it);
- **unknown** (no lookup for this backend, provider down, ambiguous) → stays ``interrupted`` with the
  reason, asked again later (backing off up to an hour), at most ``DELIVERY_PROVIDER_MAX_CHECKS`` times;
  then it is support's.
"""

import datetime as dt
import logging
import time
from collections import Counter

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core.esp import ACCEPTED, NOT_ACCEPTED, UNKNOWN, Answer, Question, lookup_for
from core.models import Delivery
from core.services.deliveries import delivery_after_sent

log = logging.getLogger(__name__)
Status, ProviderAnswer = Delivery.Status, Delivery.ProviderAnswer
LEASE = dt.timedelta(minutes=5)  # a sweep holds the rows it is asking about; a dead sweep's come back


def deliveries_reconcile(*, now: dt.datetime | None = None) -> dict:
    """Ask the provider about every interrupted send whose question is due, within this sweep's bounds."""
    now = now or timezone.now()
    provider = lookup_for(settings.EMAIL_BACKEND)
    rows = _take_due(now=now)
    counts = Counter()
    deadline = time.monotonic() + settings.DELIVERY_PROVIDER_SWEEP_BUDGET_SECONDS
    for index, delivery in enumerate(rows):
        answer = _ask(provider, delivery)
        counts[_settle(delivery, answer=answer, provider=provider, now=now)] += 1
        if answer.provider_down or time.monotonic() > deadline:
            # Asking the others now would only wait on the same outage (or overrun the sweep): next sweep.
            rest = [d.pk for d in rows[index + 1 :]]
            Delivery.objects.filter(pk__in=rest, status=Status.INTERRUPTED).update(provider_check_after=now)
            counts["deferred"] += len(rest)
            break
    return dict(counts)


@transaction.atomic
def _take_due(*, now: dt.datetime) -> list[Delivery]:
    due = Delivery.objects.filter(status=Status.INTERRUPTED, provider_check_after__lte=now)
    if connection.vendor == "postgresql":
        due = due.select_for_update(skip_locked=True)  # two sweeps at once ask about different rows
    rows = list(due.order_by("provider_check_after")[: settings.DELIVERY_PROVIDER_CHECKS_PER_SWEEP])
    Delivery.objects.filter(pk__in=[d.pk for d in rows]).update(provider_check_after=now + LEASE)
    return rows


def _ask(provider, delivery: Delivery) -> Answer:
    if provider is None:
        return Answer(UNKNOWN, f"{settings.EMAIL_BACKEND} cannot be asked whether it took a message")
    if not delivery.provider_message_id or delivery.claimed_at is None:
        return Answer(UNKNOWN, "no Message-ID was recorded at the claim")
    question = Question(delivery.provider_message_id, delivery.to_email, delivery.claimed_at)
    try:
        return provider.ask(question)
    except Exception as error:  # a lookup's bug must not stop the sweep that also re-dispatches owed mail
        log.exception("asking %s about delivery %s failed", provider.name, delivery.pk)
        return Answer(UNKNOWN, f"asking {provider.name} failed ({type(error).__name__}: {error})"[:300])


def _settle(delivery: Delivery, *, answer: Answer, provider, now: dt.datetime) -> str:
    """Apply one answer (compare-and-set: only if nobody moved the row meanwhile); returns the outcome."""
    if answer.verdict == ACCEPTED:
        fields = {"status": Status.SENT, "sent_at": answer.at or now, "error": ""}
        outcome = _update(delivery, ProviderAnswer.ACCEPTED, **fields)
        if outcome:
            delivery_after_sent(delivery)
        return "sent" if outcome else "moved"
    if answer.verdict == NOT_ACCEPTED:
        settled_at = delivery.claimed_at + dt.timedelta(seconds=provider.settle_seconds)
        if now < settled_at:
            # The provider's records lag: "no trace yet" is not "never got it". Ask again once settled,
            # without spending one of the bounded questions.
            error = _interrupted(
                f"{provider.name} has no trace of it yet ({answer.reason}); its records can lag, so asking again "
                f"at {settled_at:%H:%M} UTC"
            )
            changed = _still(delivery).update(
                provider_check_after=settled_at, provider_answer=ProviderAnswer.UNKNOWN, error=error
            )
            return "settling" if changed else "moved"
        return _not_accepted(delivery, reason=f"{provider.name}: {answer.reason}")
    return _unknown(delivery, reason=answer.reason, now=now)


def _not_accepted(delivery: Delivery, *, reason: str) -> str:
    if Delivery.objects.filter(resend_of=delivery).exists():
        fields = {"status": Status.SKIPPED, "error": f"never sent ({reason}); support's resend replaced it"}
        return "skipped" if _update(delivery, ProviderAnswer.NOT_ACCEPTED, **fields) else "moved"
    if delivery.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        fields = {"status": Status.FAILED, "error": f"interrupted on its last attempt and never sent ({reason})"}
        return "failed" if _update(delivery, ProviderAnswer.NOT_ACCEPTED, **fields) else "moved"
    # Owed again, dispatched by this very sweep (no dispatch time) and sent claim-first as ever.
    fields = {
        "status": Status.PENDING,
        "dispatched_at": None,
        "error": f"interrupted mid-send and never sent ({reason}): owed again",
    }
    return "owed_again" if _update(delivery, ProviderAnswer.NOT_ACCEPTED, **fields) else "moved"


def _unknown(delivery: Delivery, *, reason: str, now: dt.datetime) -> str:
    checks, limit = delivery.provider_checks + 1, settings.DELIVERY_PROVIDER_MAX_CHECKS
    if checks >= limit:
        error = _interrupted(f"the provider could not tell after {checks} questions ({reason}); left to support")
        next_at = None
    else:
        next_at = now + dt.timedelta(seconds=min(60 * 2 ** (checks - 1), 3600))
        error = _interrupted(
            f"the provider cannot tell yet ({reason}); asking again at {next_at:%H:%M} UTC, {checks} of {limit}"
        )
    changed = _still(delivery).update(
        provider_checks=F("provider_checks") + 1,
        provider_answer=ProviderAnswer.UNKNOWN,
        provider_check_after=next_at,
        error=error[:2000],
    )
    return ("gave_up" if next_at is None else "unknown") if changed else "moved"


def _interrupted(reason: str) -> str:
    return f"interrupted between its claim and the provider's answer: {reason}"


def _still(delivery: Delivery):
    """The row as this sweep read it: still interrupted and asked no more often since."""
    return Delivery.objects.filter(pk=delivery.pk, status=Status.INTERRUPTED, provider_checks=delivery.provider_checks)


def _update(delivery: Delivery, answer: str, **fields) -> bool:
    fields["error"] = fields["error"][:2000]
    return bool(
        _still(delivery).update(
            provider_checks=F("provider_checks") + 1, provider_answer=answer, provider_check_after=None, **fields
        )
    )
