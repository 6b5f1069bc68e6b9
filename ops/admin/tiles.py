"""The dashboard's tiles: each a small function returning a ``Tile``, registered with ``@tile``.

A tile is shown only to staff holding its permission; a tile that raises is shown red with the
error instead of breaking the dashboard. To add one: write a function in this module (or in one that
``ops.admin`` imports) and decorate it::

    @tile(order=70, permission="ops.view_task_details")
    def retries(request) -> Tile:
        n = ...
        return Tile("Retries", str(n), GREEN if n == 0 else AMBER, url=reverse("admin:ops_tasks"))
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

from ops.models import Heartbeat
from ops.roles import has_ops_permission

GREEN, AMBER, RED, GREY = "green", "amber", "red", "grey"


@dataclass
class Tile:
    title: str
    value: str
    status: str
    detail: str = ""
    url: str = ""
    key: str = field(default="")


@dataclass(frozen=True)
class _Registered:
    order: int
    key: str
    permission: str
    function: Callable


_TILES: dict[str, _Registered] = {}


def tile(*, order: int, permission: str = "ops.view_dashboard"):
    def register(function):
        _TILES[function.__name__] = _Registered(order, function.__name__, permission, function)
        return function

    return register


def tiles_for(request) -> list[Tile]:
    shown = []
    for entry in sorted(_TILES.values(), key=lambda e: e.order):
        if not has_ops_permission(request.user, entry.permission):
            continue
        try:
            result = entry.function(request)
        except Exception as error:  # one broken source must not hide the others
            result = Tile(entry.key.replace("_", " ").capitalize(), "?", RED, f"{type(error).__name__}: {error}"[:200])
        result.key = entry.key
        shown.append(result)
    return shown


def _link(request, name: str, permission: str) -> str:
    return reverse(name) if has_ops_permission(request.user, permission) else ""


def _dyno_overview(request):
    """One look at the formation per dashboard view (it may ask Heroku), shared by the tiles."""
    from ops.selectors.dynos import dyno_overview

    if not hasattr(request, "_ops_dyno_overview"):
        request._ops_dyno_overview = dyno_overview()
    return request._ops_dyno_overview


@tile(order=10)
def dynos(request) -> Tile:
    overview = _dyno_overview(request)
    reds = [w for w in overview.warnings if w.level == RED]
    status = RED if reds else AMBER if overview.warnings else GREEN
    detail = (overview.warnings[0].text if overview.warnings else "Formation as expected")
    return Tile("Dynos up", f"{overview.up} / {overview.expected_total}", status, detail,
                _link(request, "admin:ops_dynos", "ops.view_dynos"))


@tile(order=20)
def beat(request) -> Tile:
    live = (Heartbeat.State.UP, Heartbeat.State.STALE)
    beats = [p for p in _dyno_overview(request).processes if p.process_type == "beat" and p.state in live]
    up = [b for b in beats if b.state == Heartbeat.State.UP]
    if len(beats) > 1:
        status, value, detail = RED, f"{len(beats)} beats", "More than one beat: schedules run twice"
    elif up:
        status, value, detail = GREEN, "alive", f"{up[0].dyno}, seen {up[0].last_seen:%H:%M:%S} UTC"
    elif beats:
        status, value, detail = AMBER, "stale", f"{beats[0].dyno} last seen {beats[0].last_seen:%H:%M:%S} UTC"
    else:
        status, value, detail = RED, "not seen", "No beat heartbeat: nothing scheduled is sent"
    return Tile("Beat", value, status, detail, _link(request, "admin:ops_dynos", "ops.view_dynos"))


@tile(order=30)
def workers(request) -> Tile:
    overview = _dyno_overview(request)
    seen = [p for p in overview.processes if p.process_type == "worker" and p.state == Heartbeat.State.UP]
    expected = overview.expected.get("worker", 0)
    status = GREEN if len(seen) >= expected and seen else AMBER if seen else RED
    busy = sum(w.busy_threads or 0 for w in seen)
    detail = f"{busy} task{'s' if busy != 1 else ''} running now"
    return Tile("Workers seen", f"{len(seen)} / {expected}", status, detail,
                _link(request, "admin:ops_dynos", "ops.view_dynos"))


QUEUE_AMBER, QUEUE_RED = 100, 1000


@tile(order=40)
def queue_depth(request) -> Tile:
    from ops.selectors.tasks import queue_depths

    depths = queue_depths()
    total = sum(depths.values())
    status = GREEN if total < QUEUE_AMBER else AMBER if total < QUEUE_RED else RED
    detail = ", ".join(f"{q}: {n}" for q, n in depths.items())
    return Tile("Queue depth", str(total), status, detail,
                _link(request, "admin:ops_celery", "django_celery_results.view_taskresult"))


@tile(order=50)
def failed_tasks(request) -> Tile:
    from ops.selectors.tasks import FAILED_COUNT_CAP, failed_task_count

    failed = failed_task_count()
    value = f"{failed}+" if failed >= FAILED_COUNT_CAP else str(failed)
    status = GREEN if failed == 0 else AMBER if failed < 10 else RED
    return Tile("Failed tasks (1 h)", value, status, "from stored task results",
                _link(request, "admin:django_celery_results_taskresult_changelist",
                      "django_celery_results.view_taskresult"))


@tile(order=60)
def database_connections(request) -> Tile:
    from django.db import connection

    from ops.selectors.database import connection_counts

    url = _link(request, "admin:ops_database", "ops.view_database")
    if connection.vendor != "postgresql":
        return Tile("DB connections", "embedded", GREEN, "SQLite: no connection limit", url)
    used, max_connections, reserved = connection_counts()
    allowed = max_connections - reserved
    share = used / allowed if allowed > 0 else 1
    status = GREEN if share < 0.7 else AMBER if share < 0.9 else RED
    return Tile("DB connections", f"{used} / {allowed}", status, f"max_connections {max_connections}, "
                f"{reserved} reserved", url)
