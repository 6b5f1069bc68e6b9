"""Reads for the login throttle: is this try refused, and what support sees about one account name."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from core.models import LoginFailure
from core.services.logins import normalize_login


def login_is_locked(*, email: str, address: str, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return LoginFailure.objects.filter(
        email=normalize_login(email), address=address[:45], locked_until__gt=now
    ).exists()


@dataclass
class LoginLockout:
    address: str
    failures: int
    last_failed_at: dt.datetime
    locked_until: dt.datetime | None
    unlocked_at: dt.datetime | None
    unlocked_by: str | None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


def login_lockout_state(*, email: str, limit: int = 50) -> list[LoginLockout]:
    """Every address that failed to log in as ``email`` lately, most recent first (one query)."""
    rows = (
        LoginFailure.objects.filter(email=normalize_login(email))
        .select_related("unlocked_by")
        .order_by("-last_failed_at")[:limit]
    )
    return [
        LoginLockout(
            address=row.address,
            failures=row.failures,
            last_failed_at=row.last_failed_at,
            locked_until=row.locked_until,
            unlocked_at=row.unlocked_at,
            unlocked_by=row.unlocked_by.email if row.unlocked_by else None,
        )
        for row in rows
    ]
