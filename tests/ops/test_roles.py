"""Roles: each persona sees and can do exactly what it should; forbidden is a 403, not a hidden button."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from ops.models import AuditRecord
from ops.roles import DEVELOPER, ROLES, SUPPORT, roles_sync
from tests.ops.conftest import client_for

pytestmark = pytest.mark.django_db

OK, FORBIDDEN = 200, 403

# (url name, method, data) → expected status for support, developer, superuser, staff without a role.
# POSTs without ``confirmed=yes`` render the confirmation page: 200 means "allowed to ask".
MATRIX = [
    ("admin:index", "get", None, (OK, OK, OK, OK)),
    ("admin:ops_dynos", "get", None, (OK, OK, OK, FORBIDDEN)),
    ("admin:ops_database", "get", None, (OK, OK, OK, FORBIDDEN)),
    ("admin:core_delivery_changelist", "get", None, (OK, OK, OK, FORBIDDEN)),
    ("admin:core_inboundmessage_changelist", "get", None, (OK, OK, OK, FORBIDDEN)),
    ("admin:ops_maintenance", "get", None, (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN)),
    ("admin:ops_auditrecord_changelist", "get", None, (OK, OK, OK, FORBIDDEN)),
    ("admin:ops_heartbeat_changelist", "get", None, (OK, OK, OK, FORBIDDEN)),
    ("admin:core_user_changelist", "get", None, (OK, OK, OK, FORBIDDEN)),
    ("admin:django_celery_results_taskresult_changelist", "get", None, (OK, OK, OK, FORBIDDEN)),
    ("admin:ops_database_cancel", "post", {"pid": "123"}, (FORBIDDEN, OK, OK, FORBIDDEN)),
    ("admin:ops_database_end_idle_session", "post", {"pid": "123"}, (FORBIDDEN, OK, OK, FORBIDDEN)),
    ("admin:ops_database_terminate", "post", {"pid": "123"}, (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN)),
    ("admin:ops_maintenance_set", "post", {"enabled": "on"}, (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN)),
    ("admin:ops_heroku_restart", "post", {"dyno": "web.1"}, (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN)),
    ("admin:ops_heroku_restart_type", "post", {"process_type": "web"}, (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN)),
    ("admin:ops_heroku_scale", "post", {"process_type": "web", "quantity": "2"}, (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN)),
    ("admin:ops_heroku_maintenance", "post", {"enabled": "on"}, (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN)),
]


@pytest.mark.parametrize(("name", "method", "data", "expected"), MATRIX, ids=[row[0] for row in MATRIX])
def test_it_gives_each_role_exactly_its_pages_and_actions(sam, dev, root, stan, name, method, data, expected):
    for user, status in zip((sam, dev, root, stan), expected, strict=True):
        response = getattr(client_for(user), method)(reverse(name), data or {})
        assert response.status_code == status, f"{user.email} {method.upper()} {name}"


def test_it_lets_only_developers_and_superusers_edit_the_expected_formation(sam, dev, root, stan):
    url = reverse("admin:ops_formation")
    assert client_for(sam).post(url, {"web": "2", "worker": "1", "beat": "1"}).status_code == FORBIDDEN
    assert client_for(stan).post(url, {"web": "2", "worker": "1", "beat": "1"}).status_code == FORBIDDEN
    assert client_for(dev).post(url, {"web": "2", "worker": "1", "beat": "1"}).status_code == 302
    assert AuditRecord.objects.filter(action="formation.update", actor=dev).exists()


def test_it_sends_people_who_are_not_staff_to_the_admin_login(alice):
    response = client_for(alice).get(reverse("admin:ops_dynos"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_it_does_nothing_and_writes_no_audit_row_when_forbidden(sam):
    client_for(sam).post(reverse("admin:ops_maintenance_set"), {"enabled": "on", "confirmed": "yes"})
    assert not AuditRecord.objects.exists()


def test_it_creates_the_role_groups_with_every_listed_permission():
    assert roles_sync() == {SUPPORT: [], DEVELOPER: []}
    for role, names in ROLES.items():
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=role).permissions.all()}
        assert granted >= set(names)
    support = {p.codename for p in Group.objects.get(name=SUPPORT).permissions.all()}
    assert "view_database" not in support and "cancel_query" not in support


def test_it_shows_each_role_only_the_tiles_and_buttons_it_may_use(sam, dev, root, healthy_formation):
    support_index = client_for(sam).get(reverse("admin:index")).content.decode()
    assert 'data-tile="dynos"' in support_index
    assert reverse("admin:ops_database") in support_index  # the budget and pools, read-only
    assert reverse("admin:ops_database") in client_for(dev).get(reverse("admin:index")).content.decode()
    assert reverse("admin:ops_maintenance") in client_for(root).get(reverse("admin:index")).content.decode()
    assert 'id="formation-form"' not in client_for(sam).get(reverse("admin:ops_dynos")).content.decode()
    assert 'id="formation-form"' in client_for(dev).get(reverse("admin:ops_dynos")).content.decode()
