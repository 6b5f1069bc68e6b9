"""Drill: 300 reminders due at once; the worker is SIGKILLed at random points three times during the
batch and restarted. Every member gets exactly one email, within 5 minutes of its time — including a
member whose send a kill cut between its claim and the ESP's answer: the sweeper asks the ESP (here the
mail folder) and marks it sent or sends it again, so nothing is left "interrupted".

Real PostgreSQL, a real beat and worker; on Redis (a server of the drill's own) and on RabbitMQ (a
vhost of its own). A killed worker's unacknowledged messages come back at once on RabbitMQ, after the
visibility timeout on Redis; the delivery sweeper re-dispatches the owed rows either way.
"""

import os
import random
import signal
import time
import uuid
from contextlib import contextmanager

import pytest
from django.utils import timezone

from tests.conftest import requires_postgres
from tests.drills.brokers import own_redis, rabbitmq_queue_purge, rabbitmq_through_proxy
from tests.drills.loop import (
    drill_env,
    due_members,
    figures,
    open_reminders,
    recipients,
    tick_and_sweep_every_second,
)
from tests.processes import celery_beat, celery_worker, wait_for

pytestmark = [pytest.mark.processes, pytest.mark.django_db(transaction=True), requires_postgres]

MEMBERS = 300
KILLS = 3


@contextmanager
def broker(kind: str):
    if kind == "redis":
        with own_redis() as redis:
            yield redis.url
    else:
        with rabbitmq_through_proxy() as proxy:
            yield proxy.url


@pytest.mark.parametrize("kind", ["redis", "rabbitmq"])
def test_it_sends_every_reminder_once_while_the_worker_is_sigkilled_three_times(kind, tmp_path):
    queue, mail_dir = f"drill-kill-{uuid.uuid4().hex[:8]}", tmp_path / "mail"
    started, due_at = time.monotonic(), timezone.now()
    expected = due_members(MEMBERS, due_at=due_at)
    tick_and_sweep_every_second(queue)
    # Kill once a random number of emails is out (spread over the batch), then a random moment later.
    kill_after = sorted(random.sample(range(20, MEMBERS - 40), KILLS))
    with broker(kind) as url:
        env = drill_env(broker_url=url, mail_dir=mail_dir, queue=queue)
        try:
            with celery_beat(env=env, name=queue):
                for threshold in kill_after:
                    with celery_worker(env=env, queue=queue, concurrency=2) as worker:
                        wait_for(
                            lambda t=threshold: sum(recipients(mail_dir).values()) >= t,
                            timeout=120,
                            interval=0.02,
                            what=f"{threshold} emails",
                        )
                        time.sleep(random.uniform(0, 0.2))  # a random point in the middle of the next sends
                        os.killpg(worker.pid, signal.SIGKILL)
                        worker.wait(timeout=20)
                with celery_worker(env=env, queue=queue, concurrency=2):
                    wait_for(lambda: open_reminders() == 0, timeout=240, interval=0.5, what="every reminder closed")
        finally:
            if kind == "rabbitmq":
                rabbitmq_queue_purge(url, queue)
    result = figures(
        name="worker-sigkill",
        broker=kind,
        mail_dir=mail_dir,
        expected=expected,
        started=started,
        kills=KILLS,
        kill_after_emails=kill_after,
    )
    # Exactly once, for every member, whatever instant the kills hit; nothing left for support.
    assert (result["sent"], result["duplicates"], result["lost"], result["unexpected"]) == (MEMBERS, 0, 0, 0), result
    assert (result["interrupted_left"], result["rows_not_sent"]) == (0, 0), result
    assert result["latest_after_due_seconds"] < 5 * 60, result
