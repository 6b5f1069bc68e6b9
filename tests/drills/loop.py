"""What the delivery drills share: many due members, a fast tick and sweep, and the figures they print."""

import datetime as dt
import email.parser
import json
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.db.models import F, Max
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from core.models import Delivery, Membership
from core.services.teams import team_create
from tests.factories import MembershipFactory, UserFactory
from tests.processes import process_env

Status = Delivery.Status


def due_members(count: int, *, due_at: dt.datetime) -> set[str]:
    """``count`` members of one team whose reminder is due at ``due_at`` (nothing else is due); their addresses."""
    owner = UserFactory(email="drill-owner@example.com", nickname="drillowner")
    team = team_create(owner=owner, name="Drill")
    MembershipFactory.create_batch(count, team=team)
    Membership.objects.update(next_reminder_at=None, next_digest_at=None)
    Membership.objects.filter(team=team).exclude(user=owner).update(next_reminder_at=due_at)
    return set(Membership.objects.filter(next_reminder_at=due_at).values_list("user__email", flat=True))


def tick_and_sweep_every_second(queue: str) -> None:
    """Only the loop's two beat entries run, every second, on the drill's own queue."""
    PeriodicTask.objects.update(enabled=False)
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    for task in ("scheduled.deliveries_tick", "scheduled.deliveries_sweep"):
        PeriodicTask.objects.create(name=f"{task}-{queue}", task=task, interval=every, queue=queue)


def drill_env(*, broker_url: str, mail_dir: Path, queue: str, **extra) -> dict:
    return process_env(
        CELERY_BROKER_URL=broker_url,
        DELIVERY_QUEUE=queue,
        EMAIL_FILE_PATH=str(mail_dir),
        EMAIL_BACKEND="core.mail.FilePerMessageBackend",
        # Short loops so a drill takes seconds: lost dispatches come back after 5 s, a send cut off
        # mid-way is closed after 15 s (production: 2 and 15 minutes).
        DELIVERY_REDISPATCH_AFTER_SECONDS="5",
        DELIVERY_CLAIM_TIMEOUT_SECONDS="15",
        WORKER_CONCURRENCY="2",
        **extra,
    )


_headers = email.parser.BytesHeaderParser()


def recipients(mail_dir: Path) -> Counter:
    """How many emails each address got, from the files the workers wrote."""
    counts = Counter()
    for path in mail_dir.glob("*.eml"):
        with open(path, "rb") as file:
            counts[str(_headers.parse(file)["To"])] += 1
    return counts


def open_reminders() -> int:
    """Reminders not settled yet: owed, being sent, or cut off mid-send and not yet asked about."""
    return Delivery.objects.filter(
        kind="reminder", status__in=[Status.PENDING, Status.SENDING, Status.INTERRUPTED]
    ).count()


def figures(*, name: str, broker: str, mail_dir: Path, expected: set[str], started: float, **extra) -> dict:
    """Sent / expected / duplicates / lost / seconds, printed and written to var/drills/ for the docs."""
    got = recipients(mail_dir)
    reminders = Delivery.objects.filter(kind="reminder")
    latest = reminders.filter(status=Status.SENT).aggregate(late=Max(F("sent_at") - F("due_at")))["late"]
    # A send cut off between its claim and the ESP's answer is settled by asking the ESP (here the mail
    # folder): "accepted" ones are marked sent, "not_accepted" ones were sent again (claim-first).
    settled = Counter(reminders.exclude(provider_answer="").values_list("provider_answer", flat=True))
    result = {
        "drill": name,
        "broker": broker,
        "expected": len(expected),
        "sent": len(set(got) & expected),
        "duplicates": sum(n - 1 for n in got.values() if n > 1),
        "lost": len(expected - set(got)),
        "unexpected": len(set(got) - expected),
        "interrupted_left": reminders.filter(status=Status.INTERRUPTED).count(),
        "settled_accepted": settled["accepted"],
        "settled_sent_again": settled["not_accepted"],
        "rows_not_sent": reminders.exclude(status=Status.SENT).count(),
        "attempts_max": reminders.aggregate(n=Max("attempts"))["n"],
        "latest_after_due_seconds": round(latest.total_seconds(), 1) if latest else None,
        "seconds": round(time.monotonic() - started, 1),
        **extra,
    }
    print(
        f"\nDRILL {name} [{broker}]: "
        + ", ".join(f"{k}={v}" for k, v in result.items() if k not in ("drill", "broker"))
    )
    folder = Path(settings.VAR_DIR) / "drills"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}-{broker}.json").write_text(json.dumps(result, indent=2))
    return result
