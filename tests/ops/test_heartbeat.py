"""The heartbeat's pool gauge: saturation between two heartbeats from psycopg_pool's cumulative counters."""

from ops.runtime.heartbeat import PoolGauge


def _stats(queued: int, wait_ms: int, errors: int) -> dict:
    return {"mode": "pool", "requests_queued": queued, "requests_wait_ms": wait_ms, "requests_errors": errors}


def test_it_reports_what_happened_since_the_previous_heartbeat():
    gauge = PoolGauge()
    assert gauge.interval(_stats(5, 100, 0)) == {}  # the first heartbeat has nothing to compare with
    assert gauge.interval(_stats(45, 6100, 3)) == {"waited": 40, "wait_ms": 6000, "turned_away": 3}
    assert gauge.interval(_stats(45, 6100, 3)) == {"waited": 0, "wait_ms": 0, "turned_away": 0}


def test_it_counts_from_zero_when_the_pool_was_recreated():
    gauge = PoolGauge()
    gauge.interval(_stats(500, 9000, 10))
    assert gauge.interval(_stats(4, 20, 1)) == {"waited": 4, "wait_ms": 20, "turned_away": 1}


def test_it_says_nothing_for_a_process_without_a_pool():
    gauge = PoolGauge()
    gauge.interval({"mode": "per-thread"})
    assert gauge.interval({"mode": "per-thread"}) == {}
