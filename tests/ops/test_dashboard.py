"""The dashboard's tiles: green, amber or red from cheap sources, each linking to its page."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_results.models import TaskResult

from ops.admin.tiles import Tile, tiles_for
from ops.selectors.tasks import failed_task_count, queue_depths
from portal.celery import app as celery_app
from tests.conftest import requires_redis
from tests.ops.conftest import client_for, heartbeat

pytestmark = pytest.mark.django_db


class _Request:
    def __init__(self, user):
        self.user = user


def _tiles(user) -> dict[str, Tile]:
    return {t.key: t for t in tiles_for(_Request(user))}


def test_it_shows_all_green_when_the_formation_is_healthy(root, healthy_formation):
    tiles = _tiles(root)
    assert list(tiles) == ["dynos", "beat", "workers", "queue_depth", "failed_tasks", "database_connections"]
    assert (tiles["dynos"].value, tiles["dynos"].status) == ("3 / 3", "green")
    assert (tiles["beat"].value, tiles["beat"].status) == ("alive", "green")
    assert (tiles["workers"].value, tiles["workers"].status) == ("1 / 1", "green")
    assert tiles["failed_tasks"].status == "green"
    assert tiles["dynos"].url == reverse("admin:ops_dynos")


def test_it_turns_red_for_a_missing_or_duplicated_beat(root):
    heartbeat("web.1", "web")
    assert (_tiles(root)["beat"].value, _tiles(root)["beat"].status) == ("not seen", "red")
    assert _tiles(root)["workers"].status == "red"
    heartbeat("beat.1", "beat")
    heartbeat("beat.2", "beat")
    assert (_tiles(root)["beat"].value, _tiles(root)["beat"].status) == ("2 beats", "red")
    assert _tiles(root)["dynos"].status == "red"


def test_it_counts_failed_tasks_of_the_last_hour_only(root):
    now = timezone.now()
    for minutes, status in ((5, "FAILURE"), (50, "FAILURE"), (5, "SUCCESS"), (90, "FAILURE")):
        row = TaskResult.objects.create(task_id=str(uuid.uuid4()), status=status)
        TaskResult.objects.filter(pk=row.pk).update(date_done=now - dt.timedelta(minutes=minutes))  # auto_now
    assert failed_task_count() == 2
    assert (_tiles(root)["failed_tasks"].value, _tiles(root)["failed_tasks"].status) == ("2", "amber")


def _purge(queue: str) -> None:
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


def test_it_counts_messages_waiting_on_the_configured_broker():
    queue = f"depth-{uuid.uuid4().hex[:8]}"
    try:
        for _ in range(3):
            celery_app.send_task("scheduled.heartbeat_sweep", queue=queue)
        assert queue_depths([queue]) == {queue: 3}
    finally:
        _purge(queue)
    assert queue_depths([queue]) == {queue: 0}


@requires_redis
def test_it_counts_redis_priority_sub_queues_too():
    queue = f"depth-{uuid.uuid4().hex[:8]}"
    try:
        celery_app.send_task("scheduled.heartbeat_sweep", queue=queue)
        celery_app.send_task("scheduled.heartbeat_sweep", queue=queue, priority=6)
        celery_app.send_task("scheduled.heartbeat_sweep", queue=queue, priority=9)
        with celery_app.connection_for_read() as conn:
            assert conn.default_channel.client.llen(queue) == 1  # the other two wait in sub-queues
        assert queue_depths([queue]) == {queue: 3}
    finally:
        _purge(queue)


def test_it_shows_a_broken_tile_in_red_without_breaking_the_dashboard(root, healthy_formation):
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        response = client_for(root).get(reverse("admin:index"))
    finally:
        celery_app.conf.broker_url = original
    assert response.status_code == 200
    queue_tile = next(t for t in response.context["tiles"] if t.key == "queue_depth")
    assert queue_tile.status == "red" and queue_tile.value == "?"


def test_it_shows_a_newly_registered_tile_only_to_holders_of_its_permission(sam, dev):
    from ops.admin import tiles

    @tiles.tile(order=65, permission="ops.view_task_details")
    def retries_waiting(request) -> Tile:
        return Tile("Retries waiting", "0", tiles.GREEN)

    try:
        assert "retries_waiting" not in _tiles(sam)
        assert _tiles(dev)["retries_waiting"].value == "0"
        assert list(_tiles(dev))[-2:] == ["database_connections", "retries_waiting"]  # by order
    finally:
        del tiles._TILES["retries_waiting"]
