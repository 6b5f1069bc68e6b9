"""Sessions read with one written-out statement (core.sessions): the same rows as Django's database store, and
every way a session ends still ends it at once, on every process (nothing is cached)."""

import datetime as dt

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.sessions import SessionStore


def _signed_in(email: str, password: str) -> Client:
    client = Client()
    assert client.post(reverse("login"), {"username": email, "password": password}).status_code == 302
    return client


def _signed_in_page(client: Client) -> int:
    return client.get(reverse("teams")).status_code  # 200 signed in, 302 to the login page otherwise


def _copy(client: Client) -> Client:
    """Another browser presenting the same session cookie (a stolen or second copy of it)."""
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return other


def test_it_is_the_configured_store():
    assert settings.SESSION_ENGINE == "core.sessions"


def test_it_reads_what_djangos_store_reads(db):
    django_store = DjangoStore()
    django_store["answer"] = 42
    django_store.create()
    key = django_store.session_key
    assert SessionStore(key).load() == DjangoStore(key).load() == {"answer": 42}

    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    expired = SessionStore(key)
    assert expired.load() == DjangoStore(key).load() == {}
    assert expired.session_key is None  # as Django's: saving it makes a new key, never revives the old one

    unknown = SessionStore("no-such-session-key-0123456789")
    assert unknown.load() == {} and unknown.session_key is None
    assert SessionStore(None).load() == {}


def test_logging_out_ends_the_session_for_every_copy_of_its_cookie(alice):
    browser = _signed_in("alice@example.com", "alice-password-1")
    copy = _copy(browser)
    assert _signed_in_page(copy) == 200
    assert browser.post(reverse("logout")).status_code == 302
    assert _signed_in_page(copy) == 302
    assert _signed_in_page(browser) == 302


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(alice):
    here = _signed_in("alice@example.com", "alice-password-1")
    elsewhere = _signed_in("alice@example.com", "alice-password-1")
    changed = here.post(
        reverse("password_change"),
        {
            "old_password": "alice-password-1",
            "new_password1": "a-new-pass-phrase-9",
            "new_password2": "a-new-pass-phrase-9",
        },
    )
    assert changed.status_code == 302
    assert _signed_in_page(here) == 200
    assert _signed_in_page(elsewhere) == 302


def test_a_session_deleted_on_the_server_ends_on_the_next_request(alice):
    browser = _signed_in("alice@example.com", "alice-password-1")
    assert _signed_in_page(browser) == 200
    Session.objects.filter(session_key=browser.cookies[settings.SESSION_COOKIE_NAME].value).delete()
    assert _signed_in_page(browser) == 302


def test_a_deactivated_account_is_signed_out_on_the_next_request(alice):
    browser = _signed_in("alice@example.com", "alice-password-1")
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert _signed_in_page(browser) == 302
