"""Run the same action in several threads released at once: the exactly-once drills use it."""

import threading
from collections.abc import Callable

from django.db import connection


def run_at_once(action: Callable[[], object], *, times: int, timeout: float = 30) -> list:
    """Call ``action`` from ``times`` threads started together; return their results.

    Each thread has its own database connection (closed afterwards). An exception in any thread
    fails the caller's test: a thread's exception is otherwise lost.
    """
    barrier = threading.Barrier(times)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(action())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert errors == []
    return results
