"""Inbound mail is authenticated and replay-proof: only the configured provider's URL, fresh signed
timestamps, each Mailgun token once, and production refuses to start without the credentials."""

import datetime as dt
import subprocess
import sys
import time

import pytest
from django.core.checks import Error
from django.utils import timezone

from core.models import Entry, InboundMessage, InboundToken
from core.services.inbound import inbound_messages_prune
from core.web.inbound import inbound_credentials_check, webhook_urlpatterns
from tests import mailgun
from tests.processes import ROOT


def _nothing_stored():
    return not InboundMessage.objects.exists() and not Entry.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/anymail/postmark/inbound/",
        "/anymail/sendgrid/inbound/",
        "/anymail/amazon_ses/inbound/",
        "/anymail/mandrill/",
        "/anymail/postmark/tracking/",
        "/anymail/mailgun/inbound/",  # Mailgun's parsed variant: we are told to use raw MIME only
        "/anymail/unknown/inbound/",
    ],
)
def test_it_does_not_mount_other_providers_inbound_urls(client, team, path):
    assert client.post(path, {"From": "bob@example.com", "text": "Shipped"}).status_code == 404
    assert _nothing_stored()


def test_it_accepts_a_fresh_signed_post_on_the_configured_providers_url(client, team, bob):
    assert mailgun.post(client, mailgun.reply()).status_code == 200
    assert Entry.objects.get().author == bob


def test_it_rejects_a_post_without_any_signature(client, team):
    fields = {"body-mime": mailgun.reply(), "recipient": "rocket@in.idonethis.test"}
    assert mailgun.post_fields(client, fields).status_code == 400
    assert _nothing_stored()


def test_it_rejects_a_signed_post_with_a_two_day_old_timestamp(client, team):
    stale = str(int(time.time()) - 2 * 24 * 3600)
    assert mailgun.post_fields(client, mailgun.signed_fields(mailgun.reply(), timestamp=stale)).status_code == 400
    assert _nothing_stored()


def test_it_rejects_a_timestamp_just_past_the_allowed_age(client, team, settings):
    stale = str(int(time.time()) - settings.INBOUND_SIGNATURE_MAX_AGE_SECONDS - 5)
    assert mailgun.post_fields(client, mailgun.signed_fields(mailgun.reply(), timestamp=stale)).status_code == 400
    assert _nothing_stored()


def test_it_rejects_a_timestamp_from_the_future_beyond_the_clock_skew(client, team, settings):
    future = str(int(time.time()) + settings.INBOUND_CLOCK_SKEW_SECONDS + 60)
    assert mailgun.post_fields(client, mailgun.signed_fields(mailgun.reply(), timestamp=future)).status_code == 400
    assert _nothing_stored()


def test_it_accepts_a_timestamp_a_little_ahead_within_the_clock_skew(client, team, bob):
    ahead = str(int(time.time()) + 10)
    assert mailgun.post_fields(client, mailgun.signed_fields(mailgun.reply(), timestamp=ahead)).status_code == 200
    assert Entry.objects.count() == 1


@pytest.mark.parametrize("timestamp", ["yesterday", "", "1e9", "17000000000000000000000"])
def test_it_answers_400_to_a_signed_non_numeric_or_absurd_timestamp(client, team, timestamp):
    fields = mailgun.signed_fields(mailgun.reply(), timestamp=timestamp)
    assert mailgun.post_fields(client, fields).status_code == 400
    assert _nothing_stored()


def test_it_answers_an_identical_replay_of_a_signed_post_with_200_and_creates_nothing(client, team, bob):
    fields = mailgun.signed_fields(mailgun.reply(body="Shipped once"))
    assert mailgun.post_fields(client, fields).status_code == 200
    assert mailgun.post_fields(client, fields).status_code == 200
    assert [e.text for e in Entry.objects.all()] == ["Shipped once"]
    assert InboundMessage.objects.count() == 1 and InboundToken.objects.count() == 1


def test_it_refuses_a_captured_signature_reused_with_another_body(client, team, bob):
    captured = mailgun.signature()
    first = {**mailgun.signed_fields(mailgun.reply(body="The real reply")), **captured}
    assert mailgun.post_fields(client, first).status_code == 200
    other = mailgun.reply(body="Fired everybody", message_id="<other@example.com>")
    forged = {**mailgun.signed_fields(other), **captured}
    assert mailgun.post_fields(client, forged).status_code == 400
    assert [e.text for e in Entry.objects.all()] == ["The real reply"]
    assert InboundMessage.objects.count() == 1


def test_it_refuses_a_captured_signature_reused_with_another_recipient(client, team, other_team, bob):
    captured = mailgun.signature()
    raw = mailgun.reply()
    assert mailgun.post_fields(client, {**mailgun.signed_fields(raw), **captured}).status_code == 200
    moved = {**mailgun.signed_fields(raw, recipient="elsewhere@in.idonethis.test"), **captured}
    assert mailgun.post_fields(client, moved).status_code == 400
    assert InboundMessage.objects.count() == 1


def test_it_keeps_a_token_only_until_its_timestamp_would_be_refused_anyway(client, team, bob, settings):
    mailgun.post(client, mailgun.reply())
    token = InboundToken.objects.get()
    assert token.expires_at <= timezone.now() + dt.timedelta(seconds=settings.INBOUND_SIGNATURE_MAX_AGE_SECONDS + 1)
    inbound_messages_prune(now=token.expires_at - dt.timedelta(seconds=1))
    assert InboundToken.objects.exists()
    inbound_messages_prune(now=token.expires_at + dt.timedelta(seconds=1))
    assert not InboundToken.objects.exists()


def test_it_reports_missing_mailgun_credentials_as_a_system_check_error(settings):
    settings.INBOUND_ESP = "mailgun"
    settings.ANYMAIL = {key: value for key, value in settings.ANYMAIL.items() if key != "MAILGUN_WEBHOOK_SIGNING_KEY"}
    errors = inbound_credentials_check(app_configs=None)
    assert [(type(e), e.id) for e in errors] == [(Error, "core.E101")]


def test_it_reports_a_provider_without_basic_auth_as_a_system_check_error(settings):
    settings.INBOUND_ESP = "postmark"
    settings.ANYMAIL = {key: value for key, value in settings.ANYMAIL.items() if key != "WEBHOOK_SECRET"}
    assert [e.id for e in inbound_credentials_check(app_configs=None)] == ["core.E101"]


def test_it_reports_a_provider_anymail_cannot_receive_from(settings):
    settings.INBOUND_ESP = "unisender_go"
    assert [e.id for e in inbound_credentials_check(app_configs=None)] == ["core.E102"]


def test_the_test_settings_pass_the_inbound_check():
    assert inbound_credentials_check(app_configs=None) == []


def _manage_check(tmp_path, *command, **env):
    base = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "VAR_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": "production-like-secret-key-for-the-check-0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "idonethis.example",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *(command or ["check"])],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_the_providers_webhook_signing_key(tmp_path):
    result = _manage_check(tmp_path, DJANGO_DEBUG="false", ANYMAIL_ESP="mailgun", MAILGUN_API_KEY="key-123")
    assert result.returncode != 0 and "core.E101" in result.stderr
    # The release phase (Procfile) runs migrate, which runs the checks first: the deploy stops there.
    release = _manage_check(tmp_path, "migrate", "--noinput", DJANGO_DEBUG="false", ANYMAIL_ESP="mailgun")
    assert release.returncode != 0 and "core.E101" in release.stderr
    assert "Applying" not in release.stdout
    configured = _manage_check(
        tmp_path, DJANGO_DEBUG="false", ANYMAIL_ESP="mailgun", MAILGUN_WEBHOOK_SIGNING_KEY="whsec-123"
    )
    assert configured.returncode == 0, configured.stderr


def test_the_embedded_defaults_start_with_a_generated_local_signing_key(tmp_path):
    result = _manage_check(tmp_path, DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr
    key = (tmp_path / "inbound-signing-key").read_text().strip()
    assert len(key) >= 32
    assert _manage_check(tmp_path, DJANGO_DEBUG="true").returncode == 0
    assert (tmp_path / "inbound-signing-key").read_text().strip() == key  # the same key on every start


def test_another_configured_provider_gets_its_own_urls_only():
    names = [p.name for p in webhook_urlpatterns("postmark")]
    assert names == ["postmark_inbound_webhook", "postmark_tracking_webhook"]
    names = [p.name for p in webhook_urlpatterns("mailgun")]
    assert names == ["mailgun_inbound_webhook", "mailgun_tracking_webhook"]
    assert webhook_urlpatterns("none") == []


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"FromFull": 3}', b'{"RawEmail": null}'])
def test_another_providers_inbound_url_answers_4xx_to_junk_with_its_basic_auth(rf, db, body):
    view = webhook_urlpatterns("postmark")[0].callback
    request = rf.post("/anymail/postmark/inbound/", body, content_type="application/json")
    request.META["HTTP_AUTHORIZATION"] = mailgun.basic_auth()
    status = view(request).status_code
    mailgun.parse_stored()
    # Refused before anything is stored, or (authentic, but no usable mail in it) stored as a rejection.
    stored = list(InboundMessage.objects.values_list("outcome", flat=True))
    assert (400 <= status < 500 and stored == []) or (status == 200 and stored == [InboundMessage.Outcome.REJECTED])
    assert not Entry.objects.exists()
