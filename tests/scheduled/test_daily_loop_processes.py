"""The daily loop end to end on real PostgreSQL, Redis, beat, a worker and waitress.

beat tick → worker sends the reminder → .eml file → the reply posted to the Mailgun webhook →
entries on the team's day page → the next morning's digest (to a teammate a day ahead) shows them.
"""

import datetime as dt
import email
import email.policy
import os
import signal
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from core.models import Delivery, Entry, Membership
from tests import mailgun
from tests.conftest import requires_postgres, requires_redis
from tests.processes import celery_beat, celery_worker, free_port, process_env, wait_for, waitress

pytestmark = [
    pytest.mark.processes,
    pytest.mark.django_db(transaction=True),
    requires_postgres,
    requires_redis,
]


def _loop_env(mail_dir: Path, queue: str, **extra) -> dict:
    settings = {
        "CELERY_BROKER_URL": os.environ["REDIS_URL"],
        "DELIVERY_QUEUE": queue,
        "EMAIL_FILE_PATH": str(mail_dir),
        "EMAIL_BACKEND": "core.mail.FilePerMessageBackend",
    }
    return process_env(**{**settings, **extra})


def _tick_every_second(queue: str) -> None:
    PeriodicTask.objects.update(enabled=False)  # only the tick under test runs
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    for task in ("scheduled.deliveries_tick", "scheduled.deliveries_sweep"):
        PeriodicTask.objects.create(name=f"{task}-{queue}", task=task, interval=every, queue=queue)


def _mails(mail_dir: Path, subject_part: str) -> list:
    found = []
    for path in sorted(mail_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if subject_part in str(message["Subject"]):
            found.append(message)
    return found


def _post_webhook(port: int, raw: str):
    body = urllib.parse.urlencode(mailgun.signed_fields(raw)).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{mailgun.INBOUND_PATH}", data=body)
    request.add_header("Authorization", mailgun.basic_auth())
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, ConnectionError):
        return None


def test_the_daily_loop_from_beat_tick_to_reply_to_next_digest(tmp_path, client, alice, bob, team):
    queue, mail_dir = f"loop-{uuid.uuid4().hex[:8]}", tmp_path / "mail"
    # Alice is 11 hours behind UTC, Bob 14 ahead: Bob's morning digest comes after Alice's evening.
    alice.time_zone, bob.time_zone = "Pacific/Pago_Pago", "Pacific/Kiritimati"
    alice.save(update_fields=["time_zone"])
    bob.save(update_fields=["time_zone"])
    now = timezone.now()
    alice_day = now.astimezone(ZoneInfo(alice.time_zone)).date()
    bob_day = now.astimezone(ZoneInfo(bob.time_zone)).date()
    Membership.objects.update(next_reminder_at=None, next_digest_at=None)
    Membership.objects.filter(team=team, user=alice).update(next_reminder_at=now - dt.timedelta(seconds=5))
    _tick_every_second(queue)
    env = _loop_env(mail_dir, queue)
    port = free_port()
    with celery_worker(env=env, queue=queue) as worker, celery_beat(env=env, name=queue), waitress(port, env=env):
        [reminder] = wait_for(lambda: _mails(mail_dir, "What did you get done?"), timeout=60, what="reminder email")
        assert reminder["To"] == "alice@example.com"
        subject = str(reminder["Subject"]).strip()  # Django folds long encoded headers onto a new line
        assert subject == f"What did you get done? – Rocket – {alice_day:%B} {alice_day.day}"
        assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        team_address = reminder["From"].addresses[0].addr_spec
        assert team_address == f"{team.slug}@in.idonethis.test"

        reply = mailgun.reply(
            sender="alice@example.com",
            to=team_address,
            subject=f"Re: {subject}",
            body=f"Shipped the end-to-end test\n[ ] write the docs\n\nOn a day, Rocket wrote:\n> {subject}",
            date=email.utils.format_datetime(timezone.now()),
        )
        status = wait_for(lambda: _post_webhook(port, reply), what="waitress to take the webhook")
        assert status == 200
        assert _post_webhook(port, reply) == 200  # the ESP retries: nothing new

        client.force_login(alice)
        page = client.get(f"/t/{team.hash_id}/?date={alice_day.isoformat()}").content.decode()
        assert "Shipped the end-to-end test" in page and "write the docs" in page
        assert Entry.objects.filter(author=alice).count() == 2

        # The next morning, for Bob: his digest (on his day of the week only, so it spans a week).
        Membership.objects.filter(team=team, user=bob).update(
            digest_days=str(bob_day.weekday()), next_digest_at=timezone.now() - dt.timedelta(seconds=1)
        )
        [digest] = wait_for(lambda: _mails(mail_dir, "Rocket digest for"), timeout=60, what="digest email")
        assert digest["To"] == "bob@example.com"
        body = digest.get_body(preferencelist=("plain",)).get_content()
        assert "Shipped the end-to-end test" in body and "☐ write the docs" in body
        wait_for(
            lambda: Delivery.objects.filter(kind__in=["reminder", "digest"], status=Delivery.Status.SENT).count() == 2,
            what="deliveries sent",
        )
    assert worker.returncode == 0, worker.log_text
    assert len(_mails(mail_dir, "What did you get done?")) == 1


@pytest.mark.parametrize(
    "moment, backend",
    [
        ("before the ESP took it", "tests.slow_mail.SlowFileBackend"),
        ("after the ESP took it", "tests.slow_mail.FileThenSlowBackend"),
    ],
)
def test_a_worker_killed_in_the_middle_of_a_send_is_settled_with_the_esp_and_sent_exactly_once(
    tmp_path, alice, team, moment, backend
):
    queue, mail_dir = f"kill-{uuid.uuid4().hex[:8]}", tmp_path / "mail"
    Membership.objects.update(next_reminder_at=None, next_digest_at=None)
    Membership.objects.filter(team=team, user=alice).update(next_reminder_at=timezone.now() - dt.timedelta(seconds=5))
    _tick_every_second(queue)
    slow = _loop_env(mail_dir, queue, EMAIL_BACKEND=backend)
    with celery_beat(env=slow, name=queue):
        with celery_worker(env=slow, queue=queue) as doomed:
            wait_for(lambda: Delivery.objects.filter(status=Delivery.Status.SENDING).exists(), what="a claim")
            if moment == "after the ESP took it":
                wait_for(lambda: list(mail_dir.glob("*.eml")), what="the ESP to have the message")
            os.killpg(doomed.pid, signal.SIGKILL)  # dies while the "ESP" call is still open
            doomed.wait(timeout=20)
        claimed = Delivery.objects.get(kind="reminder")
        assert claimed.status == Delivery.Status.SENDING
        # A new worker: the redelivered message finds the delivery claimed and sends nothing; once the claim
        # is 2 seconds old the sweep marks it interrupted and asks the mail folder about its Message-ID.
        fresh = _loop_env(mail_dir, queue, DELIVERY_CLAIM_TIMEOUT_SECONDS="2")
        with celery_worker(env=fresh, queue=queue):
            delivery = wait_for(
                lambda: Delivery.objects.filter(kind="reminder", status=Delivery.Status.SENT).first(),
                timeout=60,
                what="the interrupted send settled as sent",
            )
    [reminder] = _mails(mail_dir, "What did you get done?")
    assert reminder["To"] == "alice@example.com"
    if moment == "before the ESP took it":
        assert (delivery.provider_answer, delivery.attempts) == ("not_accepted", 2)  # sent again, once
        assert delivery.provider_message_id != claimed.provider_message_id
    else:
        assert (delivery.provider_answer, delivery.attempts) == ("accepted", 1)  # not sent again
        assert delivery.provider_message_id == claimed.provider_message_id
    assert str(reminder["Message-ID"]).strip() == delivery.provider_message_id
