"""The dynos page: what runs against what should, with a clear warning for each thing that is off."""

import pytest
from django.urls import reverse
from django.utils import timezone

from ops.models import AuditRecord
from ops.selectors.dynos import dyno_overview
from ops.selectors.formation import formation_stored, procfile_process_types
from ops.services.formation import formation_update
from tests.ops.conftest import client_for, heartbeat

pytestmark = pytest.mark.django_db


def _texts(overview) -> list[str]:
    return [w.text for w in overview.warnings]


def test_it_expects_one_of_each_long_running_procfile_type_by_default():
    assert procfile_process_types() == ["web", "worker", "beat"]
    assert formation_stored() == {"web": 1, "worker": 1, "beat": 1}


def test_it_has_no_warning_when_the_formation_is_as_expected(healthy_formation):
    overview = dyno_overview()
    assert overview.warnings == []
    assert overview.formation_rows == [("web", 1, 1), ("worker", 1, 1), ("beat", 1, 1)]


def test_it_warns_about_missing_and_unexpected_dynos(dev):
    formation_update(actor=dev, quantities={"web": 2})
    heartbeat("web.1", "web")
    heartbeat("beat.1", "beat")
    heartbeat("clock.1", "clock")
    texts = _texts(dyno_overview())
    assert "Missing: 1 web of 2 expected not up." in texts
    assert "Missing: 1 worker of 1 expected not up." in texts
    assert "Unexpected: 1 clock up, 0 expected." in texts


def test_it_warns_loudly_about_a_second_beat_even_when_stale(healthy_formation):
    heartbeat("beat.2", "beat", age_seconds=120)  # stale: more than 3 intervals of 15 s
    overview = dyno_overview()
    assert any(w.level == "red" and w.text.startswith("More than one beat (beat.1, beat.2)") for w in overview.warnings)
    assert "beat.2 is stale" in " ".join(_texts(overview))


def test_it_warns_when_every_web_thread_is_busy_and_memory_is_over_the_dyno_size(settings, healthy_formation):
    settings.DYNO_MEMORY_MB = 512
    heartbeat("web.2", "web", threads=8, busy_threads=8, rss_bytes=600 * 2**20)
    formation_update(actor=None, quantities={"web": 2})
    texts = _texts(dyno_overview())
    assert "web.2: all 8 threads busy, requests are queueing." in texts
    assert "web.2 uses 600 MiB, over the dyno's 512 MiB." in texts


def test_it_shows_every_process_with_its_figures(sam, healthy_formation):
    heartbeat("web.2", "web", stats={"requests_last_minute": 42, "p50_ms": 12.5, "p95_ms": 80.0, "pool": {}},
              rss_bytes=200 * 2**20)
    heartbeat("worker.2", "worker", busy_threads=1, stats={"active_tasks": ["scheduled.digest_send"]}, age_seconds=900)
    page = client_for(sam).get(reverse("admin:ops_dynos")).content.decode()
    assert 'data-dyno="web.2" data-state="up"' in page
    assert "12.5 / 80.0" in page and "200 MiB" in page and ">42<" in page
    assert 'data-dyno="worker.2" data-state="gone"' in page and "scheduled.digest_send" in page


def test_it_saves_the_expected_formation_from_the_page_and_audits_it(dev):
    response = client_for(dev).post(reverse("admin:ops_formation"), {"web": "3", "worker": "2", "beat": "1"})
    assert response.status_code == 302
    assert formation_stored() == {"web": 3, "worker": 2, "beat": 1}
    record = AuditRecord.objects.get(action="formation.update")
    assert record.parameters == {"web": 3, "worker": 2, "beat": 1} and record.actor == dev


def test_it_refuses_a_formation_for_a_process_type_the_procfile_lacks(dev):
    with pytest.raises(ValueError, match="not a Procfile process type: clock"):
        formation_update(actor=dev, quantities={"clock": 1})
    assert not AuditRecord.objects.exists()


def test_it_offers_restart_only_for_processes_that_are_running(fake_heroku, root):
    heartbeat("web.1", "web")
    heartbeat("worker.1", "worker", age_seconds=3600)  # gone
    heartbeat("worker.2", "worker", stopped_at=timezone.now())  # stopped gracefully
    page = client_for(root).get(reverse("admin:ops_dynos")).content.decode()
    assert 'data-restart="web.1"' in page
    assert 'data-restart="worker.1"' not in page and 'data-restart="worker.2"' not in page


def _pool(**fields) -> dict:
    return {"pool": {"mode": "pool", "pool_min": 2, "pool_max": 20, "pool_size": 20, "pool_available": 0, **fields}}


def test_it_shows_each_web_pools_saturation_and_warns_before_and_when_it_bites(sam, healthy_formation):
    formation_update(actor=None, quantities={"web": 3})
    heartbeat(
        "web.2", "web", stats=_pool(requests_waiting=7, interval={"waited": 40, "wait_ms": 6000, "turned_away": 0})
    )
    heartbeat(
        "web.3", "web", stats=_pool(requests_waiting=30, interval={"waited": 90, "wait_ms": 90000, "turned_away": 12})
    )
    texts = _texts(dyno_overview())
    assert (
        "web.2: its connection pool is saturated: 7 waiting now, 40 queued for a connection since the last heartbeat."
        in texts
    )
    assert any(
        t.startswith("web.3: 12 requests found no pooled connection in time and were answered 503") for t in texts
    )
    assert not any(t.startswith("web.1:") for t in texts)  # an idle pool says nothing
    page = client_for(sam).get(reverse("admin:ops_dynos")).content.decode()
    assert 'data-pool-waiting="7">20 / 20 · 7<' in page and "40 (150 ms) · 0" in page
    assert 'data-pool-turned-away="12">' in page and "90 (1000 ms) · 12" in page
