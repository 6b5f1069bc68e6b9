"""Workers and queues page, purge with typed confirmation, the sampler, retention and the charts."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from ops.admin.charts import line_chart
from ops.models import AuditRecord, Sample
from ops.selectors.samples import sample_series
from ops.selectors.tasks import queue_depths
from ops.services.samples import samples_prune, samples_record, task_results_prune
from portal.celery import app as celery_app
from tests.ops.conftest import client_for, heartbeat
from tests.ops.test_task_history import task_result

pytestmark = pytest.mark.django_db


def _publish(queue: str, n: int) -> None:
    for i in range(n):
        celery_app.send_task("scheduled.ops_echo", args=[i], queue=queue)


def test_it_shows_queue_depth_and_purges_only_after_the_name_is_typed(sam, root, settings):
    queue = f"test-depth-{uuid.uuid4().hex[:8]}"
    settings.OPS_QUEUES = [queue]
    _publish(queue, 3)
    page = client_for(sam).get(reverse("admin:ops_celery")).content.decode()
    assert f'data-queue="{queue}"' in page and 'data-depth="3"' in page
    assert "Purge…" not in page
    url = reverse("admin:ops_queue_purge")
    assert client_for(sam).post(url, {"queue": queue, "typed": queue}).status_code == 403
    client_for(root).post(url, {"queue": queue, "typed": "celery"})
    assert queue_depths([queue]) == {queue: 3} and not AuditRecord.objects.exists()
    client_for(root).post(url, {"queue": queue, "typed": queue})
    assert queue_depths([queue]) == {queue: 0}
    assert AuditRecord.objects.get(action="queue.purge", target=queue).parameters["removed"] == 3


def test_it_shows_a_worker_whose_heartbeat_stopped_as_gone(sam, settings):
    settings.OPS_INSPECT_TIMEOUT_SECONDS = 0.2
    heartbeat("worker.9", "worker", age_seconds=3600, stats={"hostname": "w9@host", "pool": {}})
    page = client_for(sam).get(reverse("admin:ops_celery") + "?refresh=1").content.decode()
    assert 'data-worker="w9@host" data-state="gone"' in page


def test_it_samples_every_source_and_charts_the_last_day(settings):
    queue = f"test-sample-{uuid.uuid4().hex[:8]}"
    settings.OPS_QUEUES = [queue]
    _publish(queue, 2)
    heartbeat("web.1", "web", stats={"requests_last_minute": 12, "p95_ms": 80, "pool": {}}, rss_bytes=200 * 2**20)
    minute = timezone.now().replace(second=0, microsecond=0)
    task_result(status="FAILURE", date_done=minute - dt.timedelta(seconds=30))
    samples_record(now=minute)
    figures = {(s.metric, s.key): s.value for s in Sample.objects.all()}
    assert figures[("queue.depth", queue)] == 2
    assert figures[("tasks.failed", "scheduled.ops_echo")] == 1
    assert figures[("web.p95_ms", "web.1")] == 80 and figures[("process.rss_mb", "web.1")] == 200
    svg = line_chart("Queue depth", sample_series("queue.depth"))
    assert "<svg" in svg and queue in svg and "<script" not in svg
    from tests.ops.test_task_history import _purge

    _purge(queue)


def test_it_prunes_old_samples_and_results_in_small_batches(settings):
    settings.TASK_RESULT_RETENTION_DAYS = 14
    settings.OPS_SAMPLE_RETENTION_DAYS = 7
    old = timezone.now() - dt.timedelta(days=20)
    for _ in range(5):
        task_result(date_done=old)
        Sample.objects.create(taken_at=old, metric="queue.depth", key="celery", value=1)
    kept = task_result()
    Sample.objects.create(taken_at=timezone.now(), metric="queue.depth", key="celery", value=1)
    assert task_results_prune(batch_size=2, max_batches=2) == 4  # a run stops after its batches
    assert task_results_prune(batch_size=2) == 1
    assert samples_prune(batch_size=2) == 5
    assert [r.pk for r in kept.__class__.objects.all()] == [kept.pk] and Sample.objects.count() == 1


@pytest.mark.parametrize(("name", "method", "data", "expected"), [
    ("admin:ops_celery", "get", None, (200, 200, 200, 403)),
    ("admin:ops_task_stats", "get", None, (200, 200, 200, 403)),
    ("admin:django_celery_beat_periodictask_changelist", "get", None, (200, 200, 200, 403)),
    ("admin:ops_queue_purge", "get", {"queue": "celery"}, (403, 403, 200, 403)),
    ("admin:ops_task_revoke_by_id", "post", {"task_id": "abc"}, (403, 200, 200, 403)),
])
def test_it_gives_each_role_exactly_the_task_pages_and_actions(sam, dev, root, stan, name, method, data, expected,
                                                                settings):
    settings.OPS_INSPECT_TIMEOUT_SECONDS = 0.2
    for user, status in zip((sam, dev, root, stan), expected, strict=True):
        response = getattr(client_for(user), method)(reverse(name), data or {})
        assert response.status_code == status, f"{user.email} {method.upper()} {name}"


def test_it_revokes_a_waiting_task_by_id_audited(dev):
    client_for(dev).post(reverse("admin:ops_task_revoke_by_id"), {"task_id": "waiting-1", "confirmed": "yes"})
    assert AuditRecord.objects.get(action="task.revoke", target="waiting-1").actor == dev
