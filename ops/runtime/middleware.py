"""Measures this web process's traffic for its heartbeat: busy threads, requests and latency."""

import threading
import time
from collections import deque

import csp.middleware

WINDOW_SECONDS = 60
# Latency percentiles are of the most recent requests in the window, at most this many (a sort of a few
# thousand numbers per heartbeat instead of a minute of traffic).
LATENCY_SAMPLE = 4096
# A cap on what a process without a heartbeat (a shell, a test) keeps of its requests' finish times.
FINISHED_KEPT = 500_000


class RequestStats:
    """In-process counters shared by all waitress threads, written without a lock.

    Every request passes here twice, so a lock here is a lock every request takes: under load, a thread
    holding it would now and then lose the GIL mid-way, the others would queue on the lock, and the
    process fell into a convoy it did not leave while the load lasted (measured: the hello view went from
    ~0.7 to 2–3.6 ms of CPU per request and 60–80 context switches each, in one 8-second run out of two or
    three). So each write is one operation CPython makes atomic — a dictionary item set or removed, a
    deque append — and only the heartbeat's ``snapshot`` (one thread) trims and reads."""

    def __init__(self) -> None:
        self._busy: dict[int, float] = {}  # thread → when its request started
        self._totals: dict[int, int] = {}  # thread → requests it finished (only that thread writes its item)
        self._finished_at: deque[float] = deque(maxlen=FINISHED_KEPT)
        self._latency: deque[tuple[float, float]] = deque(maxlen=LATENCY_SAMPLE)  # (finished at, ms)

    def started(self) -> None:
        self._busy[threading.get_ident()] = time.monotonic()

    def finished(self, duration_ms: float) -> None:
        now, thread = time.monotonic(), threading.get_ident()
        self._busy.pop(thread, None)
        self._totals[thread] = self._totals.get(thread, 0) + 1
        self._finished_at.append(now)
        self._latency.append((now, duration_ms))

    @property
    def total(self) -> int:
        return sum(list(self._totals.values()))

    def snapshot(self) -> dict:
        """The figures of the last minute. Called by one thread at a time (the heartbeat's)."""
        cutoff = time.monotonic() - WINDOW_SECONDS
        finished = self._finished_at
        while finished and finished[0] < cutoff:  # the only place that removes: appends go on meanwhile
            finished.popleft()
        durations = sorted(ms for at, ms in list(self._latency) if at >= cutoff)
        return {
            "busy_threads": len(self._busy),
            "requests_last_minute": len(finished),
            "p50_ms": _percentile(durations, 50),
            "p95_ms": _percentile(durations, 95),
            "requests_total": self.total,
        }


def _percentile(ordered: list[float], pct: int) -> float | None:
    if not ordered:
        return None
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return round(ordered[index], 1)


request_stats = RequestStats()


class RequestStatsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_stats.started()
        started = time.perf_counter()
        try:
            return self.get_response(request)
        finally:
            request_stats.finished((time.perf_counter() - started) * 1000)


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's, except that a response exempt from the site's policies (``csp_exempt()``: the inbound
    email webhook, whose answers only a mail provider reads) skips building them: django-csp builds every
    policy first and looks at the exemption after, about a tenth of a millisecond per response."""

    def process_response(self, request, response):
        from django.conf import settings

        exempt = getattr(response, "_csp_exempt", False) and (
            getattr(response, "_csp_exempt_ro", False)
            or not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        )
        return response if exempt else super().process_response(request, response)


class MaintenanceMiddleware:
    """While maintenance mode is on, end users get a 503 with ``Retry-After``; the portal and /health don't.

    API and webhook paths answer JSON so their senders retry later; everything else gets a page.
    If the flag cannot be read (database down) requests go through: /health reports the outage.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        if request.path.startswith(tuple(settings.MAINTENANCE_OPEN_PREFIXES)):
            return self.get_response(request)
        state = _maintenance_state_or_none()
        if not state or not state.get("enabled"):
            return self.get_response(request)
        return _maintenance_response(request, state, json_prefixes=tuple(settings.MAINTENANCE_JSON_PREFIXES))


def _maintenance_state_or_none():
    from ops.selectors.maintenance import maintenance_state

    try:
        return maintenance_state()
    except Exception:  # a broken flag must not take the site down with it
        return None


def _maintenance_response(request, state: dict, *, json_prefixes: tuple[str, ...]):
    from django.http import JsonResponse
    from django.template.response import SimpleTemplateResponse

    message = state.get("message") or "iDoneThis is down for maintenance. We'll be right back."
    if request.path.startswith(json_prefixes):
        response = JsonResponse({"error": message, "maintenance": True}, status=503)
    else:
        response = SimpleTemplateResponse("ops/maintenance.html", {"message": message}, status=503).render()
    response["Retry-After"] = str(state.get("retry_after") or 300)
    response["Cache-Control"] = "no-store"
    return response
