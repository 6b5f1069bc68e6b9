"""Beat schedules in plain words, their next run, and whether beat itself is alive."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from ops.models import Heartbeat
from scheduled.schedules import SCHEDULES
from scheduled.sync import CODE_MARK


def is_from_code(task: PeriodicTask) -> bool:
    """Defined in scheduled/schedules.py: the portal may pause and run it, not redefine it."""
    return task.name in SCHEDULES or (task.description or "").startswith(CODE_MARK)


def schedule_in_words(task: PeriodicTask) -> str:
    if task.interval_id:
        period = task.interval.period if task.interval.every != 1 else task.interval.period.rstrip("s")
        return f"every {task.interval.every} {period}"
    if task.crontab_id:
        return task.crontab.human_readable  # cron-descriptor's words, then the time zone
    if task.solar_id:
        return f"at {task.solar.get_event_display().lower()} ({task.solar.latitude}, {task.solar.longitude})"
    if task.clocked_id:
        return f"once at {task.clocked.clocked_time:%Y-%m-%d %H:%M %Z}"
    return "no schedule"


OVERDUE_AFTER = dt.timedelta(seconds=60)  # beat sends what is due within a tick (5 s): later than this, it is not


def next_run(task: PeriodicTask, *, now: dt.datetime | None = None) -> dt.datetime | str:
    """When beat will send it next (a datetime; in the past when overdue), or why it will not (a phrase)."""
    now = now or timezone.now()
    if not task.enabled:
        return "paused"
    if task.one_off and task.total_run_count:
        return "done (one-off)"
    if task.clocked_id:
        return task.clocked.clocked_time
    if task.start_time and task.start_time > now:
        return task.start_time
    try:
        remaining = task.schedule.remaining_estimate(task.last_run_at or now)
    except Exception as error:  # a broken schedule row is shown, not fatal for the page
        return f"unknown ({type(error).__name__})"
    when = now + remaining  # in the past when it was due and nobody sent it (beat is down)
    return (when + dt.timedelta(milliseconds=500)).replace(microsecond=0)  # the estimate is a few µs early


def is_overdue(when: dt.datetime | str, *, now: dt.datetime | None = None) -> bool:
    return isinstance(when, dt.datetime) and when < (now or timezone.now()) - OVERDUE_AFTER


@dataclass
class BeatStatus:
    level: str  # "ok", "amber" or "red"
    text: str


def beat_status(*, now: dt.datetime | None = None) -> BeatStatus:
    """From beat's heartbeats and its last tick (the newest ``last_run_at`` it wrote)."""
    now = now or timezone.now()
    live = [b for b in Heartbeat.objects.filter(process_type="beat") if b.state == Heartbeat.State.UP]
    last_tick = (
        PeriodicTask.objects.exclude(last_run_at=None)
        .order_by("-last_run_at")
        .values_list("last_run_at", flat=True)
        .first()
    )
    tick = (
        f"last schedule sent {timezone.localtime(last_tick):%Y-%m-%d %H:%M:%S %Z}"
        if last_tick
        else "no schedule sent yet"
    )
    if len(live) > 1:
        names = ", ".join(b.dyno for b in live)
        return BeatStatus(
            "red", f"{len(live)} beats are running ({names}): every schedule is sent twice. Stop all but one. ({tick})"
        )
    if not live:
        seen = Heartbeat.objects.filter(process_type="beat").order_by("-last_seen").first()
        when = f"last seen {timezone.localtime(seen.last_seen):%Y-%m-%d %H:%M:%S %Z}" if seen else "never seen"
        return BeatStatus("red", f"Beat is not running ({when}): nothing scheduled is being sent. ({tick})")
    return BeatStatus("ok", f"Beat is alive on {live[0].dyno}; {tick}.")
