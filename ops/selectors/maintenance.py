"""The app's own maintenance mode: a flag in the database, read cheaply by the middleware."""

import threading
import time

from django.conf import settings
from django.db import DatabaseError

from ops.models import OpsSetting

MAINTENANCE_KEY = "maintenance"
CHECK_EVERY_SECONDS = 2.0  # each process asks the database at most this often

_memo_lock = threading.Lock()
_refreshing = threading.Lock()  # one thread per process asks the database; the others use what we knew
_memo: dict = {"at": 0.0, "state": None}


def maintenance_state(*, fresh: bool = False) -> dict:
    """``{"enabled": bool, "message": str, "retry_after": int, "since": iso, "by": email}``."""
    with _memo_lock:
        known, age = _memo["state"], time.monotonic() - _memo["at"]
    if not fresh and known is not None and age < CHECK_EVERY_SECONDS:
        return known
    if not _refreshing.acquire(blocking=fresh or known is None):
        return known  # another thread is already asking (maybe waiting on a slow database)
    try:
        state = _read(known)
        with _memo_lock:
            _memo.update(at=time.monotonic(), state=state)
        return state
    finally:
        _refreshing.release()


def _read(known: dict | None) -> dict:
    state = {"enabled": False, "message": "", "retry_after": settings.MAINTENANCE_RETRY_AFTER_SECONDS}
    try:
        row = OpsSetting.objects.filter(key=MAINTENANCE_KEY).first()
    except DatabaseError:
        # Keep what we knew (or "off") for the interval: every request must not wait on a dead database.
        return known or {**state, "unknown": True}
    return {**state, **(row.value if row else {})}


def maintenance_forget() -> None:
    """Drop this process's remembered state (after a change, and between tests)."""
    with _memo_lock:
        _memo.update(at=0.0, state=None)
