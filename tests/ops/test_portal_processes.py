"""Real processes on the portal: a waitress web process and a Celery worker appear on the dynos page,
and on PostgreSQL their connections appear on the database page under their dyno names."""

import urllib.request
import uuid

import pytest
from django.urls import reverse

from ops.models import Heartbeat
from tests.conftest import ON_POSTGRES
from tests.ops.conftest import client_for
from tests.processes import celery_worker, free_port, process_env, wait_for, waitress

pytestmark = [pytest.mark.processes, pytest.mark.django_db(transaction=True)]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status == 200
    except OSError:
        return False


def test_it_shows_a_real_web_process_and_worker_on_the_dynos_and_database_pages(root):
    port = free_port()
    queue = f"portal-{uuid.uuid4().hex[:8]}"
    env = process_env()
    with waitress(port, env={**env, "DYNO": "web.1"}, threads=3), \
            celery_worker(env={**env, "DYNO": "worker.1"}, queue=queue, concurrency=1):
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/health"), what="waitress up")
        wait_for(lambda: Heartbeat.objects.filter(dyno="worker.1").exists(), timeout=60, what="worker heartbeat")
        wait_for(lambda: Heartbeat.objects.filter(dyno="web.1").exists(), what="web heartbeat")
        client = client_for(root)
        page = client.get(reverse("admin:ops_dynos")).content.decode()
        assert 'data-dyno="web.1" data-state="up"' in page
        assert 'data-dyno="worker.1" data-state="up"' in page
        assert "Missing: 1 beat of 1 expected not up." in page
        web = Heartbeat.objects.get(dyno="web.1")
        assert (web.threads, web.process_type) == (3, "web")
        database = client.get(reverse("admin:ops_database")).content.decode()
        assert 'data-pool="web.1"' in database and 'data-pool="worker.1"' in database
        if ON_POSTGRES:
            assert 'data-application="web.1"' in database
            assert "pool</td><td class=\"ops-num\">2 / 20" in database
