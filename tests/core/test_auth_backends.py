"""The signed-in user read by one written-out statement (core.auth_backends.UserBackend): the same user as
Django's ModelBackend reads, the same refusals, sessions signed in before it still signed in, and a wrong
password hashed once."""

from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from core.auth_backends import UserBackend
from core.models import User
from tests.conftest import requires_postgres

OURS = "core.auth_backends.UserBackend"


def test_it_comes_first_and_djangos_backend_stays_listed():
    assert settings.AUTHENTICATION_BACKENDS == [OURS, "django.contrib.auth.backends.ModelBackend"]


@requires_postgres
def test_it_reads_every_field_django_reads(alice, django_assert_num_queries):
    alice.last_login = alice.date_joined
    alice.save(update_fields=["last_login"])
    with django_assert_num_queries(1):
        ours = UserBackend().get_user(str(alice.pk))  # the session holds the id as text
    theirs = ModelBackend().get_user(alice.pk)
    for field in User._meta.concrete_fields:
        assert getattr(ours, field.attname) == getattr(theirs, field.attname), field.attname
    assert ours._state.adding is False and ours._state.db == "default"
    ours.full_name = "Alice A."  # a normal instance: it saves
    ours.save(update_fields=["full_name"])
    assert User.objects.get(pk=alice.pk).full_name == "Alice A."


@pytest.mark.parametrize("user_id", ["999999999", "not-a-number", None, ""])
def test_it_answers_none_for_who_is_not_there(db, user_id):
    assert UserBackend().get_user(user_id) is None


def test_it_refuses_a_deactivated_user(alice):
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert UserBackend().get_user(alice.pk) is None


def test_signing_in_records_it_as_the_sessions_backend(alice):
    client = Client()
    response = client.post(reverse("login"), {"username": "alice@example.com", "password": "alice-password-1"})
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == OURS
    assert client.get(reverse("teams")).status_code == 200


def test_a_session_signed_in_through_djangos_backend_stays_signed_in(alice):
    session = SessionStore()
    session[SESSION_KEY] = str(alice.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = alice.get_session_auth_hash()
    session.create()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    page = client.get(reverse("teams"))
    assert page.status_code == 200 and page.context["user"] == alice


def test_a_changed_password_still_ends_other_sessions(alice):
    other = Client()
    other.post(reverse("login"), {"username": "alice@example.com", "password": "alice-password-1"})
    alice.set_password("a-new-password-2")
    alice.save()
    assert other.get(reverse("teams")).status_code == 302  # to the login page


@pytest.mark.parametrize(
    "email, password",
    [("alice@example.com", "wrong-password-1"), ("nobody@example.com", "whatever-password-1")],
    ids=["wrong password", "unknown address"],
)
def test_a_failed_sign_in_hashes_the_password_once(alice, email, password):
    with (
        mock.patch.object(User, "check_password", autospec=True, side_effect=User.check_password) as checked,
        mock.patch.object(User, "set_password", autospec=True, side_effect=User.set_password) as hashed,
    ):
        response = Client().post(reverse("login"), {"username": email, "password": password})
    assert response.status_code == 200  # the form again, with its error
    assert checked.call_count + hashed.call_count == 1
