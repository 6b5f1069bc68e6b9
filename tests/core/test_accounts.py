"""Accounts: settings, schedules, API token, verification links, password reset, login throttling."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from core.models import Delivery, Membership, User
from core.services.accounts import (
    api_token_digest,
    email_verify,
    membership_schedule_update,
    user_api_token_reset,
    user_profile_update,
)


def test_it_gives_each_new_user_a_free_nickname(alice, db):
    from core.services.accounts import user_signup

    other = user_signup(email="alice@elsewhere.test", password="x-password-1")
    assert alice.nickname == "alice" and other.nickname == "alice2"


def test_it_refuses_a_taken_or_malformed_nickname(alice, bob):
    with pytest.raises(ValueError, match="taken"):
        user_profile_update(user=bob, actor=bob, full_name="Bob", nickname="ALICE", time_zone="UTC")
    with pytest.raises(ValueError, match="letters"):
        user_profile_update(user=bob, actor=bob, full_name="Bob", nickname="bo b", time_zone="UTC")


def test_changing_time_zone_moves_the_schedule(alice, team):
    membership = Membership.objects.get(team=team, user=alice)
    before = membership.next_reminder_at
    user_profile_update(user=alice, actor=alice, full_name="Alice", nickname="alice", time_zone="Asia/Tokyo")
    membership.refresh_from_db()
    assert membership.next_reminder_at != before


def test_it_schedules_in_15_minute_steps_and_pauses(alice, team):
    membership = Membership.objects.get(team=team, user=alice)
    with pytest.raises(ValueError, match="15-minute"):
        membership_schedule_update(
            membership=membership,
            actor=alice,
            reminder_days="0",
            reminder_time=dt.time(17, 5),
            digest_days="0",
            digest_time=dt.time(8, 30),
            emails_paused=False,
        )
    membership_schedule_update(
        membership=membership,
        actor=alice,
        reminder_days="0",
        reminder_time=dt.time(17, 15),
        digest_days="0",
        digest_time=dt.time(8, 30),
        emails_paused=True,
    )
    membership.refresh_from_db()
    assert membership.next_reminder_at is None and membership.next_digest_at is None


def test_it_resets_the_api_token_and_stores_only_its_digest(alice):
    first = user_api_token_reset(user=alice, actor=alice)
    second = user_api_token_reset(user=alice, actor=alice)
    alice.refresh_from_db()
    assert first != second and alice.api_token_hash == api_token_digest(second) and second not in alice.api_token_hash


def test_it_refuses_a_tampered_verification_link(alice):
    with pytest.raises(ValueError, match="invalid"):
        email_verify(token="not-a-token")


def test_settings_page_saves_profile_and_rejects_unknown_time_zones(client, alice):
    client.force_login(alice)
    url = reverse("user_settings")
    bad = client.post(url, {"action": "profile", "full_name": "A", "nickname": "al", "time_zone": "Mars/Olympus"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()
    ok = client.post(url, {"action": "profile", "full_name": "Alice A", "nickname": "al", "time_zone": "Europe/Paris"})
    assert ok.status_code == 302
    alice.refresh_from_db()
    assert (alice.full_name, alice.nickname, alice.time_zone) == ("Alice A", "al", "Europe/Paris")


def test_settings_page_saves_a_teams_schedule(client, alice, team):
    client.force_login(alice)
    membership = Membership.objects.get(team=team, user=alice)
    prefix = f"m{membership.pk}"
    data = {
        "action": f"schedule-{membership.pk}",
        f"{prefix}-reminder_days": ["0", "2"],
        f"{prefix}-reminder_time": "18:45",
        f"{prefix}-digest_days": ["1"],
        f"{prefix}-digest_time": "07:15",
    }
    assert client.post(reverse("user_settings"), data).status_code == 302
    membership.refresh_from_db()
    assert (membership.reminder_days, membership.reminder_time, membership.digest_days) == ("02", dt.time(18, 45), "1")
    data[f"{prefix}-reminder_time"] = "18:50"
    assert client.post(reverse("user_settings"), data).status_code == 400


def test_password_reset_sends_an_email_with_a_working_link(client, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert response.status_code == 302
    sent = Delivery.objects.get(kind=Delivery.Kind.PASSWORD_RESET)
    assert (sent.status, sent.user, sent.to_email) == (Delivery.Status.SENT, alice, "alice@example.com")
    assert "token" not in str(sent.payload)  # the link is made at send time and never stored
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/accounts/reset/" in line)
    path = link[link.index("/accounts/reset/") :].strip()
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200 and "new_password1" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "brand-new-pass-9", "new_password2": "brand-new-pass-9"}
    )
    assert done.status_code == 302
    assert client.login(email="alice@example.com", password="brand-new-pass-9")


def test_settings_page_adds_and_verifies_an_alternate_address(client, alice, django_capture_on_commit_callbacks):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("user_settings"), {"action": "add-email", "email": "alice@work.test"})
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/accounts/verify/" in line)
    client.get(link[link.index("/accounts/verify/") :].strip())
    assert alice.alternate_emails.get().verified_at is not None
    taken = client.post(reverse("user_settings"), {"action": "add-email", "email": "alice@work.test"})
    assert taken.status_code == 400 and "already in use" in taken.content.decode()


def test_settings_page_shows_a_new_api_token_once_and_saves_preferences(client, alice):
    client.force_login(alice)
    page = client.post(reverse("user_settings"), {"action": "reset-token"}, follow=True).content.decode()
    alice.refresh_from_db()
    token = page.split("Your new API token: ", 1)[1].split(" ", 1)[0]
    assert api_token_digest(token) == alice.api_token_hash
    assert token not in client.get(reverse("user_settings")).content.decode()
    client.post(reverse("user_settings"), {"action": "notifications", "on_like": "on"})
    alice.refresh_from_db()
    assert (alice.email_on_comment, alice.email_on_mention, alice.email_on_like) == (False, False, True)


# The settings page keeps each membership's next reminder and digest (UTC) true to what was saved.

THURSDAY_NOON = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def _schedule_post(
    membership: Membership, *, reminder=("0", "2"), at="18:45", digest=("1",), digest_at="07:15", **extra
):
    prefix = f"m{membership.pk}"
    return {
        "action": f"schedule-{membership.pk}",
        f"{prefix}-reminder_days": list(reminder),
        f"{prefix}-reminder_time": at,
        f"{prefix}-digest_days": list(digest),
        f"{prefix}-digest_time": digest_at,
        **{f"{prefix}-{key}": value for key, value in extra.items()},
    }


def _next_times(membership: Membership) -> tuple:
    membership.refresh_from_db()
    return membership.next_reminder_at, membership.next_digest_at


@time_machine.travel(THURSDAY_NOON, tick=False)
def test_settings_page_reschedules_a_team_when_its_days_and_times_change(client, alice, team):
    alice.time_zone = "America/New_York"
    alice.save(update_fields=["time_zone"])
    client.force_login(alice)
    membership = Membership.objects.get(team=team, user=alice)
    personal = Membership.objects.get(user=alice, team__is_personal=True)
    before = _next_times(personal)
    assert client.post(reverse("user_settings"), _schedule_post(membership)).status_code == 302
    assert _next_times(membership) == (
        dt.datetime(2026, 11, 30, 23, 45, tzinfo=dt.UTC),  # Monday 18:45 EST
        dt.datetime(2026, 12, 1, 12, 15, tzinfo=dt.UTC),  # Tuesday 07:15 EST
    )
    assert _next_times(personal) == before  # another team's schedule is its own


@time_machine.travel(THURSDAY_NOON, tick=False)
def test_settings_page_moves_every_schedule_when_the_time_zone_changes(client, alice, team):
    client.force_login(alice)
    memberships = list(Membership.objects.filter(user=alice))
    assert len(memberships) == 2  # Rocket and the personal log
    profile = {"action": "profile", "full_name": "Alice Archer", "nickname": "alice", "time_zone": "Asia/Tokyo"}
    assert client.post(reverse("user_settings"), profile).status_code == 302
    for membership in memberships:
        assert _next_times(membership) == (
            dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC),  # Friday 17:00 in Tokyo (21:00 there now)
            dt.datetime(2026, 11, 26, 23, 30, tzinfo=dt.UTC),  # Friday 08:30 in Tokyo
        )


@time_machine.travel(THURSDAY_NOON, tick=False)
def test_settings_page_pauses_and_resumes_a_teams_emails(client, alice, team):
    client.force_login(alice)
    membership = Membership.objects.get(team=team, user=alice)
    paused = _schedule_post(
        membership, reminder="01234", at="17:00", digest="01234", digest_at="08:30", emails_paused="on"
    )
    assert client.post(reverse("user_settings"), paused).status_code == 302
    assert _next_times(membership) == (None, None) and membership.emails_paused
    resumed = _schedule_post(membership, reminder="01234", at="17:00", digest="01234", digest_at="08:30")
    assert client.post(reverse("user_settings"), resumed).status_code == 302
    assert _next_times(membership) == (
        dt.datetime(2026, 11, 26, 17, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 27, 8, 30, tzinfo=dt.UTC),
    )
    assert not membership.emails_paused


@time_machine.travel(THURSDAY_NOON, tick=False)
def test_settings_page_schedules_nothing_for_a_team_with_no_days_chosen(client, alice, team):
    client.force_login(alice)
    membership = Membership.objects.get(team=team, user=alice)
    assert (
        client.post(reverse("user_settings"), _schedule_post(membership, reminder=(), digest=("4",))).status_code == 302
    )
    assert _next_times(membership) == (None, dt.datetime(2026, 11, 27, 7, 15, tzinfo=dt.UTC))


@pytest.mark.django_db(transaction=True)
def test_it_signs_up_when_the_mail_provider_is_down_after_commit(client, settings):
    from tests.processes import free_port

    # A real SMTP backend pointed at a port nobody listens on: the send after commit fails.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    response = client.post(
        reverse("signup"),
        {"email": "erin@example.com", "full_name": "Erin", "password1": "a-long-password-9",
         "password2": "a-long-password-9", "time_zone": "UTC"},
    )
    assert response.status_code == 302
    assert User.objects.filter(email="erin@example.com").exists()
