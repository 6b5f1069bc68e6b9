"""Support tools: the find box, the person, team and inbound pages, and the runbook's actions."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_celery_results.models import TaskResult

from core.models import AlternateEmail, Delivery, Entry, InboundMessage, Membership
from core.services.accounts import user_profile_update
from core.services.deliveries import delivery_send
from core.services.entries import entry_create
from core.services.resends import delivery_resend
from ops.models import AuditRecord
from tests import mailgun
from tests.ops.conftest import client_for

pytestmark = pytest.mark.django_db


def _find(client, term: str):
    return client.get(reverse("admin:ops_find"), {"q": term})


def _failed_digest(membership: Membership, *, days_ago: int = 1) -> Delivery:
    day = timezone.now().date() - dt.timedelta(days=days_ago)
    return Delivery.objects.create(
        membership=membership,
        kind=Delivery.Kind.DIGEST,
        local_date=day,
        status=Delivery.Status.FAILED,
        claimed_at=timezone.now() - dt.timedelta(days=days_ago),
        to_email=membership.user.email,
        error="SMTPServerDisconnected: Connection unexpectedly closed",
    )


# --- find -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("term", ["ALICE@example.com", "alice@", "alice arch", "Alice", "@alice"])
def test_it_finds_a_person_by_email_name_or_nickname_and_goes_straight_to_their_page(sam, alice, term):
    response = _find(client_for(sam), term)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:ops_person", args=[alice.hash_id])


def test_it_finds_a_person_by_an_alternate_address(sam, alice):
    AlternateEmail.objects.create(user=alice, email="archer@home.example")
    assert _find(client_for(sam), "Archer@Home").headers["Location"] == reverse(
        "admin:ops_person", args=[alice.hash_id]
    )


def test_it_finds_a_team_an_entry_a_task_and_an_inbound_email_by_their_ids(sam, team, alice, client):
    client_ = client_for(sam)
    assert _find(client_, team.hash_id)["Location"] == reverse("admin:ops_team", args=[team.hash_id])
    entry = entry_create(author=alice, team=team, text="Shipped the find box", occurred_on=timezone.now().date())
    assert _find(client_, entry.hash_id)["Location"] == reverse("admin:core_entry_change", args=[entry.pk])
    task = TaskResult.objects.create(
        task_id="0b0f7c43-4d6e-4d3a-9a59-4f0a4c8b8e11", task_name="scheduled.x", status="SUCCESS"
    )
    assert _find(client_, task.task_id.upper())["Location"] == reverse(
        "admin:django_celery_results_taskresult_change", args=[task.pk]
    )
    mailgun.post(client, mailgun.reply(sender="stranger@example.org", message_id="<abc.123@mail.example.com>"))
    inbound = InboundMessage.objects.get()
    for term in ("<abc.123@mail.example.com>", "abc.123@mail.example.com"):
        assert _find(client_, term)["Location"] == reverse("admin:ops_inbound", args=[inbound.pk])


def test_it_lists_several_matches_by_kind(sam, alice, bob, team):
    user_profile_update(user=bob, actor=bob, full_name="Rocket Bob", nickname="rocketbob", time_zone="UTC")
    response = _find(client_for(sam), "rocket")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-found="person"') == 1 and page.count('data-found="team"') == 1


def test_it_says_so_when_nothing_matches_or_the_term_is_too_short(sam, alice):
    assert "Nothing found" in _find(client_for(sam), "zzz-nobody").content.decode()
    response = _find(client_for(sam), "a")
    assert response.status_code == 200 and "at least 2 characters" in response.content.decode()


def test_it_puts_the_find_box_on_the_dashboard_for_those_who_may_use_it(sam, stan):
    assert 'id="ops-find"' in client_for(sam).get(reverse("admin:index")).content.decode()
    assert 'id="ops-find"' not in client_for(stan).get(reverse("admin:index")).content.decode()


# --- person page ------------------------------------------------------------------------------------
def test_it_shows_the_next_digest_in_the_persons_zone_and_in_utc(sam, alice, team):
    user_profile_update(
        user=alice, actor=alice, full_name=alice.full_name, nickname=alice.nickname, time_zone="Pacific/Auckland"
    )
    membership = Membership.objects.get(user=alice, team=team)
    local = membership.next_digest_at.astimezone(dt.timezone(dt.timedelta(0)))
    page = client_for(sam).get(reverse("admin:ops_person", args=[alice.hash_id])).content.decode()
    assert "08:30 NZ" in page  # NZDT or NZST, the digest time chosen, in her zone
    assert f"{local:%Y-%m-%d %H:%M} UTC" in page


def test_it_says_why_a_membership_is_paused_or_throttled_and_never_shows_a_token(sam, alice, team):
    membership = Membership.objects.get(user=alice, team=team)
    Membership.objects.filter(pk=membership.pk).update(emails_throttled=True)
    alice.api_token_hash = "f" * 64
    alice.save()
    page = client_for(sam).get(reverse("admin:ops_person", args=[alice.hash_id])).content.decode()
    assert "Throttled: no entry in this team for 7+ days" in page
    assert "data-api-token>present" in page and "f" * 64 not in page
    assert alice.password not in page


def test_it_reads_the_person_page_in_a_fixed_number_of_queries(sam, alice, team, other_team, django_assert_num_queries):
    for days_ago in range(1, 40):
        _failed_digest(Membership.objects.get(user=alice, team=team), days_ago=days_ago)
        entry_create(author=alice, team=team, text=f"Day {days_ago}", occurred_on=timezone.now().date())
    client = client_for(sam)
    url = reverse("admin:ops_person", args=[alice.hash_id])
    client.get(url)
    # session, user, permissions (1 + 2 groups) + the 9 reads of ops.selectors.people
    with django_assert_num_queries(13):
        assert client.get(url).status_code == 200


def test_it_answers_404_for_an_unknown_person_or_team(sam):
    assert client_for(sam).get(reverse("admin:ops_person", args=["nosuchhash"])).status_code == 404
    assert client_for(sam).get(reverse("admin:ops_team", args=["nosuchhash"])).status_code == 404


# --- team page --------------------------------------------------------------------------------------
def test_it_shows_a_team_with_its_members_question_chart_and_integrations(sam, alice, bob, team):
    today = timezone.now().date()
    for days_ago, n in [(0, 2), (3, 1), (50, 4), (70, 9)]:
        for i in range(n):
            entry_create(author=bob, team=team, text=f"thing {i}", occurred_on=today - dt.timedelta(days=days_ago))
    page = client_for(sam).get(reverse("admin:ops_team", args=[team.hash_id])).content.decode()
    assert "What did you get done?" in page and "rocket@in.idonethis.test" in page
    assert page.count("data-member=") == 2
    assert "7 entries in the last eight weeks" in page  # the 70-day-old ones are outside
    assert f'data-day="{today - dt.timedelta(days=3)}" data-value="1"' in page
    assert "<script" not in page.split('id="content-main"')[1]
    assert 'data-integration="Slack">none' in page and 'data-integration="Webhooks">none' in page


# --- actions ----------------------------------------------------------------------------------------
def test_it_resends_a_failed_digest_as_a_row_of_its_own_and_audits_it(sam, alice, bob, team):
    entry_create(
        author=bob, team=team, text="Something to digest", occurred_on=timezone.now().date() - dt.timedelta(days=2)
    )
    original = _failed_digest(Membership.objects.get(user=alice, team=team))
    client = client_for(sam)
    asked = client.post(reverse("admin:ops_support_resend"), {"delivery": original.pk})
    assert "again?" in asked.content.decode() and not Delivery.objects.filter(resend_of=original).exists()
    client.post(reverse("admin:ops_support_resend"), {"delivery": original.pk, "confirmed": "yes"})
    resend = Delivery.objects.get(resend_of=original)
    assert (resend.kind, resend.local_date, resend.status) == ("digest", original.local_date, "pending")
    assert resend.user == alice and resend.to_email == "alice@example.com"
    record = AuditRecord.objects.get(action="delivery.resend")
    assert record.actor == sam and record.parameters["resend"] == resend.pk
    sent = delivery_send(delivery_id=resend.pk)  # the common claim-first send of every owed email
    assert sent.status == "sent" and sent.attempts == 1 and mail.outbox[-1].to == ["alice@example.com"]
    assert delivery_send(delivery_id=resend.pk) is None  # a repeated message sends nothing
    assert len(mail.outbox) == 1
    original.refresh_from_db()
    assert original.status == "failed"  # the loop's own row is history, untouched


def test_it_refuses_to_resend_an_old_digest_or_to_a_paused_member(sam, alice, team):
    membership = Membership.objects.get(user=alice, team=team)
    old = _failed_digest(membership, days_ago=5)
    with pytest.raises(ValueError, match="too old"):
        delivery_resend(delivery=old, actor=sam, enqueue=lambda pk: None)
    Membership.objects.filter(pk=membership.pk).update(emails_paused=True)
    recent = _failed_digest(membership)
    response = client_for(sam).post(
        reverse("admin:ops_support_resend"), {"delivery": recent.pk, "confirmed": "yes"}, follow=True
    )
    assert "paused: resume them first" in response.content.decode()
    assert not Delivery.objects.filter(resend_of__isnull=False).exists()
    assert AuditRecord.objects.get(action="delivery.resend").result == "failed"


def test_it_keeps_the_loops_exactly_once_row_apart_from_resends(alice, team, django_capture_on_commit_callbacks):
    from core.services.deliveries import deliveries_claim_due, delivery_owed_before_the_outbox

    membership = Membership.objects.get(user=alice, team=team)
    Membership.objects.update(next_reminder_at=None, next_digest_at=None)
    now = timezone.now()
    due = now - dt.timedelta(seconds=30)
    day = due.astimezone(dt.UTC).date()  # alice's zone is UTC
    earlier = Delivery.objects.create(
        membership=membership, user=alice, kind="digest", local_date=day - dt.timedelta(days=1), status="failed"
    )
    resend = Delivery.objects.create(
        membership=membership, user=alice, kind="digest", local_date=day, resend_of=earlier, status="sent"
    )
    Membership.objects.filter(pk=membership.pk).update(next_digest_at=due)
    enqueued = []
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_claim_due(enqueue=enqueued.append, now=now)
    # A resend of the same day does not stand in for the loop's own digest, nor block it.
    loops = Delivery.objects.get(membership=membership, kind="digest", local_date=day, resend_of=None)
    assert loops.pk != resend.pk and loops.status == "pending" and enqueued == [loops.pk]
    # A message queued before the outbox finds the loop's row, never the resend.
    old = {"membership_id": membership.pk, "kind": "digest", "local_date": day.isoformat()}
    assert delivery_owed_before_the_outbox(**old) == loops.pk
    resend.refresh_from_db()
    assert resend.status == "sent"


def test_it_sends_a_resend_queued_before_resends_were_owed_through_the_common_path(sam, alice, bob, team):
    from scheduled.tasks import send_resend

    entry_create(author=bob, team=team, text="Worth a digest", occurred_on=timezone.now().date() - dt.timedelta(days=2))
    original = _failed_digest(Membership.objects.get(user=alice, team=team))
    resend = delivery_resend(delivery=original, actor=sam, enqueue=lambda pk: None)
    assert send_resend(delivery_id=resend.pk) == {"delivery": resend.pk, "status": "sent"}
    assert send_resend(delivery_id=resend.pk) == {"delivery": resend.pk, "status": "not-claimed"}
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]


def test_it_leaves_a_resend_owed_when_the_broker_is_down_and_the_sweeper_sends_it(
    sam, alice, bob, team, django_capture_on_commit_callbacks, settings
):
    from core.services.deliveries import deliveries_sweep

    entry_create(author=bob, team=team, text="Worth a digest", occurred_on=timezone.now().date() - dt.timedelta(days=2))
    original = _failed_digest(Membership.objects.get(user=alice, team=team))

    def broker_down(delivery_id):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    with django_capture_on_commit_callbacks(execute=True):
        resend = delivery_resend(delivery=original, actor=sam, enqueue=broker_down)  # no exception for support
    resend.refresh_from_db()
    assert resend.status == "pending"
    later = timezone.now() + dt.timedelta(seconds=settings.DELIVERY_REDISPATCH_AFTER_SECONDS + 1)
    swept = []
    deliveries_sweep(enqueue=swept.append, now=later)
    assert resend.pk in swept
    assert delivery_send(delivery_id=resend.pk).status == "sent"


@pytest.mark.parametrize(
    ("change", "paused", "throttled"), [("pause", True, False), ("resume", False, False), ("unthrottle", False, False)]
)
def test_it_pauses_resumes_and_unthrottles_through_the_services(sam, alice, team, change, paused, throttled):
    membership = Membership.objects.get(user=alice, team=team)
    Membership.objects.filter(pk=membership.pk).update(
        emails_paused=change == "resume", emails_throttled=change == "unthrottle"
    )
    response = client_for(sam).post(
        reverse("admin:ops_support_emails"), {"membership": membership.pk, "change": change, "confirmed": "yes"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.emails_paused, membership.emails_throttled) == (paused, throttled)
    assert (membership.next_digest_at is None) == paused
    if change == "unthrottle":
        assert membership.emails_restored_at is not None  # so the next tick does not throttle it again
    record = AuditRecord.objects.get(action=f"membership.{change}")
    assert record.parameters["old"]["emails_paused"] == (change == "resume")
    assert record.parameters["new"]["emails_paused"] == paused


def test_it_sends_a_password_reset_email_and_never_shows_the_password(sam, alice, django_capture_on_commit_callbacks):
    client = client_for(sam)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:ops_support_password_reset"), {"user": alice.hash_id, "confirmed": "yes"}, follow=True
        )
    # Queued, not "sent": the email is owed and goes out after the request (or later, by the sweeper).
    assert "Password-reset email queued for alice@example.com; their page shows when it is sent." in (
        response.content.decode()
    )
    assert mail.outbox[-1].to == ["alice@example.com"] and "/reset/" in mail.outbox[-1].body
    record = AuditRecord.objects.get(action="user.password_reset_send")
    assert record.target == "alice@example.com"
    # Owed like every email, through the same send: logged on the person, sent once.
    delivery = Delivery.objects.get(pk=record.parameters["delivery"])
    assert (delivery.kind, delivery.user, delivery.status) == ("password_reset", alice, "sent")
    # The person's delivery log lists the emails owed to them as a person too, newest first.
    page = client.get(reverse("admin:ops_person", args=[alice.hash_id])).content.decode()
    log = page.split('id="deliveries"')[1]
    newest = log.index(f'data-delivery="{delivery.pk}" data-kind="password_reset"')
    assert newest < log.index('data-kind="verification"')


def test_it_resends_an_invitation_as_support(sam, alice, team, django_capture_on_commit_callbacks):
    from core.services.invitations import invitation_create

    invitation = invitation_create(organization=team.organization, teams=[team], email="dora@example.com", actor=alice)
    before = invitation.expires_at
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(sam).post(
            reverse("admin:ops_support_invitation"), {"invitation": invitation.pk, "confirmed": "yes"}, follow=True
        )
    assert "Invitation queued again for dora@example.com" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.expires_at > before and mail.outbox[-1].to == ["dora@example.com"]
    assert invitation.sent_at is not None
    assert Delivery.objects.filter(kind="invitation", status="sent", payload__invitation=invitation.pk).count() == 1
    assert AuditRecord.objects.get(action="invitation.resend").result == "ok"


def test_it_parses_an_inbound_email_again_after_the_address_was_verified(sam, alice, team, client):
    mailgun.post(client, mailgun.reply(sender="Alice@Home.example", body="Fixed the flaky test"))
    inbound = InboundMessage.objects.get()
    assert inbound.outcome == "unknown_sender"
    page = client_for(sam).get(reverse("admin:ops_inbound", args=[inbound.pk])).content.decode()
    assert "Unknown sender: Alice@Home.example is neither" in page
    AlternateEmail.objects.create(user=alice, email="alice@home.example", verified_at=timezone.now())
    client_for(sam).post(reverse("admin:ops_support_reprocess"), {"inbound": inbound.pk, "confirmed": "yes"})
    inbound.refresh_from_db()
    assert (inbound.outcome, inbound.entries_created, inbound.user) == ("entries_created", 1, alice)
    assert inbound.parsed["reprocessed"]["previous_outcome"] == "unknown_sender"
    assert list(Entry.objects.filter(author=alice).values_list("text", flat=True)) == ["Fixed the flaky test"]
    # Once it made entries, parsing it again would post them twice: refused, recorded as failed.
    client_for(sam).post(reverse("admin:ops_support_reprocess"), {"inbound": inbound.pk, "confirmed": "yes"})
    assert Entry.objects.filter(author=alice).count() == 1
    assert (
        AuditRecord.objects.filter(action="inbound.reprocess")
        .values_list("result", flat=True)
        .order_by("created_at")
        .last()
        == "failed"
    )


def test_it_answers_bad_input_with_a_message_not_a_500(sam):
    client = client_for(sam)
    for name, data in [
        ("admin:ops_support_resend", {"delivery": "999999"}),
        ("admin:ops_support_emails", {"membership": "x", "change": "explode"}),
        ("admin:ops_support_password_reset", {"user": "nosuchhash"}),
        ("admin:ops_support_reprocess", {"inbound": "-1"}),
    ]:
        response = client.post(reverse(name), {**data, "confirmed": "yes"}, follow=True)
        assert response.status_code == 200 and "Nothing done" in response.content.decode(), name
    assert not AuditRecord.objects.exists()


def test_it_retries_a_resend_the_provider_refused_then_marks_it_failed_and_lets_support_ask_again(
    sam, alice, bob, team, settings
):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    entry_create(author=bob, team=team, text="Worth a digest", occurred_on=timezone.now().date() - dt.timedelta(days=2))
    original = _failed_digest(Membership.objects.get(user=alice, team=team))
    first = delivery_resend(delivery=original, actor=sam, enqueue=lambda pk: None)
    settings.EMAIL_BACKEND = "tests.core.test_deliveries.BrokenBackend"
    with pytest.raises(ConnectionError, match="ESP unreachable"):
        delivery_send(delivery_id=first.pk)
    first.refresh_from_db()
    assert first.status == "pending" and first.error and first.attempts == 1  # owed again: the sweeper retries
    with pytest.raises(ConnectionError, match="ESP unreachable"):
        delivery_send(delivery_id=first.pk)
    first.refresh_from_db()
    assert first.status == "failed" and first.attempts == 2  # the last attempt
    assert delivery_send(delivery_id=first.pk) is None  # never sent again by itself
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    second = delivery_resend(delivery=first, actor=sam, enqueue=lambda pk: None)  # a resend of a resend: the original
    assert second.resend_of == original
    assert delivery_send(delivery_id=second.pk).status == "sent"
    assert list(original.resends.order_by("pk").values_list("status", flat=True)) == ["failed", "sent"]


def test_it_refuses_to_parse_again_a_rejected_or_truncated_email(sam, client):
    from core.services.inbound import inbound_reprocess

    mailgun.post(client, mailgun.reply(sender="stranger@example.org"))
    inbound = InboundMessage.objects.get()
    InboundMessage.objects.filter(pk=inbound.pk).update(outcome="rejected")
    with pytest.raises(ValueError, match="rejected as unusable"):
        inbound_reprocess(inbound=inbound, actor=sam)
    InboundMessage.objects.filter(pk=inbound.pk).update(
        outcome="unknown_sender", raw=inbound.raw + "\n(truncated: 5000000 bytes in all)\n"
    )
    with pytest.raises(ValueError, match="first MiB"):
        inbound_reprocess(inbound=inbound, actor=sam)
