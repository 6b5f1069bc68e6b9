"""Asking Mailgun's Logs API (``POST /v1/analytics/logs``) whether it accepted a Message-ID: the reconciler's
default Mailgun lookup (core/esp.py picks it, or the older Events API, by ``DELIVERY_MAILGUN_LOOKUP``).

Same answers as the Events lookup: *accepted* when Mailgun logged any event but ``rejected`` for that
Message-ID; *not accepted* only when it logged nothing for it, nothing accepted for that recipient around
the claim, and (see below) that silence is backed by an unfiltered listing; *unknown* for anything else
(API down, refused, rate-limited, malformed, too many pages, sent too long ago). The settle delay is the
reconciler's.

What Mailgun documents (documentation.mailgun.com, "Logs" / "List logs", ``post-v1-analytics-logs``): a JSON
body with ``start``/``end`` (RFC 2822), ``events``, ``filter`` (``{"AND": [{"attribute", "comparator",
"values": [{"label", "value"}]}]}``, its one example being ``domain =``) and ``pagination``; a response with
``items`` (each with ``id``, ``event``, ``@timestamp``, ``recipient``, ``message.headers.message-id``) and
``pagination`` tokens. It does not list the filter attributes, so the names used here (``message-id``,
``recipient``: the Events API's filter fields) are not confirmed. Hence two guards, so that a filter Mailgun
ignores or answers wrongly can never turn into a wrong answer:

- every item is checked here (its Message-ID or recipient), whatever the filter returned: an ignored filter
  only costs pages (bounded; past them the answer is "cannot tell");
- before "not accepted", filters that returned nothing must be backed: what Mailgun accepted around the
  claim is listed without any filter; if that listing is complete it answers by itself, otherwise each
  filter must find a message the listing shows. A filter that silently matches nothing (a wrong attribute
  name, a Message-ID form it does not store) cannot, so the answer stays "cannot tell" and nothing is sent
  twice.
"""

import datetime as dt
import time
from email.utils import format_datetime
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings

from core.esp import ACCEPTED, NOT_ACCEPTED, UNKNOWN, Answer, Question

PAGE_SIZE = 100  # Mailgun's maximum per page
MAX_REQUESTS = 8  # per question, pages included; and all of them within DELIVERY_PROVIDER_TIMEOUT_SECONDS


class Undecided(Exception):
    """The logs cannot settle this question (too many pages, a filter that does not prove itself)."""


class ProviderTrouble(Exception):
    """Mailgun's Logs API did not give a usable answer: no point asking it about the others now."""


class MailgunLogs:
    name = "Mailgun"
    RETENTION = dt.timedelta(days=2)  # Mailgun does not document how long it keeps logs; stay well inside

    @property
    def settle_seconds(self) -> int:
        return settings.DELIVERY_PROVIDER_SETTLE_SECONDS

    def ask(self, question: Question) -> Answer:
        now = dt.datetime.now(dt.UTC)
        if now - question.claimed_at > self.RETENTION:
            return Answer(UNKNOWN, "sent longer ago than Mailgun's logs can be relied on")
        wanted, recipient = _message_id(question.message_id), question.to_email.strip().lower()
        if not wanted or not recipient:  # an empty id would match every log line that lacks one
            return Answer(UNKNOWN, "no Message-ID or recipient to ask Mailgun about")
        begin = question.claimed_at - dt.timedelta(minutes=1)
        # Mailgun logs "accepted" while our API call is open, so inside the claim window; later events
        # (delivered, opened, …) of the same message may come any time after.
        until = now.replace(microsecond=0) + dt.timedelta(seconds=1)  # RFC 2822 has whole seconds: round up
        window_end = min(until, question.claimed_at + dt.timedelta(seconds=settings.DELIVERY_CLAIM_TIMEOUT_SECONDS))
        session = _Session()
        try:
            ours = [i for i in session.items(begin, until, _equals("message-id", wanted)) if _mid(i) == wanted]
            taken = [i for i in ours if i.get("event") != "rejected"]
            if taken:
                first = min(taken, key=lambda i: _when(i) or now)
                return Answer(ACCEPTED, f"Mailgun logged its {first.get('event')} event", at=_when(first))
            to_them = [
                i
                for i in session.items(begin, window_end, _equals("recipient", recipient), events=["accepted"])
                if _to(i) == recipient and i.get("event") == "accepted"
            ]
            ours = [i for i in to_them if _mid(i) == wanted]
            if ours:  # the Message-ID filter missed what the recipient filter found: still Mailgun's word
                return Answer(ACCEPTED, "Mailgun logged its accepted event", at=_when(ours[0]))
            others = [i for i in to_them if _mid(i) != wanted]
            if others:
                return Answer(
                    UNKNOWN, f"Mailgun accepted {len(others)} message(s) to this address then, under another id"
                )
            found = session.prove_filters(begin, window_end, wanted=wanted, recipient=recipient)
            if found:
                return found
        except Undecided as why:
            return Answer(UNKNOWN, str(why))
        except ProviderTrouble as error:
            return Answer(UNKNOWN, f"Mailgun's logs API did not answer ({error})", provider_down=True)
        return Answer(NOT_ACCEPTED, "no Mailgun log for that Message-ID nor any message accepted to that address then")


class _Session:
    """One question's round trips to the Logs API, at most ``MAX_REQUESTS`` of them."""

    def __init__(self) -> None:
        self.requests = 0
        self.deadline = time.monotonic() + settings.DELIVERY_PROVIDER_TIMEOUT_SECONDS
        self.url = logs_url()
        self.auth = ("api", settings.ANYMAIL.get("MAILGUN_API_KEY", ""))

    def items(self, begin, end, condition: dict | None, *, events: list[str] | None = None) -> list:
        """Every logged item that matches, however many pages (within the question's requests)."""
        return self._walk(begin, end, condition, events=events, pages=MAX_REQUESTS + 1)[0]

    def _walk(self, begin, end, condition: dict | None, *, events: list[str] | None, pages: int) -> tuple[list, bool]:
        """Up to ``pages`` pages of matching items, and whether that was all of them."""
        body = {
            "start": _rfc2822(begin),
            "end": _rfc2822(end),
            "pagination": {"sort": "timestamp:asc", "limit": PAGE_SIZE},
        }
        if events:
            body["events"] = events
        if condition:
            body["filter"] = {"AND": [condition]}
        found, seen = [], set()
        while True:
            page = self._post(body)
            found += page["items"]
            token = page["next"]
            # The last page either has no next token or points at an empty page; either ends the walk.
            if not page["items"] or not token or token in seen:
                return found, True
            if len(seen) + 1 >= pages:
                return found, False
            seen.add(token)
            body["pagination"] = {**body["pagination"], "token": token}

    def prove_filters(self, begin, end, *, wanted: str, recipient: str) -> Answer | None:
        """Our filters returned nothing for our Message-ID nor our recipient. Read what Mailgun accepted in
        that window without any filter: if that is all of it, it settles the question by itself; if there is
        more, each filter must find a message that listing shows, or we cannot tell. Returns an answer when
        the listing settles it otherwise than "not accepted", None when "not accepted" stands."""
        listed, complete = self._walk(begin, end, None, events=["accepted"], pages=2)
        listed = [i for i in listed if i.get("event") != "rejected"]
        for item in listed:
            if _mid(item) == wanted:
                return Answer(ACCEPTED, f"Mailgun logged its {item.get('event')} event", at=_when(item))
            if _to(item) == recipient:
                raise Undecided("Mailgun accepted a message to this address then that its filter did not return")
        if complete:
            return None  # everything Mailgun accepted then, and ours is not among it
        sample = next((i for i in listed if i.get("event") == "accepted" and _mid(i) and _to(i)), None)
        if sample is None:
            raise Undecided("Mailgun's logs lack the Message-ID or recipient needed to check its filter")
        for attribute, value, read in (("message-id", _mid(sample), _mid), ("recipient", _to(sample), _to)):
            echo = self._walk(begin, end, _equals(attribute, value), events=["accepted"], pages=1)[0]
            if not any(read(i) == value for i in echo):
                raise Undecided(
                    f"Mailgun's logs filter on {attribute} did not find a message it lists, so its silence "
                    "about ours proves nothing"
                )
        return None

    def _post(self, body: dict) -> dict:
        if self.requests >= MAX_REQUESTS:
            raise Undecided(f"more than {MAX_REQUESTS} pages of Mailgun logs to read for one question")
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise ProviderTrouble(f"slower than {settings.DELIVERY_PROVIDER_TIMEOUT_SECONDS:g} s for one question")
        self.requests += 1
        try:
            response = requests.post(self.url, json=body, auth=self.auth, timeout=left)
        except requests.RequestException as error:
            raise ProviderTrouble(_short(error)) from error
        if response.status_code != 200:
            raise ProviderTrouble(_refusal(response))
        try:
            payload = response.json()
        except ValueError as error:
            raise ProviderTrouble(f"not JSON: {response.text[:80]!r}") from error
        items = payload.get("items") if isinstance(payload, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ProviderTrouble(f"no list of items in its answer: {response.text[:80]!r}")
        pagination = payload.get("pagination")
        token = pagination.get("next") if isinstance(pagination, dict) else None
        return {"items": items, "next": token if isinstance(token, str) else None}


def logs_url() -> str:
    """The Logs API on the host anymail sends through: ``MAILGUN_API_URL`` is the v3 API's root
    (``https://api.mailgun.net/v3``, or ``https://api.eu.mailgun.net/v3`` for an EU domain); logs are /v1."""
    url = urlsplit(settings.ANYMAIL.get("MAILGUN_API_URL") or "https://api.mailgun.net/v3")
    path = url.path.rstrip("/")
    root = path[: -len("/v3")] if path.endswith("/v3") else path
    return urlunsplit((url.scheme, url.netloc, f"{root}/v1/analytics/logs", "", ""))


def _equals(attribute: str, value: str) -> dict:
    return {"attribute": attribute, "comparator": "=", "values": [{"label": value, "value": value}]}


def _message_id(value) -> str:
    """Mailgun files the Message-ID without its angle brackets (its Events API matches only that form)."""
    return str(value or "").strip().strip("<>").strip()


def _mid(item: dict) -> str:
    message = item.get("message")
    headers = message.get("headers") if isinstance(message, dict) else None
    return _message_id(headers.get("message-id")) if isinstance(headers, dict) else ""


def _to(item: dict) -> str:
    return str(item.get("recipient") or "").strip().lower()


def _when(item: dict) -> dt.datetime | None:
    """``@timestamp`` is ISO 8601 with milliseconds and ``Z`` in Mailgun's sample."""
    stamp = item.get("@timestamp")
    try:
        when = dt.datetime.fromisoformat(str(stamp).replace("Z", "+00:00")) if stamp else None
    except ValueError:
        return None
    return when if when is None or when.tzinfo else when.replace(tzinfo=dt.UTC)


def _rfc2822(when: dt.datetime) -> str:
    return format_datetime(when.astimezone(dt.UTC), usegmt=True)


def _refusal(response) -> str:
    status = response.status_code
    if status in (401, 403):
        return f"{status}: Mailgun refused the API key (MAILGUN_API_KEY, or a key without access to logs)"
    if status == 429:
        wait = response.headers.get("Retry-After")
        return "429: rate-limited" + (f", retry after {wait} s" if wait else "")
    return f"{status}: {response.text[:120]!r}"


def _short(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:300]
