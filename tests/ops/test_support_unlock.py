"""Support unlocks a login locked out by failed passwords: the person page shows it, the action asks first,
is audited, and only roles holding ``ops.unlock_login`` may do it."""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import LoginFailure
from core.services.logins import MAX_FAILURES
from ops.models import AuditRecord
from tests.ops.conftest import client_for

pytestmark = pytest.mark.django_db

ADDRESS = "10.0.0.7"


def _login(email: str, password: str) -> tuple[Client, int]:
    client = Client()
    response = client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ADDRESS)
    return client, response.status_code


def _lock_out(email: str) -> None:
    for _ in range(MAX_FAILURES):
        assert _login(email, "wrong")[1] == 200
    client, status = _login(email, "bob-password-1")
    assert status == 200 and "_auth_user_id" not in client.session  # locked: the right password is refused


def _unlock(staff, bob, *, confirmed: bool = True):
    data = {"user": bob.hash_id, **({"confirmed": "yes"} if confirmed else {})}
    return client_for(staff).post(reverse("admin:ops_support_unlock"), data)


@pytest.mark.parametrize("role", ["sam", "dev", "root"])
def test_it_shows_a_lockout_and_lets_support_unlock_it_so_the_person_logs_in(request, role, bob):
    staff = request.getfixturevalue(role)
    _lock_out("bob@example.com")
    person = reverse("admin:ops_person", args=[bob.hash_id])
    page = client_for(staff).get(person).content.decode()
    assert "locked out" in page and f"{ADDRESS}: <strong>locked until" in page
    assert f"{MAX_FAILURES} failures" in page and "data-unlock-login" in page
    assert "not listed on this build" not in page

    asked = _unlock(staff, bob, confirmed=False)
    assert asked.status_code == 200 and "Are you sure?" in asked.content.decode()
    assert LoginFailure.objects.get(email="bob@example.com").locked_until is not None  # nothing done yet

    done = _unlock(staff, bob)
    assert done.status_code == 302 and done["Location"] == person
    record = AuditRecord.objects.get(action="user.login_unlock")
    assert record.actor == staff and record.target == "bob@example.com" and record.result == "ok"
    assert record.parameters["old_locked_addresses"] == [ADDRESS]
    assert record.parameters["new_locked_addresses"] == [] and record.parameters["unlocked"] == 1

    page = client_for(staff).get(person).content.decode()
    assert "locked out" not in page and f"by {staff.email}" in page and "data-unlock-login" not in page
    client, status = _login("bob@example.com", "bob-password-1")
    assert status == 302 and "_auth_user_id" in client.session


def test_it_refuses_unlock_to_staff_without_a_role_and_sends_others_to_the_login(stan, alice, bob):
    _lock_out("bob@example.com")
    assert _unlock(stan, bob).status_code == 403
    not_staff = _unlock(alice, bob)
    assert not_staff.status_code == 302 and not_staff["Location"].startswith(reverse("admin:login"))
    assert LoginFailure.objects.get(email="bob@example.com").locked_until is not None
    assert not AuditRecord.objects.filter(action="user.login_unlock").exists()
    page = client_for(stan).get(reverse("admin:ops_person", args=[bob.hash_id]))
    assert page.status_code == 403


def test_it_says_nothing_changed_when_there_was_nothing_to_unlock(dev, bob):
    client = client_for(dev)
    done = client.post(reverse("admin:ops_support_unlock"), {"user": bob.hash_id, "confirmed": "yes"})
    assert done.status_code == 302
    page = client.get(done["Location"]).content.decode()
    assert "had no failed logins to clear" in page and "none lately" in page
    assert AuditRecord.objects.get(action="user.login_unlock").parameters["unlocked"] == 0


def test_it_answers_an_unknown_person_with_a_clear_error_not_a_500(dev):
    client = client_for(dev)
    done = client.post(reverse("admin:ops_support_unlock"), {"user": "nobody", "confirmed": "yes"})
    assert done.status_code == 302
    assert "Nothing done" in client.get(done["Location"]).content.decode()
    assert not AuditRecord.objects.exists()
