"""The reconciler asking Mailgun's Logs API (``POST /v1/analytics/logs``, the default Mailgun lookup) about a
send whose sender died mid-send, against a local fake speaking that API's documented request and response
shapes (tests/fake_mailgun.py). Same answers as the Events lookup (test_reconcile.py): accepted → sent with
Mailgun's time; nothing logged once settled → owed again and sent once; anything it cannot prove (errors,
refusals, rate limits, malformed answers, too many pages, a filter that does not prove itself) → cannot tell,
asked again later, and never sent twice."""

import base64
import datetime as dt
import json
import os
import subprocess
import sys
import time

import pytest
from django.utils import timezone

from core.esp import MailgunEvents, Question, lookup_for
from core.esp_mailgun_logs import MAX_REQUESTS, MailgunLogs, logs_url
from core.models import Delivery
from core.services.deliveries import delivery_send
from tests.core import test_reconcile
from tests.core.test_reconcile import Enqueued, _killed_mid_send, _sweep
from tests.fake_mailgun import DOMAIN, KEY, LOGS_PATH, fake_mailgun  # noqa: F401 (fixture)

Status = Delivery.Status
bobs = test_reconcile.bobs  # the fixture: Bob's membership, no deliveries yet
MAILGUN = "anymail.backends.mailgun.EmailBackend"
BEFORE = "tests.core.test_reconcile.KilledBeforeMailgun"
AFTER = "tests.core.test_reconcile.KilledAfterMailgun"


@pytest.fixture
def mailgun(settings, fake_mailgun):  # noqa: F811
    assert settings.DELIVERY_MAILGUN_LOOKUP == "logs"  # the default
    settings.DELIVERY_CLAIM_TIMEOUT_SECONDS, settings.DELIVERY_PROVIDER_SETTLE_SECONDS = 60, 600
    return fake_mailgun


def _questions(mailgun) -> list[dict]:
    return [json.loads(r["body"]) for r in mailgun.requests if r["path"] == LOGS_PATH]


def _filters(mailgun) -> list[list[str]]:
    return [[c["attribute"] for c in q.get("filter", {}).get("AND", [])] for q in _questions(mailgun)]


def _traffic(mailgun, count: int, *, at: float | None = None) -> None:
    """Other people's messages Mailgun accepted around the claim."""
    for n in range(count):
        mailgun.accepted(message_id=f"<other-{n}@{DOMAIN}>", recipient=f"someone{n}@example.com", at=at)


# --- which lookup ----------------------------------------------------------------------------------


def test_mailguns_logs_api_is_the_default_lookup_and_its_events_api_can_still_be_chosen(settings):
    assert isinstance(lookup_for(MAILGUN), MailgunLogs)
    settings.DELIVERY_MAILGUN_LOOKUP = "events"
    assert isinstance(lookup_for(MAILGUN), MailgunEvents)
    settings.DELIVERY_MAILGUN_LOOKUP = "something else"  # settings refuse it at start-up; never a crash here
    assert lookup_for(MAILGUN) is None


def test_settings_refuse_an_unknown_mailgun_lookup_at_start_up():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test", "DELIVERY_MAILGUN_LOOKUP": "event"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "DELIVERY_MAILGUN_LOOKUP must be logs or events" in result.stderr


@pytest.mark.parametrize(
    "api_url, expected",
    [
        ("", "https://api.mailgun.net/v1/analytics/logs"),
        ("https://api.mailgun.net/v3", "https://api.mailgun.net/v1/analytics/logs"),
        ("https://api.eu.mailgun.net/v3", "https://api.eu.mailgun.net/v1/analytics/logs"),
        ("https://api.eu.mailgun.net/v3/", "https://api.eu.mailgun.net/v1/analytics/logs"),
        ("https://api.eu.mailgun.net", "https://api.eu.mailgun.net/v1/analytics/logs"),
        ("http://127.0.0.1:8025/mailgun/v3", "http://127.0.0.1:8025/mailgun/v1/analytics/logs"),
    ],
)
def test_it_asks_the_logs_api_in_the_region_anymail_sends_through(settings, api_url, expected):
    settings.ANYMAIL = {**settings.ANYMAIL, "MAILGUN_API_URL": api_url}
    assert logs_url() == expected


# --- the answers -----------------------------------------------------------------------------------


def test_it_marks_sent_what_mailgun_logged_with_mailguns_time(settings, bobs, mailgun):
    delivery = _killed_mid_send(settings, bobs, AFTER, sending_with=MAILGUN)
    [event] = mailgun.events
    event["timestamp"] = accepted_at = round(time.time() - 5, 3)  # the Logs API has milliseconds
    assert _sweep(after=61)["reconciled"] == {"sent": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider_answer) == (Status.SENT, "accepted")
    assert abs(delivery.sent_at.timestamp() - accepted_at) < 0.001
    # One question, shaped as Mailgun documents it: JSON body, RFC 2822 dates, filter.AND, pagination.
    [request] = [r for r in mailgun.requests if r["path"] == LOGS_PATH]
    assert request["method"] == "POST"
    body = json.loads(request["body"])
    condition = {"attribute": "message-id", "comparator": "=", "values": [{"label": "", "value": ""}]}
    condition["values"][0]["label"] = condition["values"][0]["value"] = delivery.provider_message_id.strip("<>")
    assert body["filter"] == {"AND": [condition]}
    assert body["pagination"] == {"sort": "timestamp:asc", "limit": 100}
    start = dt.datetime.strptime(body["start"], "%a, %d %b %Y %H:%M:%S %Z").replace(tzinfo=dt.UTC)
    assert delivery.claimed_at - dt.timedelta(seconds=61) <= start <= delivery.claimed_at - dt.timedelta(seconds=59)
    assert len(mailgun.sent) == 1


def test_any_logged_event_but_rejected_counts_and_a_rejection_alone_does_not(settings, bobs, mailgun):
    taken = _killed_mid_send(settings, bobs, AFTER, sending_with=MAILGUN)
    mailgun.events[0]["event"] = "delivered"  # its accepted entry not searchable yet, its delivery is
    refused = _killed_mid_send(settings, bobs, AFTER, sending_with=MAILGUN)
    mailgun.events[1]["event"] = "rejected"
    assert _sweep(after=601)["reconciled"] == {"sent": 1, "owed_again": 1}
    taken.refresh_from_db()
    refused.refresh_from_db()
    assert taken.status == Status.SENT and refused.status == Status.PENDING


def test_it_waits_for_mailguns_logs_to_settle_before_sending_again(settings, bobs, mailgun):
    delivery = _killed_mid_send(settings, bobs, BEFORE, sending_with=MAILGUN)
    _traffic(mailgun, 3)  # others' mail around the claim
    assert _sweep(after=61)["reconciled"] == {"settling": 1}
    delivery.refresh_from_db()
    assert delivery.status == Status.INTERRUPTED and delivery.provider_checks == 0 and "can lag" in delivery.error
    assert delivery.provider_check_after == delivery.claimed_at + dt.timedelta(seconds=600)
    assert _sweep(after=300)["reconciled"] == {}
    enqueued = Enqueued()
    assert _sweep(after=601, enqueue=enqueued)["reconciled"] == {"owed_again": 1}
    assert enqueued == [delivery.pk]
    assert "no Mailgun log for that Message-ID" in Delivery.objects.get(pk=delivery.pk).error
    assert delivery_send(delivery_id=delivery.pk).status == Status.SENT
    assert len(mailgun.sent) == 1 and mailgun.sent[0]["to"] == ["bob@example.com"]
    # Ours, Bob's, then everything Mailgun accepted around the claim (one page: all of it, not ours).
    assert _filters(mailgun)[-3:] == [["message-id"], ["recipient"], []]


def test_when_mailgun_accepted_too_much_to_list_the_filters_must_find_what_it_lists(settings, bobs, mailgun):
    mailgun.logs_page_size = 2
    _traffic(mailgun, 5)
    delivery = _killed_mid_send(settings, bobs, BEFORE, sending_with=MAILGUN)
    assert _sweep(after=601)["reconciled"] == {"owed_again": 1}
    # Ours, Bob's, two pages of everything (more to come), then each filter finds a message listed there.
    assert _filters(mailgun) == [["message-id"], ["recipient"], [], [], ["message-id"], ["recipient"]]
    sample = json.loads(mailgun.requests[-1]["body"])["filter"]["AND"][0]["values"][0]["value"]
    assert sample == "someone0@example.com"
    delivery.refresh_from_db()
    assert delivery.status == Status.PENDING


def test_a_log_that_arrives_late_still_counts_as_accepted(settings, bobs, mailgun):
    mailgun.lagging = True
    delivery = _killed_mid_send(settings, bobs, AFTER, sending_with=MAILGUN)
    assert _sweep(after=61)["reconciled"] == {"settling": 1}
    mailgun.events[0]["visible"] = True
    assert _sweep(after=601)["reconciled"] == {"sent": 1}
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT and len(mailgun.sent) == 1


@pytest.mark.parametrize(
    "address, reason",
    [
        ("bob@example.com", "under another id"),
        # Mailgun's recipient filter may be case-sensitive: the window's own listing still shows it.
        ("Bob@Example.com", "to this address then that its filter did not return"),
    ],
)
def test_it_does_not_guess_when_mailgun_took_a_message_to_that_address_under_another_id(
    settings, bobs, mailgun, address, reason
):
    delivery = _killed_mid_send(settings, bobs, BEFORE, sending_with=MAILGUN)
    mailgun.accepted(message_id="<renamed@mg.idonethis.test>", recipient=address)
    assert _sweep(after=601)["reconciled"] == {"unknown": 1}
    delivery.refresh_from_db()
    assert delivery.status == Status.INTERRUPTED and reason in delivery.error


def test_a_send_older_than_the_logs_can_be_relied_on_cannot_be_told(mailgun):
    claimed = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    answer = MailgunLogs().ask(Question(f"<old@{DOMAIN}>", "bob@example.com", claimed))
    assert answer.verdict == "unknown" and not answer.provider_down and mailgun.requests == []


def test_an_empty_message_id_matches_nothing_rather_than_every_log_line_without_one(mailgun):
    mailgun.accepted(message_id="", recipient="someone@example.com")  # a log line with no Message-ID
    answer = MailgunLogs().ask(Question("<>", "bob@example.com", dt.datetime.now(dt.UTC)))
    assert answer.verdict == "unknown" and mailgun.requests == []


# --- pages -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("trailing_next", [False, True])
def test_it_reads_the_pages_mailgun_hands_back_until_the_last(settings, bobs, mailgun, trailing_next):
    """Mailgun's filter ignored (say it does not know the attribute): ours is on the third page of others'."""
    mailgun.logs_filter, mailgun.logs_page_size, mailgun.logs_trailing_next = "ignore", 2, trailing_next
    _traffic(mailgun, 5, at=time.time() - 1)
    delivery = _killed_mid_send(settings, bobs, AFTER, sending_with=MAILGUN)
    assert _sweep(after=61)["reconciled"] == {"sent": 1}
    tokens = [q["pagination"].get("token") for q in _questions(mailgun)]
    assert tokens[0] is None and len(tokens) == len(set(tokens)) == (4 if trailing_next else 3)
    assert [int(base64.urlsafe_b64decode(t)) for t in tokens[1:3]] == [2, 4]
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT


def test_too_many_pages_to_read_for_one_question_is_cannot_tell_not_an_outage(settings, bobs, mailgun):
    mailgun.logs_filter, mailgun.logs_page_size = "ignore", 1
    delivery = _killed_mid_send(settings, bobs, BEFORE, sending_with=MAILGUN)
    _traffic(mailgun, MAX_REQUESTS + 2)
    assert _sweep(after=601)["reconciled"] == {"unknown": 1}
    assert len(_questions(mailgun)) == MAX_REQUESTS
    delivery.refresh_from_db()
    assert delivery.status == Status.INTERRUPTED and f"more than {MAX_REQUESTS} pages" in delivery.error


# --- a filter that does not prove itself -----------------------------------------------------------


@pytest.mark.parametrize("took_it", [True, False])
def test_a_filter_that_finds_nothing_even_for_a_message_mailgun_lists_is_not_proof_of_absence(
    settings, bobs, mailgun, took_it
):
    """Say Mailgun knows our filter attributes under other names, or Message-IDs in another form: the filter
    then answers nothing for anyone. Without proof that it works, "nothing" is not "never got it": whether
    Mailgun took ours or not, nothing is sent again."""
    mailgun.logs_filter, mailgun.logs_page_size = "blind", 2
    _traffic(mailgun, 5, at=time.time() - 1)  # more than the two pages the lookup lists, before ours
    delivery = _killed_mid_send(settings, bobs, AFTER if took_it else BEFORE, sending_with=MAILGUN)
    assert _sweep(after=601)["reconciled"] == {"unknown": 1}
    delivery.refresh_from_db()
    assert delivery.status == Status.INTERRUPTED and "did not find a message it lists" in delivery.error
    assert len(mailgun.sent) == int(took_it)


def test_a_blind_filter_with_ours_in_plain_sight_still_finds_it(settings, bobs, mailgun):
    mailgun.logs_filter = "blind"
    delivery = _killed_mid_send(settings, bobs, AFTER, sending_with=MAILGUN)
    assert _sweep(after=601)["reconciled"] == {"sent": 1}
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT and len(mailgun.sent) == 1


@pytest.mark.parametrize("others", [0, 3])
def test_a_blind_filter_on_a_quiet_account_still_proves_nothing_was_accepted(settings, bobs, mailgun, others):
    """All Mailgun accepted around the claim fits the listing (or it accepted nothing): ours is not there."""
    mailgun.logs_filter = "blind"
    _traffic(mailgun, others)
    delivery = _killed_mid_send(settings, bobs, BEFORE, sending_with=MAILGUN)
    assert _sweep(after=601)["reconciled"] == {"owed_again": 1}
    delivery.refresh_from_db()
    assert delivery.status == Status.PENDING


# --- Mailgun failing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure, reason",
    [
        ("401", "401: Mailgun refused the API key"),
        ("key", "401: Mailgun refused the API key"),
        ("429", "429: rate-limited, retry after 7 s"),
        ("500", "500:"),
        ("503", "503:"),
        ("400", "400:"),
        ("malformed", "not JSON"),
        ("no items", "no list of items"),
        ("unreachable", "ConnectionError"),
        ("slow", "Timeout"),
    ],
)
def test_it_keeps_asking_later_while_mailguns_logs_api_fails_and_skips_the_rest_of_the_sweep(
    settings, bobs, mailgun, failure, reason, monkeypatch
):
    settings.DELIVERY_PROVIDER_TIMEOUT_SECONDS = 0.3
    killed = [_killed_mid_send(settings, bobs, BEFORE, sending_with=MAILGUN) for _ in range(3)]
    api = settings.ANYMAIL
    if failure.isdigit():
        mailgun.logs_status = int(failure)
    elif failure == "key":
        settings.ANYMAIL = {**api, "MAILGUN_API_KEY": "key-revoked"}
    elif failure == "malformed":
        mailgun.logs_malformed = True
    elif failure == "no items":
        monkeypatch.setattr(type(mailgun), "logs", lambda self, body: (200, {"items": {"id": "x"}}))
    elif failure == "slow":
        mailgun.delay = 1.0
    else:
        settings.ANYMAIL = {**api, "MAILGUN_API_URL": "http://127.0.0.1:9/v3"}  # nothing listens
    result = _sweep(after=601)["reconciled"]
    assert result == {"unknown": 1, "deferred": 2}  # one question waited on the trouble, not three
    rows = Delivery.objects.filter(pk__in=[d.pk for d in killed]).order_by("provider_checks")
    assert [d.status for d in rows] == [Status.INTERRUPTED] * 3 and [d.provider_checks for d in rows] == [0, 0, 1]
    assert "logs API did not answer" in rows[2].error and reason in rows[2].error, rows[2].error
    assert all(d.provider_check_after is not None for d in rows)
    assert mailgun.sent == []
    mailgun.logs_status, mailgun.logs_malformed, mailgun.delay = 0, False, 0
    monkeypatch.undo()
    settings.ANYMAIL = api
    assert _sweep(after=601 + 121)["reconciled"] == {"owed_again": 3}  # back: every one settled


def test_a_slow_mailgun_costs_one_question_at_most_the_provider_timeout(settings, bobs, mailgun):
    """However many round trips a question needs, together they stay within DELIVERY_PROVIDER_TIMEOUT_SECONDS."""
    settings.DELIVERY_PROVIDER_TIMEOUT_SECONDS = 0.5
    mailgun.delay = 0.2  # each answer is within the timeout, but four of them are not
    _traffic(mailgun, 2)
    claimed = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30)
    started = time.monotonic()
    answer = MailgunLogs().ask(Question(f"<nobody@{DOMAIN}>", "nobody@example.com", claimed))
    assert time.monotonic() - started < 0.5 + 0.3
    assert answer.verdict == "unknown" and answer.provider_down
    assert "slower than 0.5 s" in answer.reason or "timed out" in answer.reason


def test_the_fake_refuses_what_mailgun_would_refuse(mailgun):
    """The fake is strict where Mailgun documents a shape: JSON only, basic auth, RFC 2822 dates, limit ≤ 100."""
    import requests

    url = f"http://127.0.0.1:{mailgun.port}{LOGS_PATH}"
    assert requests.post(url, json={}, timeout=5).status_code == 401
    assert requests.post(url, data="start=x", auth=("api", KEY), timeout=5).status_code == 415
    assert requests.post(url, json={"start": "yesterday"}, auth=("api", KEY), timeout=5).status_code == 400
    assert requests.post(url, json={"pagination": {"limit": 300}}, auth=("api", KEY), timeout=5).status_code == 400
    ok = requests.post(url, json={}, auth=("api", KEY), timeout=5)
    assert ok.status_code == 200 and ok.json()["items"] == [] and "next" not in ok.json()["pagination"]
    assert timezone.now()  # (the fake speaks UTC throughout)
