"""Handing owed work to the workers: one rule for every outbox (emails, inbound parses, webhooks, Slack).

Each outbox owes its work in the database first, so a dispatch is only a nudge: the first failure (broker
down) stops the loop, because the next enqueue would fail the same way, and the rows stay owed for that
outbox's sweeper to hand out once the broker is back.
"""

import logging
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)


def hand_out(ids: Iterable[int], *, enqueue: Callable[[int], object], what: str) -> int:
    """Enqueue each id in turn until the first failure; return how many were handed to the broker."""
    ids = list(ids)
    handed = 0
    for pk in ids:
        try:
            enqueue(pk)
        except Exception as error:
            log.warning(
                "dispatching %s failed (%s: %s); %d left for the sweeper",
                what,
                type(error).__name__,
                error,
                len(ids) - handed,
            )
            break
        handed += 1
    return handed
