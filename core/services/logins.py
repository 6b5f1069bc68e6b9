"""Writes for the login throttle: record a failure, clear after a success, unlock (support), prune.

The state is in the database, not the cache: a throttle that failed open while the cache was down
would be an open window for password guessing exactly when nobody is looking, and login needs the
database anyway (the user, the session), so this adds no dependency. A failure costs one small
locked upsert; a refused try while locked costs one indexed read.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.models import LoginFailure

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)  # failures further apart than this start counting again
LOCKOUT = dt.timedelta(minutes=15)


def normalize_login(email: str) -> str:
    return (email or "").strip().lower()[:254]


@transaction.atomic
def login_failure_record(*, email: str, address: str, now: dt.datetime | None = None) -> LoginFailure:
    """Count one failed login for (email, address); the MAX_FAILURES-th within WINDOW locks for LOCKOUT."""
    now = now or timezone.now()
    row, _ = LoginFailure.objects.select_for_update().get_or_create(
        email=normalize_login(email), address=address[:45], defaults={"first_failed_at": now, "last_failed_at": now}
    )
    if row.last_failed_at < now - WINDOW or (row.locked_until and row.locked_until <= now):
        row.failures, row.first_failed_at, row.locked_until = 0, now, None  # a new window
    row.failures += 1
    row.last_failed_at = now
    if row.failures >= MAX_FAILURES:
        row.locked_until = now + LOCKOUT
    row.save(update_fields=["failures", "first_failed_at", "last_failed_at", "locked_until"])
    return row


def login_success_record(*, email: str, address: str) -> int:
    """A successful login forgets that pair's earlier typos (never a lockout: a locked pair never gets here)."""
    return LoginFailure.objects.filter(
        email=normalize_login(email), address=address[:45], locked_until__isnull=True
    ).delete()[0]


def login_unlock(*, actor, email: str, now: dt.datetime | None = None) -> int:
    """Support lifts every lockout and failure count of one account name; returns the pairs unlocked.

    The rows stay (with who unlocked them and when) so the history is there for the next question.
    """
    now = now or timezone.now()
    return LoginFailure.objects.filter(email=normalize_login(email), failures__gt=0).update(
        failures=0, locked_until=None, unlocked_at=now, unlocked_by=actor
    )


def login_failures_prune(*, before: dt.datetime, batch: int = 1000) -> int:
    """Forget pairs idle since ``before`` (sprayed account names would otherwise pile up)."""
    deleted = 0
    while ids := list(LoginFailure.objects.filter(last_failed_at__lt=before).values_list("pk", flat=True)[:batch]):
        deleted += LoginFailure.objects.filter(pk__in=ids).delete()[0]
    return deleted
