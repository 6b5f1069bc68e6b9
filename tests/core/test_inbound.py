"""Reply by email: Mailgun's signed webhook → entries in the right team and day, exactly once."""

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AlternateEmail, Entry, InboundMessage
from core.selectors.people import user_for_email
from core.services.inbound import inbound_messages_prune, inbound_replies_send, subject_date
from tests import mailgun
from tests.concurrency import run_at_once
from tests.conftest import requires_postgres
from tests.processes import free_port, process_env, waitress

CORPUS = Path(__file__).parent / "reply_corpus"
NOV_26, NOV_25 = dt.date(2026, 11, 26), dt.date(2026, 11, 25)
EXPECTED = {
    "gmail_top_posted": (
        NOV_26,
        [
            ("done", "Fixed the login redirect bug"),
            ("goal", "write the release notes"),
            ("blocker", "waiting on design review"),
        ],
    ),
    "gmail_with_signature": (
        NOV_26,
        [("done", "Reviewed Alice's pull request"), ("done", "Paired with Charlie on the importer")],
    ),
    "outlook_exchange": (
        NOV_26,
        [("done", "Migrated the billing cron to Celery beat"), ("done", "Drafted the Q1 roadmap")],
    ),
    "outlook_original_message": (NOV_25, [("done", "Finished the quarterly report"), ("done", "Sent it to finance")]),
    "apple_mail_bottom_posted": (
        NOV_26,
        [("done", "Wrote the onboarding checklist"), ("done", "Closed three support tickets")],
    ),
    "yahoo_mobile": (NOV_26, [("done", "Called the supplier about the delay")]),
    "html_only_outlook_web": (NOV_26, [("done", "Set up the staging database"), ("blocker", "blocked on VPN access")]),
    "html_only_list": (NOV_26, [("done", "Interviewed two candidates"), ("goal", "send the offer letter")]),
    "forwarded_note": (NOV_26, [("done", "Got the overdue invoice paid")]),
    "thunderbird_format_flowed": (
        NOV_26,
        [
            (
                "done",
                "Rewrote the nightly export so it streams rows instead of loading the whole table into memory first",
            ),
            ("done", "Reviewed the caching proposal"),
        ],
    ),
    "iphone_flowed_delsp": (
        NOV_26,
        [
            ("done", "Met the landlord about the lease renewal and agreed on the new terms for next year"),
            ("done", "Ordered the replacement badge"),
        ],
    ),
    # An HTML-only reply with an email attached (message/rfc822): the attached mail's text is not the reply.
    "html_reply_with_attached_email": (
        NOV_26,
        [("done", "Reviewed the vendor contract"), ("done", "Sent legal’s questions on to the vendor")],
    ),
    "samsung_android": (NOV_26, [("done", "Fixed the fence at the depot"), ("done", "Picked up the permits")]),
    "protonmail": (NOV_26, [("done", "Rotated the VPN certificates")]),
    "aol_original_message": (NOV_26, [("done", "Called the insurance broker"), ("done", "Filed the expense report")]),
    "outlook_html_german": (NOV_26, [("done", "Angebot für Müller & Söhne geschrieben"), ("done", "Server gepatcht")]),
    "koi8r_plain": (NOV_26, [("done", "Подготовил отчёт для клиента"), ("done", "Провёл собеседование")]),
    "outlook_winmail_dat": (NOV_26, [("done", "Closed the Q3 books")]),
    "bullets_and_blank_lines": (
        NOV_26,
        [
            ("done", "Deployed v2.3 to production"),
            ("done", "Updated the runbook"),
            ("done", "Answered the on-call page"),
        ],
    ),
}


def _entries(team, author):
    return [(e.kind, e.text) for e in Entry.objects.filter(team=team, author=author).order_by("pk")]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_it_turns_each_real_world_reply_into_exactly_these_entries(client, team, bob, name):
    day, expected = EXPECTED[name]
    with time_machine.travel(dt.datetime(2026, 11, 26, 23, tzinfo=dt.UTC)):  # arrives that evening
        response = mailgun.post(client, (CORPUS / f"{name}.eml").read_text())
    assert response.status_code == 200
    assert _entries(team, bob) == expected
    assert set(Entry.objects.filter(author=bob).values_list("occurred_on", flat=True)) == {day}
    stored = InboundMessage.objects.get()
    assert stored.outcome == InboundMessage.Outcome.ENTRIES_CREATED and stored.entries_created == len(expected)
    assert stored.user == bob and stored.team == team
    assert stored.raw.startswith(("From:", "Received", "MIME", "Content-Type"))  # Apple Mail puts Content-Type first


def test_the_corpus_covers_every_file():
    assert {p.stem for p in CORPUS.glob("*.eml")} == set(EXPECTED)


def test_it_answers_a_replayed_message_with_200_and_creates_nothing_new(client, team, bob):
    raw = mailgun.reply(message_id="<same-id@example.com>")
    assert mailgun.post(client, raw).status_code == 200
    assert mailgun.post(client, raw).status_code == 200
    assert _entries(team, bob) == [("done", "Shipped the thing")]
    assert InboundMessage.objects.count() == 1


def test_it_rejects_a_forged_signature_and_stores_nothing(client, team):
    response = mailgun.post(client, mailgun.reply(), key="not-the-signing-key")
    assert response.status_code == 400
    assert not InboundMessage.objects.exists() and not Entry.objects.exists()


def test_it_rejects_a_request_without_the_webhook_basic_auth(client, team):
    response = mailgun.post(client, mailgun.reply(), secret="someone:else")
    assert response.status_code in (400, 401, 403)
    assert not InboundMessage.objects.exists()


def test_it_posts_to_the_personal_log_from_personal_at(client, alice):
    mailgun.post(client, mailgun.reply(sender="alice@example.com", to="personal@in.idonethis.test", body="Ran 5k"))
    entry = Entry.objects.get()
    assert entry.team.is_personal and entry.author == alice and entry.text == "Ran 5k"


def test_it_does_not_post_into_a_team_the_sender_is_not_in(client, team, charlie):
    assert mailgun.post(client, mailgun.reply(sender="charlie@example.com")).status_code == 200
    assert not Entry.objects.exists()
    assert InboundMessage.objects.get().outcome == InboundMessage.Outcome.NOT_A_MEMBER


def _alternate(client, user, address: str, *, verify: bool, capture) -> None:
    """Add an alternate address the way the settings page does; open the emailed link when ``verify``."""
    client.force_login(user)
    with capture(execute=True):
        client.post(reverse("user_settings"), {"action": "add-email", "email": address})
    if verify:
        client.get(re.search(r"/accounts/verify/\S+", mail.outbox[-1].body)[0])
    client.logout()


def test_it_matches_a_sender_by_a_verified_alternate_address(client, team, bob, django_capture_on_commit_callbacks):
    _alternate(client, bob, "Bob@Work.example", verify=True, capture=django_capture_on_commit_callbacks)
    assert AlternateEmail.objects.get(email="bob@work.example").verified_at is not None
    response = mailgun.post(client, mailgun.reply(sender="BOB@work.example", body="Replied from my work address"))
    assert response.status_code == 200
    assert _entries(team, bob) == [("done", "Replied from my work address")]
    assert InboundMessage.objects.get().user == bob


def test_it_does_not_match_an_unverified_alternate_address(client, team, bob, django_capture_on_commit_callbacks):
    _alternate(client, bob, "bob@work.example", verify=False, capture=django_capture_on_commit_callbacks)
    assert mailgun.post(client, mailgun.reply(sender="bob@work.example")).status_code == 200
    assert not Entry.objects.exists()
    assert InboundMessage.objects.get().outcome == InboundMessage.Outcome.UNKNOWN_SENDER


def test_a_primary_address_wins_over_someone_elses_verified_alternate(db, alice, bob):
    AlternateEmail.objects.create(user=alice, email="bob@example.com", verified_at=timezone.now())
    assert user_for_email(" BOB@example.com ") == bob
    assert user_for_email("") is None


def test_it_dates_a_reply_without_a_date_in_the_subject_by_the_members_local_time(client, team, bob):
    bob.time_zone = "Asia/Tokyo"
    bob.save(update_fields=["time_zone"])
    with time_machine.travel(dt.datetime(2026, 11, 26, 16, tzinfo=dt.UTC)):  # when it arrives, not its Date:
        mailgun.post(client, mailgun.reply(subject="Re: done", date="Thu, 26 Nov 2026 08:00:00 +0000"))
    assert Entry.objects.get().occurred_on == dt.date(2026, 11, 27)  # 01:00 Friday in Tokyo


def test_it_ignores_auto_replies(client, team, bob):
    raw = mailgun.reply(body="I am out of office until Monday.", headers="Auto-Submitted: auto-replied\n")
    assert mailgun.post(client, raw).status_code == 200
    assert not Entry.objects.exists()
    assert InboundMessage.objects.get().outcome == InboundMessage.Outcome.AUTOMATED


@pytest.mark.parametrize(
    "headers, subject",
    [
        ("X-Autoreply: yes\n", "Re: What did you get done?"),  # Yandex, Mail.ru
        ("X-Autorespond: Out of office\n", "Re: What did you get done?"),
        ("Precedence: auto_reply\n", "Re: What did you get done?"),
        ("", "Automatic reply: What did you get done? – Rocket – November 26"),  # Outlook without Auto-Submitted
        ("", "Out of Office: What did you get done?"),
        ("", "Abwesenheitsnotiz: What did you get done?"),
        ("", "Réponse automatique : What did you get done?"),
    ],
)
def test_it_ignores_auto_replies_that_only_their_own_header_or_subject_marks(client, team, bob, headers, subject):
    raw = mailgun.reply(body="I am out of the office until Monday.", headers=headers, subject=subject)
    assert mailgun.post(client, raw).status_code == 200
    assert not Entry.objects.exists()
    assert InboundMessage.objects.get().outcome == InboundMessage.Outcome.AUTOMATED


@pytest.mark.parametrize("report_type", ["delivery-status", "disposition-notification"])
def test_it_ignores_a_bounce_or_read_receipt_sent_from_a_members_address(client, team, bob, report_type):
    body = (
        "--r\nContent-Type: text/plain\n\nYour message was read on Thursday, November 26, 2026 18:00.\n"
        f"--r\nContent-Type: message/{report_type}\n\nReporting-UA: mail.example.com\n\n--r--"
    )
    raw = mailgun.reply(body=body, subject="Read: What did you get done?").replace(
        "Content-Type: text/plain; charset=utf-8",
        f'Content-Type: multipart/report; report-type={report_type}; boundary="r"',
    )
    assert mailgun.post(client, raw).status_code == 200
    assert not Entry.objects.exists()
    assert InboundMessage.objects.get().outcome == InboundMessage.Outcome.AUTOMATED


def test_a_reply_whose_subject_only_mentions_being_out_of_office_still_counts(client, team, bob):
    mailgun.post(client, mailgun.reply(subject="Re: What did you get done? (out of office tomorrow)"))
    assert _entries(team, bob) == [("done", "Shipped the thing")]


def test_it_answers_an_unknown_sender_once_politely(client, team):
    for n in range(2):
        raw = mailgun.reply(sender="stranger@elsewhere.example", body=f"hello {n}")
        assert mailgun.post(client, raw).status_code == 200
    assert inbound_replies_send() == 1
    assert inbound_replies_send() == 0
    assert len(mail.outbox) == 1
    answer = mail.outbox[0]
    assert answer.to == ["stranger@elsewhere.example"] and answer.extra_headers["Auto-Submitted"] == "auto-replied"
    assert "sign up" in answer.body and not Entry.objects.exists()
    assert set(InboundMessage.objects.values_list("outcome", flat=True)) == {InboundMessage.Outcome.UNKNOWN_SENDER}


def test_it_forgets_inbound_messages_after_the_retention_period(client, team, settings):
    mailgun.post(client, mailgun.reply())
    InboundMessage.objects.update(received_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert inbound_messages_prune(now=dt.datetime(2026, 3, 1, tzinfo=dt.UTC), days=90) == 0
    assert inbound_messages_prune(now=dt.datetime(2026, 4, 2, tzinfo=dt.UTC), days=90) == 1
    assert Entry.objects.exists()  # the entries stay; only the stored email goes


@pytest.mark.parametrize(
    "subject, reference, expected",
    [
        ("Re: What did you get done? – Rocket – April 30", dt.date(2026, 5, 2), dt.date(2026, 4, 30)),
        ("Re: What did you get done? – Rocket – April 30, 2025", dt.date(2026, 5, 2), dt.date(2025, 4, 30)),
        ("Re: What did you get done? – Rocket – December 31", dt.date(2027, 1, 2), dt.date(2026, 12, 31)),
        ("Re: Rocket digest for Jan 1", dt.date(2026, 12, 31), dt.date(2026, 1, 1)),
        ("Re: What did you get done? – Rocket – February 30", dt.date(2026, 3, 2), None),
        ("Re: lunch?", dt.date(2026, 3, 2), None),
    ],
)
def test_it_reads_the_date_from_the_subject(subject, reference, expected):
    assert subject_date(subject, reference=reference) == expected


@pytest.mark.django_db(transaction=True)
def test_it_answers_5xx_when_the_database_is_down_so_the_esp_retries(tmp_path):
    import urllib.error
    import urllib.parse
    import urllib.request

    from tests.conftest import ON_POSTGRES
    from tests.processes import wait_for

    port = free_port()
    unreachable = "postgres://postgres@127.0.0.1:1/nowhere" if ON_POSTGRES else f"sqlite:///{tmp_path}/missing/dir/db"
    body = urllib.parse.urlencode(mailgun.signed_fields(mailgun.reply())).encode()

    def post():
        request = urllib.request.Request(f"http://127.0.0.1:{port}{mailgun.INBOUND_PATH}", data=body)
        request.add_header("Authorization", mailgun.basic_auth())
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except (urllib.error.URLError, ConnectionError):
            return None

    env = process_env(DATABASE_URL=unreachable, DB_POOL_TIMEOUT="2", DB_CONNECT_TIMEOUT="1")
    with waitress(port, env=env, threads=2):
        status = wait_for(post, timeout=30, what="the webhook to answer")
    assert status >= 500


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_it_creates_entries_once_when_the_webhook_is_delivered_three_times_at_once(team, bob):
    raw = mailgun.reply(message_id="<triple@example.com>", body="One\nTwo")
    statuses = run_at_once(lambda: mailgun.post(Client(), raw).status_code, times=3, timeout=60)
    assert statuses == [200, 200, 200]
    assert _entries(team, bob) == [("done", "One"), ("done", "Two")]
    assert InboundMessage.objects.count() == 1


def test_the_inbound_url_is_where_the_esp_is_told_to_post():
    assert reverse("anymail:mailgun_inbound_webhook") == mailgun.INBOUND_PATH


def test_it_stores_a_reply_with_nothing_to_post_as_empty(client, team, bob):
    raw = mailgun.reply(body="\n\nOn Thu, Nov 26, 2026 at 5:00 PM Rocket wrote:\n> What did you get done today?")
    assert mailgun.post(client, raw).status_code == 200
    assert not Entry.objects.exists()
    assert InboundMessage.objects.get().outcome == InboundMessage.Outcome.EMPTY


def test_it_ignores_mail_the_esp_flagged_as_spam(client, team, bob):
    assert mailgun.post(client, mailgun.reply(headers="X-Mailgun-Sflag: Yes\n")).status_code == 200
    assert not Entry.objects.exists()
    assert InboundMessage.objects.get().outcome == InboundMessage.Outcome.AUTOMATED


@pytest.mark.parametrize("disposition", ["inline; filename=build.log", None])
def test_a_text_file_attached_to_an_html_only_reply_is_not_the_reply(client, team, bob, disposition):
    # Apple Mail marks attachments inline; some clients name the file only in Content-Type.
    headers = f"Content-Disposition: {disposition}\n" if disposition else ""
    body = (
        "--m\nContent-Type: text/html; charset=utf-8\n\n<p>Fixed the nightly build</p>\n"
        f'--m\nContent-Type: text/plain; charset=utf-8; name="build.log"\n{headers}\n'
        "ERROR step 4 failed\nWARNING disk at 91%\n--m--"
    )
    raw = mailgun.reply(body=body).replace(
        "Content-Type: text/plain; charset=utf-8", 'Content-Type: multipart/mixed; boundary="m"', 1
    )
    mailgun.post(client, raw)
    assert _entries(team, bob) == [("done", "Fixed the nightly build")]


def test_it_reads_the_text_on_both_sides_of_a_photo_apple_mail_put_in_the_middle(client, team, bob):
    body = (
        "--a\nContent-Type: text/plain; charset=us-ascii\n\nFixed the sink in the break room\n"
        '--a\nContent-Type: image/jpeg; name="IMG_0412.jpeg"\nContent-Disposition: inline; filename="IMG_0412.jpeg"\n'
        "Content-Transfer-Encoding: base64\n\n/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQg=\n"
        "--a\nContent-Type: text/plain; charset=us-ascii\n\nOrdered the spare parts\n\nSent from my iPhone\n\n"
        "> On Nov 26, 2026, at 5:00 PM, Rocket (iDoneThis) <rocket@in.idonethis.test> wrote:\n"
        "> What did you get done?\n"
        "--a--"
    )
    raw = mailgun.reply(body=body).replace(
        "Content-Type: text/plain; charset=utf-8", 'Content-Type: multipart/mixed; boundary="a"', 1
    )
    mailgun.post(client, raw)
    assert _entries(team, bob) == [("done", "Fixed the sink in the break room"), ("done", "Ordered the spare parts")]
