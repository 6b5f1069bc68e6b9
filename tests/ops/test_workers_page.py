"""Workers and queues from heartbeats: no broadcast on a page load, one when details are asked for.

The broker round-trips are counted by wrapping celery's ``Inspect._request`` (each call is one
broadcast that waits its whole timeout for replies) and still calling it: nothing is faked.
"""

import uuid

import pytest
from celery.app import control
from django.urls import reverse

from ops.models import Heartbeat
from portal.celery import app as celery_app
from tests.ops.conftest import client_for, heartbeat
from tests.processes import celery_worker, process_env, wait_for


@pytest.fixture
def broadcasts(monkeypatch):
    """The ``inspect`` broadcasts made, by method name."""
    made: list[str] = []
    original = control.Inspect._request

    def counted(self, command, **kwargs):
        made.append(command)
        return original(self, command, **kwargs)

    monkeypatch.setattr(control.Inspect, "_request", counted)
    return made


def _worker_row(hostname: str, **stats) -> Heartbeat:
    return heartbeat(
        f"worker.{uuid.uuid4().hex[:4]}",
        "worker",
        concurrency=4,
        stats={
            "hostname": hostname,
            "pool": {"mode": "embedded"},
            "queues": ["celery", "mail"],
            "tasks_total": 1234,
            "active": [{"id": "a1b2c3d4-0000", "name": "scheduled.digest_send", "started": 1.0}],
            "reserved": [{"id": "r1", "name": "scheduled.reminder_send", "eta": None}],
            "reserved_count": 7,
            "scheduled_count": 2,
            **stats,
        },
    )


@pytest.mark.django_db
def test_it_renders_workers_from_heartbeats_without_asking_the_broker(sam, settings, broadcasts):
    settings.OPS_INSPECT_TIMEOUT_SECONDS = 0.2
    _worker_row("w1@host")
    page = client_for(sam).get(reverse("admin:ops_celery")).content.decode()
    assert broadcasts == []  # the cold page load waits on no worker
    assert 'data-worker="w1@host" data-state="up"' in page
    assert "celery, mail" in page and "1234" in page and "scheduled.digest_send" in page
    assert 'data-reserved="7"' in page and 'data-scheduled="2"' in page and "… 7 in all" in page
    assert "data-details-link" in page and "answers inspect" not in page


@pytest.mark.django_db
def test_it_asks_the_workers_once_for_details_and_caches_the_answer(sam, settings, broadcasts):
    settings.OPS_INSPECT_TIMEOUT_SECONDS = 0.2
    _worker_row("w2@host")
    client = client_for(sam)
    page = client.get(reverse("admin:ops_celery") + "?details=1&refresh=1").content.decode()
    assert broadcasts == ["scheduled"]  # one broadcast for the whole page
    assert 'data-worker="w2@host"' in page and 'data-answered="no"' in page  # a row, not a live worker
    client.get(reverse("admin:ops_celery") + "?details=1")
    assert broadcasts == ["scheduled"]  # cached for a few seconds: many viewers cost one broadcast


@pytest.mark.django_db
def test_it_says_a_redis_key_that_is_not_a_queue_is_not_a_queue(sam, root):
    celery_app.send_task("scheduled.ops_echo", queue="celery").forget()  # binds the celery queue (harmless task)
    response = client_for(sam).get(reverse("admin:ops_celery") + "?queue=_kombu.binding.celery")
    page = response.content.decode()
    assert response.status_code == 200 and "WRONGTYPE" not in page
    if celery_app.connection_for_read().transport.driver_type == "redis":
        assert "“_kombu.binding.celery” is not a queue: the broker holds a set" in page
    assert 'id="queues"' in page  # the queue table is still there


@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_reports_its_queues_and_waiting_tasks_in_its_heartbeat(sam, broadcasts):
    queue = f"test-workers-{uuid.uuid4().hex[:8]}"
    with celery_worker(env=process_env(), queue=queue):
        hostname = f"{queue}@"

        def reported():
            for row in Heartbeat.objects.filter(process_type="worker"):
                stats = row.stats or {}
                if (stats.get("hostname") or "").startswith(hostname) and queue in (stats.get("queues") or []):
                    return row
            return None

        row = wait_for(reported, timeout=60, what="the worker's heartbeat with its queue")
        later = celery_app.send_task("scheduled.ops_echo", args=["later"], queue=queue, countdown=600)
        wait_for(
            lambda: (Heartbeat.objects.get(pk=row.pk).stats or {}).get("scheduled_count") == 1,
            timeout=30,
            what="the ETA task in the heartbeat",
        )
        client = client_for(sam)
        page = client.get(reverse("admin:ops_celery")).content.decode()
        assert broadcasts == []
        assert f'data-worker="{row.stats["hostname"]}" data-state="up"' in page and queue in page
        assert 'data-scheduled="1"' in page
        details = client.get(reverse("admin:ops_celery") + "?details=1&refresh=1").content.decode()
        assert broadcasts == ["scheduled"]
        assert f'data-waiting="{later.id}"' in details and 'data-answered="yes"' in details
        celery_app.control.revoke(later.id)
