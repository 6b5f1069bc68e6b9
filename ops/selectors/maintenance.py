"""The app's own maintenance mode: a flag in the database, read cheaply by the middleware."""

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection

from ops.models import OpsSetting

logger = logging.getLogger(__name__)

MAINTENANCE_KEY = "maintenance"
CHECK_EVERY_SECONDS = 2.0  # each process asks the database at most this often


@dataclass(frozen=True)
class _Memo:
    at: float
    state: dict | None
    generation: int  # forgetting bumps it


# What this process knows, replaced whole and never changed: every request reads it (one reference, no
# lock — a lock every request takes is where a loaded process's threads queued up behind one another);
# only the writers below take the lock, among themselves.
_memo = _Memo(at=0.0, state=None, generation=0)
_memo_lock = threading.Lock()
_refreshing = threading.Lock()  # one thread per process asks the database; the others use what we knew


def maintenance_state(*, fresh: bool = False) -> dict:
    """``{"enabled": bool, "message": str, "retry_after": int, "since": iso, "by": email}``."""
    memo = _memo
    known, age = memo.state, time.monotonic() - memo.at
    if not fresh and known is not None and age < CHECK_EVERY_SECONDS:
        return known
    if fresh or known is None:
        with _refreshing:
            return _refresh(known)
    # Stale: one background thread asks the database; requests go on with what we knew. A request
    # never waits on the flag, so a dead database costs it one wait (its own query), not two.
    if _refreshing.acquire(blocking=False):
        threading.Thread(target=_refresh_in_background, args=(known,), daemon=True).start()
    return known


def _refresh(known: dict | None) -> dict:
    global _memo
    generation = _memo.generation
    state = _read(known)
    with _memo_lock:
        if _memo.generation == generation:  # a read that began before a change must not undo it
            _memo = _Memo(at=time.monotonic(), state=state, generation=generation)
    return state


def _refresh_in_background(known: dict) -> None:
    try:
        _refresh(known)
    except Exception:  # keep what we knew; the next stale read tries again
        logger.warning("could not refresh the maintenance flag", exc_info=True)
    finally:
        _refreshing.release()
        connection.close()  # this thread's connection goes back to the pool


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
    global _memo
    with _memo_lock:
        _memo = _Memo(at=0.0, state=None, generation=_memo.generation + 1)
