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
from core.emails.reminders import reminder_day
from core.localtime import zone_for
from core.models import InboundMessage, InboundToken, Team
from core.replies import body_texts, decode_text, reply_lines, reply_text
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
    """Store and process one inbound email (an ``AnymailInboundMessage``); None if it was seen before.

    Whatever the mail holds, it is stored: unusable mail (no single readable From) as ``rejected`` with
    the reason, so the webhook answers 200 and the ESP does not retry what can never succeed."""
    received_at = received_at or timezone.now()
    sender, problem = _sender(message)
    raw = _stored_raw(message)
    message_id = _message_id(message, raw)
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.create(
                message_id=message_id,
                received_at=received_at,
                esp=esp,
                from_email=sender[:320],
                to_email=_team_recipient(message)[:320],
                subject=_header(message, "Subject")[:998],
                raw=raw,
            )
            if problem:
                inbound.parsed = {"rejected_because": problem}
                _finish(inbound, outcome=Outcome.REJECTED)
            else:
                _process(inbound, message)
            return inbound
    except IntegrityError:
        if InboundMessage.objects.filter(message_id=message_id).exists():
            return None  # a replay: already stored and processed
        raise


class InboundTokenReused(ValueError):
    """A signed post's token was already accepted with different content: a captured signature."""


def inbound_token_use(*, esp: str, token: str, digest: str, expires_at: dt.datetime) -> bool:
    """Accept a webhook token once: True the first time, False for an exact retry of the same post
    (already handled), ``InboundTokenReused`` for the same token with other content.

    Call it inside the transaction that stores the message: a concurrent duplicate waits on the unique
    constraint until that commits, and a rollback frees the token for the ESP's retry."""
    try:
        with transaction.atomic():
            InboundToken.objects.create(esp=esp, token=token[:255], digest=digest, expires_at=expires_at)
        return True
    except IntegrityError:
        if InboundToken.objects.filter(esp=esp, token=token[:255], digest=digest).exists():
            return False
        raise InboundTokenReused(f"{esp} token already used for another post") from None


# Support reads the stored copy; a 20 MB pasted log need not be kept whole (the reply is parsed first).
MAX_STORED_RAW_BYTES = 1024 * 1024
# The stdlib email parser raises these (and anymail ValueError subclasses) on hostile headers.
_MALFORMED = (ValueError, LookupError, IndexError, TypeError, AttributeError, OverflowError)


def _clean(value) -> str:
    """Text PostgreSQL can store: surrogate-escaped 8-bit bytes decoded, NULs dropped."""
    text = str(value or "")
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        text = decode_text(text.encode("utf-8", "surrogateescape"))
    return text.replace("\x00", "")


def _header(message, name: str) -> str:
    try:
        return _clean(message.get(name)).strip()
    except _MALFORMED:
        return ""


def _sender(message) -> tuple[str, str]:
    """(address, why it is unusable or "")."""
    try:
        sender = message.from_email
    except _MALFORMED:
        return "", "the From header is not a readable address"
    if isinstance(sender, list):
        return _clean(", ".join(a.addr_spec for a in sender)), "the From header names more than one address"
    address = _clean(sender.addr_spec if sender else "")
    if "@" not in address:
        return address, "the From header has no email address"
    return address, ""


def _stored_raw(message) -> str:
    """The message as text for support, attachments replaced by a note (they are never used)."""
    for part in message.walk():
        if part.is_multipart() or (part.get_content_maintype() == "text" and not part.is_attachment()):
            continue
        size = len(str(part.get_payload()))
        del part["Content-Transfer-Encoding"]
        part.set_payload(f"(attachment not stored: {size} bytes)")
    try:
        data = message.as_bytes()
    except _MALFORMED + (UnicodeError,):
        data = str(message.get_payload() if not message.is_multipart() else "").encode("utf-8", "surrogateescape")
    if len(data) > MAX_STORED_RAW_BYTES:
        data = data[:MAX_STORED_RAW_BYTES] + f"\n(truncated: {len(data)} bytes in all)\n".encode()
    return _clean(decode_text(data))


def _message_id(message, raw: str) -> str:
    value = _header(message, "Message-ID")
    # Without a Message-ID the content identifies a replay: the ESP resends the same bytes.
    return value[:255] or f"<sha256-{hashlib.sha256(raw.encode('utf-8', 'replace')).hexdigest()}@no-message-id>"


def _team_recipient(message) -> str:
    domain = settings.INBOUND_DOMAIN.lower()
    try:
        # "To: undisclosed-recipients:;" (Bcc) names nobody: the envelope still does.
        listed = [a.addr_spec for a in message.to + message.cc]
    except _MALFORMED:
        listed = []
    candidates = [_clean(a) for a in [message.envelope_recipient or "", *listed]]
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
    # The day the reminder asked about, else the day the mail arrived where the member lives; the sender's
    # Date: header never counts (a wrong clock in a phone would date entries years away).
    arrived = inbound.received_at.astimezone(zone_for(user.time_zone)).date()
    inbound.entry_date = (
        reminder_day(in_reply_to=message["In-Reply-To"], references=message["References"], arrived=arrived)
        or subject_date(inbound.subject, reference=arrived)
        or arrived
    )
    text, html = body_texts(message)
    inbound.reply_text = _clean(reply_text(text=text, html=html))
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
    auto = (_header(message, "Auto-Submitted") or "no").lower()
    precedence = _header(message, "Precedence").lower()
    sender = _sender(message)[0].lower()
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
    # Expired webhook tokens go too: their timestamps are refused as stale, so they guard nothing.
    InboundToken.objects.filter(expires_at__lt=now).delete()
    return deleted
