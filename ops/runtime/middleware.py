"""Measures this web process's traffic for its heartbeat: busy threads, requests and latency."""

import threading
import time
from collections import deque

import csp.middleware

WINDOW_SECONDS = 60


class RequestStats:
    """In-process counters shared by all waitress threads; cheap enough for every request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy = 0
        self._recent: deque[tuple[float, float]] = deque()  # (finished at, duration in ms)
        self.total = 0

    def started(self) -> None:
        with self._lock:
            self._busy += 1

    def finished(self, duration_ms: float) -> None:
        now = time.monotonic()
        with self._lock:
            self._busy -= 1
            self.total += 1
            self._recent.append((now, duration_ms))
            self._forget_before(now - WINDOW_SECONDS)

    def _forget_before(self, cutoff: float) -> None:
        while self._recent and self._recent[0][0] < cutoff:
            self._recent.popleft()

    def snapshot(self) -> dict:
        with self._lock:
            self._forget_before(time.monotonic() - WINDOW_SECONDS)
            durations = sorted(d for _, d in self._recent)
            busy = self._busy
        return {
            "busy_threads": busy,
            "requests_last_minute": len(durations),
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
