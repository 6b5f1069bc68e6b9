"""The optional Heroku connection, against a local fake Platform API: view, restart, scale, maintenance."""

import pytest
from django.urls import reverse

from ops.models import AuditRecord
from ops.selectors.dynos import dyno_overview
from tests.ops.conftest import client_for, heartbeat
from tests.ops.fake_heroku import TOKEN

pytestmark = pytest.mark.django_db


def test_it_takes_the_expected_formation_and_dyno_states_from_heroku(fake_heroku, root):
    heartbeat("web.1", "web")
    overview = dyno_overview()
    assert overview.expected == {"web": 2, "worker": 1, "beat": 1}
    assert overview.expected_source == "Heroku formation"
    assert "Missing: 1 web of 2 expected not up." in [w.text for w in overview.warnings]
    page = client_for(root).get(reverse("admin:ops_dynos")).content.decode()
    assert 'data-heroku-dyno="web.2"' in page and 'data-heroku-type="worker"' in page
    assert TOKEN not in page
    assert all(r["authorization"] == f"Bearer {TOKEN}" and "version=3" in r["accept"] for r in fake_heroku.requests)


def test_it_restarts_a_dyno_and_a_process_type_after_confirmation(fake_heroku, root):
    client = client_for(root)
    client.post(reverse("admin:ops_heroku_restart"), {"dyno": "web.1"})  # asks first
    assert not [r for r in fake_heroku.requests if r["method"] == "DELETE"]
    client.post(reverse("admin:ops_heroku_restart"), {"dyno": "web.1", "confirmed": "yes"})
    client.post(reverse("admin:ops_heroku_restart_type"), {"process_type": "worker", "confirmed": "yes"})
    deletes = [r["path"] for r in fake_heroku.requests if r["method"] == "DELETE"]
    assert deletes == ["/apps/idonethis-test/dynos/web.1", "/apps/idonethis-test/formations/worker"]
    assert list(AuditRecord.objects.order_by("id").values_list("action", "target", "result")) == [
        ("heroku.dyno_restart", "web.1", "ok"), ("heroku.process_type_restart", "worker", "ok")]


def test_it_scales_a_process_type_and_audits_it(fake_heroku, root):
    response = client_for(root).post(reverse("admin:ops_heroku_scale"),
                                     {"process_type": "web", "quantity": "3", "confirmed": "yes"}, follow=True)
    assert "Heroku is scaling web to 3." in response.content.decode()
    assert fake_heroku.formation["web"]["quantity"] == 3
    patch = next(r for r in fake_heroku.requests if r["method"] == "PATCH")
    assert (patch["path"], patch["body"]) == ("/apps/idonethis-test/formation/web", {"quantity": 3})
    record = AuditRecord.objects.get(action="heroku.scale")
    assert (record.parameters, record.detail, record.actor) == ({"quantity": 3}, "web now 3", root)


def test_it_turns_herokus_maintenance_mode_on(fake_heroku, root):
    client_for(root).post(reverse("admin:ops_heroku_maintenance"), {"enabled": "on", "confirmed": "yes"})
    assert fake_heroku.maintenance is True
    assert AuditRecord.objects.get(action="heroku.maintenance").parameters == {"enabled": True}


def test_it_shows_herokus_refusal_and_audits_it_as_failed(fake_heroku, root, settings):
    settings.HEROKU_API_TOKEN = "revoked-token-000000"
    response = client_for(root).post(reverse("admin:ops_heroku_restart"), {"dyno": "web.1", "confirmed": "yes"},
                                     follow=True)
    assert "Heroku answered 401: Invalid credentials provided." in response.content.decode()
    record = AuditRecord.objects.get(action="heroku.dyno_restart")
    assert record.result == "failed" and "revoked-token" not in str(record.parameters) + record.detail


def test_it_falls_back_to_the_portals_formation_when_heroku_is_unreachable(root, settings):
    settings.HEROKU_API_URL, settings.HEROKU_API_TOKEN, settings.HEROKU_APP_NAME = "http://127.0.0.1:1", "t", "a"
    overview = dyno_overview()
    assert overview.expected == {"web": 1, "worker": 1, "beat": 1}
    assert overview.expected_source.endswith("(Heroku unreachable)")
    assert any("Heroku's view is unavailable" in w.text for w in overview.warnings)


def test_it_offers_no_heroku_buttons_without_a_connection(root):
    page = client_for(root).get(reverse("admin:ops_dynos")).content.decode()
    assert 'id="heroku"' not in page


def test_it_warns_about_a_dyno_heroku_reports_as_crashed(fake_heroku):
    fake_heroku.dynos[1]["state"] = "crashed"
    overview = dyno_overview()
    crashed = [w for w in overview.warnings if w.text == "Heroku reports web.2 as crashed."]
    assert [w.level for w in crashed] == ["red"]
