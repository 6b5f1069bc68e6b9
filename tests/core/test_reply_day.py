"""The day of an emailed entry: the day the reminder asked about (its In-Reply-To, else the subject), else the
day the mail arrived in the member's zone. The sender's Date: header never dates an entry."""

import datetime as dt

import pytest

from core.emails.reminders import reminder_day, reminder_message
from core.models import Entry, Membership
from core.services.inbound import inbound_parse, inbound_store
from tests import mailgun

ARRIVED = dt.datetime(2026, 11, 26, 16, tzinfo=dt.UTC)  # Thursday 16:00 UTC, Friday 01:00 in Tokyo


def _receive(raw: str, *, at: dt.datetime = ARRIVED):
    inbound_id = inbound_store(esp="mailgun", mime=raw.encode(), received_at=at, enqueue=lambda pk: None)
    inbound_parse(inbound_id=inbound_id)
    return sorted({e.occurred_on for e in Entry.objects.all()})


@pytest.mark.parametrize("date", ["Mon, 02 Jan 2006 09:00:00 +0000", "Sun, 01 Jan 2040 09:00:00 +0000", "garbage"])
def test_it_never_dates_an_entry_by_the_senders_date_header(team, bob, date):
    assert _receive(mailgun.reply(subject="Re: my day", date=date)) == [dt.date(2026, 11, 26)]


def test_it_dates_a_reply_by_the_day_it_arrived_where_the_member_lives(team, bob):
    bob.time_zone = "Asia/Tokyo"
    bob.save(update_fields=["time_zone"])
    assert _receive(mailgun.reply(subject="Re: done", date="Thu, 26 Nov 2026 09:00:00 -0800")) == [
        dt.date(2026, 11, 27)
    ]


def test_it_dates_a_reply_by_the_reminder_it_answers_after_midnight_with_an_edited_subject(team, bob):
    bobs = Membership.objects.select_related("user", "team").get(team=team, user=bob)
    reminder = reminder_message(membership=bobs, local_date=dt.date(2026, 11, 25))
    headers = f"In-Reply-To: {reminder.extra_headers['Message-ID']}\nReferences: <older@example.com>\n"
    raw = mailgun.reply(subject="Re: my Wednesday, finally", headers=headers)
    assert _receive(raw, at=ARRIVED + dt.timedelta(hours=8)) == [dt.date(2026, 11, 25)]


def test_it_prefers_the_reminder_it_answers_over_a_date_in_the_subject(team, bob):
    bobs = Membership.objects.select_related("user", "team").get(team=team, user=bob)
    reminder = reminder_message(membership=bobs, local_date=dt.date(2026, 11, 24))
    headers = f"References: <a@example.com> {reminder.extra_headers['Message-ID']}\n"
    raw = mailgun.reply(subject="Re: What did you get done? – Rocket – November 26", headers=headers)
    assert _receive(raw) == [dt.date(2026, 11, 24)]


@pytest.mark.parametrize(
    "in_reply_to",
    [
        "<1.2.3reminder-20261124@elsewhere.example>",  # someone else's domain
        "<1.2.3reminder-20261399@in.idonethis.test>",  # no such day
        "<1.2.3reminder-20270101@in.idonethis.test>",  # after the reply arrived
        "",
    ],
)
def test_it_ignores_an_in_reply_to_that_is_not_one_of_our_reminders(db, in_reply_to):
    assert reminder_day(in_reply_to=in_reply_to, references=None, arrived=dt.date(2026, 11, 26)) is None
