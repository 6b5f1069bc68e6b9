"""The support runbook in a real browser, as Support staff, with a real worker sending the resend.

"I didn't get my digest": find the person by email → the next digest in their zone and in UTC →
yesterday's digest failed → resend → sent. "My reply didn't show up": find the inbound email by its
Message-ID → why it made no entries → the person verifies the address → parse it again → entries.
Screenshots: ops-support-*.png (see tests/browser.py).
"""

import datetime as dt
import email
import email.policy
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core.models import Delivery, Entry, InboundMessage, Membership
from core.services.accounts import user_profile_update
from core.services.entries import entry_create
from ops.roles import SUPPORT
from tests import mailgun
from tests.browser import screenshot
from tests.ops.conftest import _staff
from tests.processes import celery_worker, process_env, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
NEW_YORK = ZoneInfo("America/New_York")


def _log_in(page, user) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})  # the delivery log has ten columns
    page.goto("/admin/login/?next=/admin/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", "portal-password-1")
    page.click("input[type=submit]")
    page.wait_for_selector("#ops-find")


def _find(page, term: str) -> None:
    page.goto("/admin/")
    page.fill("#ops-find-q", term)
    page.click("#ops-find input[type=submit]")
    page.wait_for_load_state()


def _digest_mails(mail_dir) -> list:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(mail_dir.glob("*.eml"))
        if "digest" in path.read_text(errors="replace").lower()
    ]


def test_it_resends_yesterdays_failed_digest_from_the_person_page(page, settings, tmp_path, alice, bob, team):
    sam = _staff("sam@idonethis.test", group=SUPPORT)
    user_profile_update(
        user=alice, actor=alice, full_name=alice.full_name, nickname=alice.nickname, time_zone="America/New_York"
    )
    membership = Membership.objects.get(user=alice, team=team)
    zone_today = timezone.now().astimezone(NEW_YORK).date()
    for days_ago in range(1, 4):
        entry_create(
            author=bob, team=team, text=f"Shipped part {days_ago}", occurred_on=zone_today - dt.timedelta(days_ago)
        )
    failed = Delivery.objects.create(
        membership=membership,
        kind="digest",
        local_date=zone_today - dt.timedelta(days=1),
        status="failed",
        claimed_at=timezone.now() - dt.timedelta(days=1),
        to_email=alice.email,
        error="SMTPServerDisconnected: Connection unexpectedly closed",
    )
    queue, mail_dir = f"resend-{uuid.uuid4().hex[:8]}", tmp_path / "mail"
    settings.DELIVERY_QUEUE = queue  # the portal (live server, this process) sends the resend there
    env = process_env(
        DELIVERY_QUEUE=queue, EMAIL_FILE_PATH=str(mail_dir), EMAIL_BACKEND="core.mail.FilePerMessageBackend"
    )
    with celery_worker(env=env, queue=queue) as worker:
        _log_in(page, sam)
        _find(page, "ALICE@example.com")
        assert page.locator("[data-person]").get_attribute("data-person") == alice.hash_id
        row = page.locator(f'tr[data-membership="{membership.pk}"]')
        membership.refresh_from_db()
        local, utc = membership.next_digest_at.astimezone(NEW_YORK), membership.next_digest_at.astimezone(dt.UTC)
        assert local.hour == 8 and local.minute == 30  # her chosen digest time, in her zone
        next_digest = row.locator("[data-next-digest]")
        assert next_digest.locator("[data-local]").inner_text() == f"{local:%a %Y-%m-%d} 08:30 {local.tzname()}"
        assert next_digest.locator("[data-utc]").inner_text() == f"{utc:%a %Y-%m-%d %H}:30 UTC"
        assert utc.hour in (12, 13)  # EDT or EST
        failed_row = page.locator(f'tr[data-delivery="{failed.pk}"]')
        assert failed_row.get_attribute("data-status") == "failed"
        assert "SMTPServerDisconnected" in failed_row.locator("[data-error]").inner_text()
        screenshot(page, "ops-support-person")
        page.click(f'[data-resend="{failed.pk}"]')
        assert "again? It goes out as a new email" in page.locator("[data-question]").inner_text()
        page.click("[data-confirm]")
        assert "Resend of the digest queued for alice@example.com" in page.locator(".messagelist").inner_text()
        resent = page.locator(f'tr[data-resend-of="{failed.pk}"]')
        wait_for(
            lambda: page.reload() and resent.get_attribute("data-status") == "sent",
            timeout=60,
            what="the resend to be sent by the worker",
        )
        screenshot(page, "ops-support-resent")
    assert worker.returncode == 0, worker.log_text
    assert failed_row.get_attribute("data-status") == "failed"  # the automatic send's row is history
    (sent,) = _digest_mails(mail_dir)
    assert sent["To"] == "alice@example.com" and "Shipped part" in sent.get_body(("plain",)).get_content()


def test_it_parses_a_reply_again_after_the_person_verified_the_address_it_came_from(page, client, alice, team):
    sam = _staff("sam@idonethis.test", group=SUPPORT)
    message_id = f"<{uuid.uuid4().hex}@home.example>"
    mailgun.post(client, mailgun.reply(sender="alice@home.example", body="Fixed the flaky test", message_id=message_id))
    inbound = InboundMessage.objects.get()
    _log_in(page, sam)
    _find(page, message_id.strip("<>"))
    assert page.locator("[data-inbound]").get_attribute("data-outcome") == "unknown_sender"
    assert "Unknown sender: alice@home.example is neither" in page.locator("[data-why]").inner_text()
    screenshot(page, "ops-support-inbound")
    # The fix is the person's: they add the address in their settings and open the emailed link.
    client.force_login(alice)
    client.post(reverse("user_settings"), {"action": "add-email", "email": "alice@home.example"})
    client.get(re.search(r"/accounts/verify/\S+", mail.outbox[-1].body)[0])
    page.click("[data-reprocess]")
    page.click("[data-confirm]")
    assert "Parsed again: Entries created, 1 entry created." in page.locator(".messagelist").inner_text()
    assert page.locator("[data-inbound]").get_attribute("data-outcome") == "entries_created"
    assert "(before: Unknown sender)" in page.locator("[data-reprocessed]").inner_text()
    screenshot(page, "ops-support-reparsed")
    assert list(Entry.objects.filter(author=alice, team=team).values_list("text", flat=True)) == [
        "Fixed the flaky test"
    ]
    assert inbound.pk == InboundMessage.objects.get().pk


def test_it_shows_a_team_with_its_eight_weeks_and_the_find_results(page, alice, bob, team):
    sam = _staff("sam@idonethis.test", group=SUPPORT)
    today = timezone.now().date()
    for days_ago in range(0, 56, 2):
        for n in range(days_ago % 5 + 1):
            entry_create(
                author=bob if n % 2 else alice,
                team=team,
                text=f"Day {days_ago} #{n}",
                occurred_on=today - dt.timedelta(days=days_ago),
            )
    user_profile_update(user=bob, actor=bob, full_name="Rocket Bob", nickname=bob.nickname, time_zone="Europe/Berlin")
    _log_in(page, sam)
    _find(page, "rocket")
    assert page.locator('[data-found="person"]').count() == 1 and page.locator('[data-found="team"]').count() == 1
    screenshot(page, "ops-support-find")
    page.click('[data-found="team"] a')
    assert page.locator("[data-prompt]").inner_text() == "What did you get done?"
    assert page.locator("rect.ops-bar").count() == 56
    assert page.locator('[data-integration="Slack"]').inner_text().startswith("none")
    screenshot(page, "ops-support-team")
