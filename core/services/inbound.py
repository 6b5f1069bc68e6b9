"""Reply by email: one inbound message becomes entries in the sender's team, exactly once.

Idempotent by Message-ID: the row is inserted before anything else in the same transaction, so a
replay (ESPs retry for hours) or a concurrent duplicate hits the unique constraint and creates
nothing; a failure rolls everything back and the webhook answers 5xx so the ESP tries again.
"""

import datetime as dt
import hashlib
import logging
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.emails.inbound import unknown_sender_reply
from core.localtime import zone_for
from core.models import InboundMessage, Team
from core.replies import reply_lines, reply_text
from core.selectors.people import user_for_email
from core.services.entries import entry_create

log = logging.getLogger(__name__)
Outcome = InboundMessage.Outcome
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_SUBJECT_DATE = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?",
    re.IGNORECASE,
)


def inbound_receive(*, message, esp: str = "", received_at: dt.datetime | None = None) -> InboundMessage | None:
    """Store and process one inbound email (an ``AnymailInboundMessage``); None if it was seen before."""
    received_at = received_at or timezone.now()
    raw = message.as_string()
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.create(
                message_id=_message_id(message, raw),
                received_at=received_at,
                esp=esp,
                from_email=(message.from_email.addr_spec if message.from_email else "")[:320],
                to_email=_team_recipient(message)[:320],
                subject=(message.subject or "")[:998],
                raw=raw,
            )
            _process(inbound, message)
            return inbound
    except IntegrityError:
        if InboundMessage.objects.filter(message_id=_message_id(message, raw)).exists():
            return None  # a replay: already stored and processed
        raise


def _message_id(message, raw: str) -> str:
    value = (message["Message-ID"] or "").strip()
    # Without a Message-ID the content identifies a replay: the ESP resends the same bytes.
    return value[:255] or f"<sha256-{hashlib.sha256(raw.encode('utf-8', 'replace')).hexdigest()}@no-message-id>"


def _team_recipient(message) -> str:
    domain = settings.INBOUND_DOMAIN.lower()
    candidates = [message.envelope_recipient or ""] + [a.addr_spec for a in message.to + message.cc]
    for address in candidates:
        if address.lower().endswith("@" + domain):
            return address.lower()
    return (candidates[0] or "").lower()


def _process(inbound: InboundMessage, message) -> None:
    if _is_automated(message):
        return _finish(inbound, outcome=Outcome.AUTOMATED)
    user = user_for_email(inbound.from_email)
    if user is None:
        return _finish(inbound, outcome=Outcome.UNKNOWN_SENDER)
    inbound.user = user
    team, outcome = _team_for(user, inbound.to_email)
    if team is None:
        return _finish(inbound, outcome=outcome)
    inbound.team = team
    zone = zone_for(user.time_zone)
    local_now = (message.date or inbound.received_at).astimezone(zone).date()
    inbound.entry_date = subject_date(inbound.subject, reference=local_now) or local_now
    inbound.reply_text = reply_text(text=message.text, html=message.html)
    made, rejected = [], []
    for line in reply_lines(inbound.reply_text):
        try:
            entry = entry_create(author=user, team=team, text=line, occurred_on=inbound.entry_date)
        except ValueError as error:
            rejected.append({"line": line[:200], "error": str(error)})
        else:
            made.append({"hash_id": entry.hash_id, "kind": entry.kind, "text": entry.text})
    inbound.parsed = {"entries": made, "rejected": rejected}
    inbound.entries_created = len(made)
    _finish(inbound, outcome=Outcome.ENTRIES_CREATED if made else Outcome.EMPTY)


def _finish(inbound: InboundMessage, *, outcome: str) -> None:
    inbound.outcome = outcome
    inbound.save()


def _is_automated(message) -> bool:
    """Auto-replies, bounces and list mail must never become entries or get an answer (mail loops)."""
    auto = (message["Auto-Submitted"] or "no").strip().lower()
    precedence = (message["Precedence"] or "").strip().lower()
    sender = message.from_email.addr_spec.lower() if message.from_email else ""
    if getattr(message, "spam_detected", False):  # the ESP's spam verdict (Mailgun's X-Mailgun-Sflag)
        return True
    return (
        auto != "no" or precedence in {"bulk", "junk", "list"} or sender.startswith(("mailer-daemon@", "postmaster@"))
    )


def _team_for(user, address: str) -> tuple[Team | None, str]:
    local = address.split("@", 1)[0].split("+", 1)[0]
    if local == "personal":
        return Team.objects.filter(is_personal=True, memberships__user=user).first(), Outcome.UNKNOWN_TEAM
    team = Team.objects.filter(slug=local).first()
    if team is None:
        return None, Outcome.UNKNOWN_TEAM
    if not team.memberships.filter(user=user).exists():
        return None, Outcome.NOT_A_MEMBER
    return team, Outcome.ENTRIES_CREATED


def subject_date(subject: str, *, reference: dt.date) -> dt.date | None:
    """A date named in the subject ("April 30", "Apr 30, 2026"); without a year, the latest one not after
    ``reference`` (so a January reply to "December 31" means last year)."""
    match = _SUBJECT_DATE.search(subject or "")
    if not match:
        return None
    month, day = _MONTHS[match.group(1).lower()[:3]], int(match.group(2))
    try:
        if match.group(3):
            return dt.date(int(match.group(3)), month, day)
        candidate = dt.date(reference.year, month, day)
        # A day of slack: the sender's clock and the reminder's zone may be a day apart.
        return candidate if candidate <= reference + dt.timedelta(days=1) else dt.date(reference.year - 1, month, day)
    except ValueError:
        return None


def inbound_replies_send(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Answer unknown senders once, politely; at most one answer per address a day (no mail loops)."""
    now = now or timezone.now()
    pending = InboundMessage.objects.filter(
        outcome=Outcome.UNKNOWN_SENDER, replied_at__isnull=True, received_at__gte=now - dt.timedelta(days=1)
    ).order_by("received_at")
    sent = 0
    for inbound in pending[:limit]:
        # Claim first (compare-and-set), send after: a crash loses one courtesy email, never doubles it.
        if not InboundMessage.objects.filter(pk=inbound.pk, replied_at__isnull=True).update(replied_at=now):
            continue
        answered_lately = InboundMessage.objects.filter(
            from_email__iexact=inbound.from_email, replied_at__gte=now - dt.timedelta(days=1), parsed__answered=True
        ).exists()
        if not answered_lately:
            unknown_sender_reply(inbound).send()
            sent += 1
        inbound.parsed = {**inbound.parsed, "answered": not answered_lately}
        inbound.save(update_fields=["parsed"])
    return sent


def inbound_messages_prune(*, now: dt.datetime | None = None, days: int | None = None) -> int:
    """Forget inbound messages past the retention period (raw bodies hold personal data)."""
    now = now or timezone.now()
    days = days if days is not None else settings.INBOUND_RETENTION_DAYS
    deleted, _ = InboundMessage.objects.filter(received_at__lt=now - dt.timedelta(days=days)).delete()
    return deleted
