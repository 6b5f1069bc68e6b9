"""What runs against what should run: heartbeats beside the expected formation, with warnings."""

from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from ops import heroku
from ops.models import Heartbeat
from ops.selectors.formation import formation_stored

LIVE = (Heartbeat.State.UP, Heartbeat.State.STALE)
HEROKU_HEALTHY_STATES = ("up", "starting")  # others: crashed, down, idle


@dataclass
class DynoWarning:
    level: str  # "red" or "amber"
    text: str


@dataclass
class DynoOverview:
    processes: list[Heartbeat]
    expected: dict[str, int]
    expected_source: str
    observed: dict[str, int]
    warnings: list[DynoWarning] = field(default_factory=list)
    heroku_dynos: list[dict] | None = None
    heroku_error: str = ""

    @property
    def up(self) -> int:
        return sum(self.observed.values())

    @property
    def expected_total(self) -> int:
        return sum(self.expected.values())

    @property
    def formation_rows(self) -> list[tuple[str, int, int]]:
        """(process type, expected, up) for every expected type, then any unexpected one."""
        kinds = list(self.expected) + sorted(set(self.observed) - set(self.expected))
        return [(kind, self.expected.get(kind, 0), self.observed.get(kind, 0)) for kind in kinds]

    @property
    def from_heroku(self) -> bool:
        return self.heroku_dynos is not None


def _annotate(process: Heartbeat, now) -> Heartbeat:
    process.uptime = now - process.started_at if process.state in LIVE else None
    process.memory_mb = round(process.rss_bytes / 2**20) if process.rss_bytes else None
    process.pool = dict((process.stats or {}).get("pool", {}))
    if process.pool.get("mode") == "pool":
        process.pool["in_use"] = (process.pool.get("pool_size") or 0) - (process.pool.get("pool_available") or 0)
        interval = process.pool.get("interval") or {}
        waited = interval.get("waited") or 0
        process.pool["mean_wait_ms"] = round(interval.get("wait_ms", 0) / waited) if waited else None
    process.active_tasks = (process.stats or {}).get("active_tasks", [])
    return process


def _expected_formation() -> tuple[dict[str, int], str, list[dict] | None, str]:
    if not heroku.heroku_connected():
        return formation_stored(), "Procfile + portal setting", None, ""
    try:
        formation = {f["type"]: int(f["quantity"]) for f in heroku.formation_list() if f["type"] != "release"}
        return formation, "Heroku formation", heroku.dyno_list(), ""
    except heroku.HerokuError as error:
        return formation_stored(), "Procfile + portal setting (Heroku unreachable)", None, str(error)


def dyno_overview() -> DynoOverview:
    now = timezone.now()
    processes = [_annotate(p, now) for p in Heartbeat.objects.all()]
    expected, source, heroku_dynos, heroku_error = _expected_formation()
    observed = Counter(p.process_type for p in processes if p.state == Heartbeat.State.UP)
    overview = DynoOverview(
        processes, expected, source, dict(observed), heroku_dynos=heroku_dynos, heroku_error=heroku_error
    )
    warnings = dyno_warnings(processes, expected, observed)
    if heroku_error:
        warnings.append(DynoWarning("amber", f"Heroku's view is unavailable: {heroku_error}"))
    for dyno in heroku_dynos or []:
        if dyno.get("state") not in HEROKU_HEALTHY_STATES:
            warnings.append(DynoWarning("red", f"Heroku reports {dyno.get('name')} as {dyno.get('state')}."))
    overview.warnings = sorted(warnings, key=lambda w: w.level != "red")  # red first, order kept within
    return overview


def dyno_warnings(processes: list[Heartbeat], expected: dict[str, int], observed: Counter) -> list[DynoWarning]:
    warnings = []
    for kind, count in expected.items():
        if observed[kind] < count:
            warnings.append(DynoWarning("red", f"Missing: {count - observed[kind]} {kind} of {count} expected not up."))
    for kind, count in observed.items():
        if count > expected.get(kind, 0):
            warnings.append(DynoWarning("amber", f"Unexpected: {count} {kind} up, {expected.get(kind, 0)} expected."))
    beats = [p.dyno for p in processes if p.process_type == "beat" and p.state in LIVE]
    if len(beats) > 1:
        warnings.append(DynoWarning("red", f"More than one beat ({', '.join(beats)}): every schedule is sent twice."))
    limit = settings.DYNO_MEMORY_MB
    for p in processes:
        if p.state == Heartbeat.State.STALE:
            warnings.append(DynoWarning("amber", f"{p.dyno} is stale: last seen {p.last_seen:%H:%M:%S} UTC."))
        if p.state != Heartbeat.State.UP:
            continue
        if p.process_type == "web" and p.threads and (p.busy_threads or 0) >= p.threads:
            warnings.append(DynoWarning("red", f"{p.dyno}: all {p.threads} threads busy, requests are queueing."))
        warnings += _pool_warnings(p)
        if p.memory_mb and p.memory_mb > limit:
            warnings.append(DynoWarning("red", f"{p.dyno} uses {p.memory_mb} MiB, over the dyno's {limit} MiB."))
    return warnings


def _pool_warnings(p: Heartbeat) -> list[DynoWarning]:
    """Saturation of a process's connection pool, from its last heartbeat (before it bites, and when it does)."""
    if p.pool.get("mode") != "pool":
        return []
    interval = p.pool.get("interval") or {}
    turned_away, waiting = interval.get("turned_away") or 0, p.pool.get("requests_waiting") or 0
    if turned_away:
        return [
            DynoWarning(
                "red",
                f"{p.dyno}: {turned_away} requests found no pooled connection in time and were answered 503 "
                "(overloaded): add web dynos, or raise DB_POOL_MAX_SIZE if the connection budget allows.",
            )
        ]
    if waiting or (interval.get("waited") or 0):
        return [
            DynoWarning(
                "amber",
                f"{p.dyno}: its connection pool is saturated: {waiting} waiting now, "
                f"{interval.get('waited') or 0} queued for a connection since the last heartbeat.",
            )
        ]
    return []
