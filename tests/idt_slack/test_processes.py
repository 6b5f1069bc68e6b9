"""The Slack integration on real processes: waitress takes a signed ``/done``, a Celery worker writes the
entry and posts it, beat's ticks owe the channel digest, which goes out once per day across ticks and a
worker restart. Every Web API call goes to the local fake Slack."""

import datetime as dt
import os
import urllib.error
import urllib.request
import uuid

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_celery_results.models import TaskResult

from core.models import Entry
from core.services.entries import entry_create
from idt_slack.models import SlackCommand, SlackInstallation, SlackMessage
from tests.conftest import requires_postgres, requires_redis
from tests.idt_slack.conftest import command_body, sign, slack_env
from tests.processes import celery_beat, celery_worker, free_port, process_env, wait_for, waitress

pytestmark = [pytest.mark.processes, pytest.mark.django_db(transaction=True), requires_postgres, requires_redis]


def _env(fake_url: str, queue: str) -> dict:
    return process_env(
        CELERY_BROKER_URL=os.environ["REDIS_URL"], SLACK_QUEUE=queue, DELIVERY_QUEUE=queue, **slack_env(fake_url)
    )


def _tick_every_second(queue: str) -> None:
    PeriodicTask.objects.update(enabled=False)  # only the Slack schedules under test run
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    for task in ("scheduled.slack_digests_tick", "scheduled.slack_sweep"):
        PeriodicTask.objects.create(name=f"{task}-{queue}", task=task, interval=every, queue=queue)


def _post(port: int, body: bytes, headers: dict):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/commands", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return None


def test_a_done_from_slack_is_written_by_the_worker_and_posted_to_the_channel(
    fake_slack, installation, alice_in_slack, alice, team
):
    queue, port = f"slack-{uuid.uuid4().hex[:8]}", free_port()
    env = _env(fake_slack.url, queue)
    with celery_worker(env=env, queue=queue) as worker, waitress(port, env=env):
        body = command_body("[ ] ship the Slack bridge")
        headers = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
        status, text = wait_for(lambda: _post(port, body, headers), what="waitress to answer")
        assert status == 200 and '"Got it!"' in text
        assert _post(port, body, {**headers, "X-Slack-Retry-Num": "1"})[0] == 200  # Slack's retry
        tampered = _post(port, body + b"x", headers)
        assert tampered[0] == 401
        [post] = wait_for(lambda: fake_slack.posts_to("C0DONE"), timeout=60, what="the entry posted")
        assert post["attachments"][0]["color"] == "#478CFE"
        assert post["attachments"][0]["text"] == "ship the Slack bridge"
    assert worker.returncode == 0, worker.log_text
    [entry] = Entry.objects.all()
    assert (entry.author, entry.team, entry.kind) == (alice, team, "goal")
    assert SlackCommand.objects.get().status == "done"
    assert len(fake_slack.posts_to("C0DONE")) == 1


def test_the_digest_goes_out_once_a_day_across_beat_ticks_and_a_worker_restart(
    fake_slack, installation, bob, team, settings
):
    queue = f"slack-{uuid.uuid4().hex[:8]}"
    settings.SLACK_QUEUE = queue  # the entry's own post, owed here, goes to this test's worker
    yesterday = (timezone.now() - dt.timedelta(days=1)).date()
    entry_create(author=bob, team=team, text="shipped the digest", occurred_on=yesterday)
    SlackInstallation.objects.update(digest_days="0123456", next_digest_at=timezone.now() - dt.timedelta(seconds=2))
    _tick_every_second(queue)
    env = _env(fake_slack.url, queue)

    def digests():
        return [p for p in fake_slack.posts_to("C0DONE") if p.get("blocks")]

    def ticks() -> int:
        return TaskResult.objects.filter(task_name="scheduled.slack_digests_tick", status="SUCCESS").count()

    with celery_beat(env=env, name=queue):
        with celery_worker(env=env, queue=queue):
            wait_for(digests, timeout=60, what="the digest in the channel")
            seen = ticks()
            wait_for(lambda: ticks() >= seen + 2, timeout=60, what="two more beat ticks")
        # The day's digest again due (a schedule edited back, a restored row): a new worker, more ticks.
        SlackInstallation.objects.update(next_digest_at=timezone.now() - dt.timedelta(seconds=1))
        with celery_worker(env=env, queue=queue):
            seen = ticks()
            wait_for(lambda: ticks() >= seen + 2, timeout=60, what="two ticks after the restart")
            wait_for(
                lambda: SlackInstallation.objects.get().next_digest_at > timezone.now(), what="the schedule advanced"
            )
    [digest] = digests()
    assert "shipped the digest" in str(digest["blocks"])
    [owed] = SlackMessage.objects.filter(kind="digest")
    assert owed.status == "sent" and owed.attempts == 1
