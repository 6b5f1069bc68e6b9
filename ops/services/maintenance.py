"""The app's own maintenance mode: a flag in the database, read cheaply by the middleware."""

import threading
import time

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from ops.models import OpsSetting
from ops.services.audit import audited

MAINTENANCE_KEY = "maintenance"
CHECK_EVERY_SECONDS = 2.0  # each process asks the database at most this often

_memo_lock = threading.Lock()
_memo: dict = {"at": 0.0, "state": None}


def maintenance_state(*, fresh: bool = False) -> dict:
    """``{"enabled": bool, "message": str, "retry_after": int, "since": iso, "by": email}``."""
    now = time.monotonic()
    with _memo_lock:
        if not fresh and _memo["state"] is not None and now - _memo["at"] < CHECK_EVERY_SECONDS:
            return _memo["state"]
    state = {"enabled": False, "message": "", "retry_after": settings.MAINTENANCE_RETRY_AFTER_SECONDS}
    try:
        row = OpsSetting.objects.filter(key=MAINTENANCE_KEY).first()
    except DatabaseError:
        # Keep what we knew (or "off") for the interval: every request must not wait on a dead database.
        state = _memo["state"] or {**state, "unknown": True}
    else:
        state.update(row.value if row else {})
    with _memo_lock:
        _memo.update(at=now, state=state)
    return state


def maintenance_forget() -> None:
    """Drop this process's remembered state (after a change, and between tests)."""
    with _memo_lock:
        _memo.update(at=0.0, state=None)


def maintenance_set(*, actor, enabled: bool, message: str = "", retry_after: int | None = None) -> dict:
    value = {
        "enabled": enabled,
        "message": message.strip()[:500],
        "retry_after": retry_after or settings.MAINTENANCE_RETRY_AFTER_SECONDS,
        "since": timezone.now().isoformat(),
        "by": getattr(actor, "email", ""),
    }
    with audited(actor=actor, action="maintenance.on" if enabled else "maintenance.off", target="app",
                 parameters={"message": value["message"], "retry_after": value["retry_after"]}):
        OpsSetting.objects.update_or_create(key=MAINTENANCE_KEY, defaults={"value": value, "updated_by": actor})
    maintenance_forget()
    return value
