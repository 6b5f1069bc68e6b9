"""Asking the email provider, after the fact, whether it accepted the message with a given Message-ID.

A sender killed between its claim and the provider's answer leaves a send nobody can vouch for; the
reconciler (core/services/reconcile.py) asks the provider configured in ``EMAIL_BACKEND`` through one of
these lookups. A lookup answers *accepted* (with when, if known), *not accepted* (it has no trace of it)
or *unknown* (it cannot say: no lookup for this backend, API down, ambiguous). Only what a lookup can
prove moves a delivery; anything else is left for the next sweep, then for support.
"""

import datetime as dt
import email.parser
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

import requests
from django.conf import settings
from django.utils.module_loading import import_string

from core.mail import message_file_key

ACCEPTED, NOT_ACCEPTED, UNKNOWN = "accepted", "not_accepted", "unknown"


@dataclass(frozen=True)
class Answer:
    verdict: str  # ACCEPTED, NOT_ACCEPTED or UNKNOWN
    reason: str
    at: dt.datetime | None = None  # when the provider accepted it, if it says
    provider_down: bool = False  # the provider could not be reached: no point asking about the others now


@dataclass(frozen=True)
class Question:
    message_id: str  # as stored at the claim: "<id@domain>"
    to_email: str
    claimed_at: dt.datetime


class FileFolder:
    """The embedded backend (core.mail): the message went out if its file is in ``EMAIL_FILE_PATH``."""

    name = "the mail folder"
    settle_seconds = 0  # a file is there the moment the backend returns

    def ask(self, question: Question) -> Answer:
        folder = Path(settings.EMAIL_FILE_PATH)
        wanted = question.message_id.strip()
        try:
            for path in folder.glob(f"*-{message_file_key(wanted)}-*.eml"):
                with open(path, "rb") as file:
                    if str(_headers.parse(file)["Message-ID"] or "").strip() == wanted:
                        return Answer(ACCEPTED, f"written as {path.name}", at=_mtime(path))
        except OSError as error:
            return Answer(UNKNOWN, f"the mail folder cannot be read ({error})", provider_down=True)
        return Answer(NOT_ACCEPTED, f"no message with that Message-ID in {folder}")


_headers = email.parser.BytesHeaderParser()


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)


class MailgunEvents:
    """Mailgun's Events API (``GET /v3/<domain>/events``), chosen by ``DELIVERY_MAILGUN_LOOKUP=events``; Mailgun
    deprecates it in favour of its Logs API (core/esp_mailgun_logs.py, the default). Events reach it late and
    out of order, so "no event" proves nothing until ``DELIVERY_PROVIDER_SETTLE_SECONDS`` after the send (the
    reconciler waits that long); and "not accepted" also needs no message at all accepted for that recipient
    around the claim, in case Mailgun filed ours under another Message-ID."""

    name = "Mailgun"
    RETENTION = dt.timedelta(days=2)  # Mailgun keeps events at least 3 days (plan-dependent); stay inside

    @property
    def settle_seconds(self) -> int:
        return settings.DELIVERY_PROVIDER_SETTLE_SECONDS

    def ask(self, question: Question) -> Answer:
        if dt.datetime.now(dt.UTC) - question.claimed_at > self.RETENTION:
            return Answer(UNKNOWN, "sent longer ago than Mailgun keeps its events")
        begin = question.claimed_at - dt.timedelta(minutes=1)
        end = question.claimed_at + dt.timedelta(seconds=settings.DELIVERY_CLAIM_TIMEOUT_SECONDS)
        try:
            for domain in _mailgun_domains():
                events = self._events(domain, {"message-id": question.message_id.strip().strip("<>")}, begin)
                taken = [e for e in events if e.get("event") != "rejected"]
                if taken:
                    first = min(taken, key=lambda e: e.get("timestamp") or 0)
                    return Answer(ACCEPTED, f"Mailgun has its {first.get('event')} event", at=_epoch(first))
                others = self._events(domain, {"recipient": question.to_email, "event": "accepted"}, begin, end)
                if others:
                    return Answer(
                        UNKNOWN, f"Mailgun accepted {len(others)} message(s) to this address then, under another id"
                    )
        except (requests.RequestException, ValueError) as error:
            return Answer(UNKNOWN, f"Mailgun's events API did not answer ({_short(error)})", provider_down=True)
        return Answer(NOT_ACCEPTED, "no Mailgun event for that Message-ID nor any message to that address then")

    def _events(self, domain: str, filters: dict, begin: dt.datetime, end: dt.datetime | None = None) -> list:
        anymail = settings.ANYMAIL
        url = anymail.get("MAILGUN_API_URL") or "https://api.mailgun.net/v3"
        params = {**filters, "begin": int(begin.timestamp()), "limit": 300}
        params.update({"end": int(end.timestamp())} if end else {"ascending": "yes"})
        response = requests.get(
            f"{url.rstrip('/')}/{domain}/events",
            params=params,
            auth=("api", anymail.get("MAILGUN_API_KEY", "")),
            timeout=settings.DELIVERY_PROVIDER_TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        return list(response.json().get("items") or [])


def _mailgun_domains() -> list[str]:
    """The sending domain anymail uses: the configured one, else each From address's domain we send from."""
    configured = settings.ANYMAIL.get("MAILGUN_SENDER_DOMAIN")
    if configured:
        return [configured]
    from_domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    return list(dict.fromkeys(d for d in (settings.INBOUND_DOMAIN, from_domain) if d))


def _epoch(event: dict) -> dt.datetime | None:
    stamp = event.get("timestamp")
    return dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC) if stamp else None


def _short(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:300]


# DELIVERY_MAILGUN_LOOKUP → the Mailgun API asked (by path: the Logs lookup builds on this module).
MAILGUN_LOOKUPS = {"logs": "core.esp_mailgun_logs.MailgunLogs", "events": "core.esp.MailgunEvents"}


def _mailgun():
    path = MAILGUN_LOOKUPS.get(settings.DELIVERY_MAILGUN_LOOKUP)
    return import_string(path)() if path else None  # settings refuse a wrong value at start-up


# EMAIL_BACKEND (or a class it inherits from) → what builds the lookup that can answer for it.
LOOKUPS = {
    "core.mail.FilePerMessageBackend": FileFolder,
    "anymail.backends.mailgun.EmailBackend": _mailgun,
}


def lookup_for(backend: str):
    """The lookup for an ``EMAIL_BACKEND`` path, or None when this provider cannot be asked."""
    try:
        backend_class = import_string(backend)
    except ImportError:
        return None
    for klass in backend_class.__mro__:
        build = LOOKUPS.get(f"{klass.__module__}.{klass.__qualname__}")
        if build:
            return build()
    return None
