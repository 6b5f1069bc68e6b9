"""A web process's traffic figures for its heartbeat, written by every request without a lock, and the
maintenance flag, read by every request without one: exact counts from many threads at once, the last
minute's window and percentiles, busy threads, and no request waiting on a lock held elsewhere."""

import threading

import pytest

from ops.runtime import middleware
from ops.runtime.middleware import RequestStats
from ops.selectors import maintenance
from ops.selectors.maintenance import maintenance_forget, maintenance_state


def test_it_counts_every_request_of_many_threads_at_once():
    stats = RequestStats()
    go = threading.Barrier(8)

    def serve(n: int) -> None:
        go.wait()
        for i in range(2000):
            stats.started()
            stats.finished(float((n * 2000 + i) % 100))

    threads = [threading.Thread(target=serve, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    figures = stats.snapshot()
    assert figures["requests_total"] == figures["requests_last_minute"] == 16_000
    assert figures["busy_threads"] == 0
    assert 45 <= figures["p50_ms"] <= 55 and 90 <= figures["p95_ms"] <= 99


def test_it_keeps_the_last_minute_and_the_total(monkeypatch):
    stats, now = RequestStats(), [1000.0]
    monkeypatch.setattr(middleware.time, "monotonic", lambda: now[0])
    for ms in (10.0, 20.0, 30.0):
        stats.started()
        stats.finished(ms)
    now[0] += 30
    stats.started()
    stats.finished(500.0)
    assert stats.snapshot() == {
        "busy_threads": 0,
        "requests_last_minute": 4,
        "p50_ms": 30.0,
        "p95_ms": 500.0,
        "requests_total": 4,
    }
    now[0] += 40  # the first three are older than a minute now
    figures = stats.snapshot()
    assert (figures["requests_last_minute"], figures["p50_ms"], figures["requests_total"]) == (1, 500.0, 4)
    now[0] += 61
    assert stats.snapshot()["requests_last_minute"] == 0 and stats.snapshot()["p50_ms"] is None


def test_a_request_in_progress_is_a_busy_thread():
    stats, inside, leave = RequestStats(), threading.Event(), threading.Event()

    def serve() -> None:
        stats.started()
        inside.set()
        leave.wait(10)
        stats.finished(1.0)

    thread = threading.Thread(target=serve)
    thread.start()
    inside.wait(10)
    assert stats.snapshot()["busy_threads"] == 1
    leave.set()
    thread.join()
    assert stats.snapshot()["busy_threads"] == 0


def test_latency_is_of_the_most_recent_requests_at_most_a_sample(monkeypatch):
    monkeypatch.setattr(middleware, "LATENCY_SAMPLE", 100)
    stats = RequestStats()
    for ms in [1000.0] * 500 + [1.0] * 100:
        stats.started()
        stats.finished(ms)
    figures = stats.snapshot()
    assert figures["p95_ms"] == 1.0 and figures["requests_last_minute"] == 600


@pytest.mark.django_db
def test_reading_the_maintenance_flag_never_waits_on_its_lock():
    maintenance_forget()
    known = maintenance_state()  # read from the database once
    answered = []
    with maintenance._memo_lock:  # a writer holds it (a refresh, a change)
        reader = threading.Thread(target=lambda: answered.append(maintenance_state()))
        reader.start()
        reader.join(5)
    assert answered == [known]


@pytest.mark.django_db
def test_a_refresh_that_began_before_a_change_does_not_undo_it(monkeypatch):
    maintenance_forget()
    maintenance_state()
    began = maintenance._memo.generation

    def read_then_change(known):
        maintenance_forget()  # the flag changed while this read was on its way
        return {"enabled": True, "message": "stale", "retry_after": 1}

    monkeypatch.setattr(maintenance, "_read", read_then_change)
    maintenance._refresh(None)
    assert maintenance._memo.generation == began + 1 and maintenance._memo.state is None
