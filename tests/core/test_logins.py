"""The login throttle: per account and address, in the database, shared by the product's and the admin's login."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.models import LoginFailure
from core.selectors.logins import login_is_locked, login_lockout_state
from core.services.logins import LOCKOUT, MAX_FAILURES, login_failure_record, login_failures_prune, login_unlock

ADDRESS = "10.0.0.1"


def _login(client, url, email, password, address=ADDRESS):
    return client.post(url, {"username": email, "password": password}, REMOTE_ADDR=address)


def test_it_locks_the_product_login_after_repeated_failures_even_for_the_right_password(client, alice):
    url = reverse("login")
    for _ in range(MAX_FAILURES):
        assert _login(client, url, "Alice@Example.com", "wrong").status_code == 200
    refused = _login(client, url, "alice@example.com", "alice-password-1")
    assert refused.status_code == 200 and "Too many failed attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert _login(client, url, "alice@example.com", "alice-password-1", address="10.0.0.2").status_code == 302


def test_it_locks_the_admin_login_after_ten_wrong_passwords_until_the_lockout_ends(client, db):
    from tests.ops.conftest import _staff

    _staff("root@idonethis.test", superuser=True)
    url = reverse("admin:login")
    for _ in range(10):
        page = _login(client, url, "root@idonethis.test", "wrong")
        assert page.status_code == 200
    refused = _login(client, url, "root@idonethis.test", "portal-password-1")
    assert refused.status_code == 200 and "Too many failed attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    state = login_lockout_state(email="root@idonethis.test")
    assert [(s.address, s.failures, s.locked) for s in state] == [(ADDRESS, MAX_FAILURES, True)]
    with time_machine.travel(timezone.now() + LOCKOUT + dt.timedelta(seconds=1)):
        assert _login(client, url, "root@idonethis.test", "portal-password-1").status_code == 302


def test_it_shares_one_counter_between_the_product_and_the_admin_login(client, db):
    from tests.ops.conftest import _staff

    _staff("root@idonethis.test", superuser=True)
    for _ in range(MAX_FAILURES):
        _login(client, reverse("login"), "root@idonethis.test", "wrong")
    refused = _login(client, reverse("admin:login"), "root@idonethis.test", "portal-password-1")
    assert "Too many failed attempts" in refused.content.decode()


def test_it_lets_support_see_and_lift_a_lockout(client, alice, bob):
    for address in (ADDRESS, "10.0.0.9"):
        for _ in range(MAX_FAILURES):
            login_failure_record(email="alice@example.com", address=address)
    assert login_is_locked(email="alice@example.com", address=ADDRESS)
    assert login_unlock(actor=bob, email=" ALICE@example.com ") == 2
    assert not login_is_locked(email="alice@example.com", address=ADDRESS)
    state = login_lockout_state(email="alice@example.com")
    assert {(s.failures, s.locked, s.unlocked_by) for s in state} == {(0, False, "bob@example.com")}
    assert _login(client, reverse("login"), "alice@example.com", "alice-password-1").status_code == 302


def test_it_starts_counting_again_after_the_window_and_forgets_typos_on_success(client, alice):
    now = timezone.now()
    for _ in range(MAX_FAILURES - 1):
        login_failure_record(email="alice@example.com", address=ADDRESS, now=now - dt.timedelta(hours=1))
    assert login_failure_record(email="alice@example.com", address=ADDRESS).failures == 1
    assert _login(client, reverse("login"), "alice@example.com", "alice-password-1").status_code == 302
    assert not LoginFailure.objects.filter(email="alice@example.com").exists()


def test_it_prunes_idle_rows_only(db):
    login_failure_record(email="old@example.com", address=ADDRESS, now=timezone.now() - dt.timedelta(days=8))
    login_failure_record(email="new@example.com", address=ADDRESS)
    assert login_failures_prune(before=timezone.now() - dt.timedelta(days=7)) == 1
    assert list(LoginFailure.objects.values_list("email", flat=True)) == ["new@example.com"]


@pytest.mark.django_db(transaction=True)
def test_it_counts_concurrent_failures_exactly(alice):
    from tests.concurrency import run_at_once

    run_at_once(lambda: login_failure_record(email="alice@example.com", address=ADDRESS), times=4)
    assert LoginFailure.objects.get(email="alice@example.com").failures == 4
