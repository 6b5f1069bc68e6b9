"""Maintenance mode: end users get a friendly 503, APIs a 503 JSON; the portal and /health keep working."""

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from ops.models import AuditRecord
from ops.selectors.maintenance import maintenance_forget, maintenance_state
from ops.services.maintenance import maintenance_set
from tests.ops.conftest import client_for

pytestmark = pytest.mark.django_db


def test_it_turns_maintenance_on_and_off_from_the_portal_after_confirmation(root):
    client = client_for(root)
    asked = client.post(reverse("admin:ops_maintenance_set"), {"enabled": "on", "message": "Upgrading"})
    assert asked.status_code == 200 and "Turn maintenance mode ON?" in asked.content.decode()
    assert Client().get("/").status_code == 200  # asking changed nothing
    client.post(reverse("admin:ops_maintenance_set"), {"enabled": "on", "message": "Upgrading", "confirmed": "yes"})
    page = Client().get("/")
    assert page.status_code == 503 and "Upgrading" in page.content.decode()
    client.post(reverse("admin:ops_maintenance_set"), {"enabled": "", "confirmed": "yes"})
    assert Client().get("/").status_code == 200
    assert list(AuditRecord.objects.order_by("id").values_list("action", "actor")) == [
        ("maintenance.on", root.pk), ("maintenance.off", root.pk)]


def test_it_answers_end_users_with_a_503_page_and_retry_after(root):
    maintenance_set(actor=root, enabled=True, retry_after=120)
    response = Client().get("/accounts/login/")
    assert response.status_code == 503
    assert response["Retry-After"] == "120"
    assert "doing a little maintenance" in response.content.decode()


def test_it_answers_api_and_webhooks_with_503_json(root):
    maintenance_set(actor=root, enabled=True, message="Back at 10:00")
    for path in ("/api/v2/entries", "/webhooks/inbound/mailgun/", "/slack/commands/"):
        response = Client().post(path, {"x": "1"})
        assert response.status_code == 503, path
        assert response.json() == {"error": "Back at 10:00", "maintenance": True}
        assert response["Retry-After"]


def test_it_keeps_the_portal_and_health_working_during_maintenance(root):
    maintenance_set(actor=root, enabled=True)
    assert client_for(root).get(reverse("admin:ops_dynos")).status_code == 200
    assert Client().get(reverse("admin:login")).status_code == 200
    health = Client().get("/health")
    assert health.status_code in (200, 503)  # decided by its checks, never by maintenance
    assert health.json()["checks"]["maintenance"]["status"] == "on"
    page = client_for(root).get(reverse("admin:ops_maintenance")).content.decode()
    assert 'data-maintenance="on"' in page


def _database_down(execute, sql, params, many, context):
    raise OperationalError("the database is down")


def test_it_keeps_the_last_known_state_when_the_database_cannot_be_asked(root, settings):
    from django.db import connection

    maintenance_set(actor=root, enabled=True)
    maintenance_state(fresh=True)
    with connection.execute_wrapper(_database_down):
        assert maintenance_state(fresh=True)["enabled"] is True
        maintenance_forget()
        assert maintenance_state(fresh=True) == {"enabled": False, "message": "", "unknown": True,
                                                 "retry_after": settings.MAINTENANCE_RETRY_AFTER_SECONDS}
