"""Reply by email in two steps: the webhook stores each message once, a worker parses it into entries once.

1. **Store** (:func:`inbound_store`, in the webhook's request, which only authenticates and stores):
   the provider's single-use token and the message as posted are written in one short transaction. A
   Message-ID already stored (a provider retry, the same mail posted five times at once) writes no
   second row: ``INSERT … ON CONFLICT DO NOTHING``, so a concurrent duplicate waits on the unique index
   and then finds the first. From then on the parse is owed (``outcome`` received).
2. **Dispatch** after commit is only a nudge: a lost one (broker down, message dropped) leaves the
   message owed, and :func:`inbound_sweep` hands it out again after ``INBOUND_REDISPATCH_AFTER_SECONDS``.
3. **Parse** (:func:`inbound_parse`, in a worker) under the row's lock, only while it is still owed;
   the entries, the outcome and the copy kept for support are written in one transaction. A redelivered
   task, a second sweep or support's re-run finds it parsed and makes nothing twice; a worker killed
   half-way leaves nothing half-written. A message that fails every attempt is given up after
   ``INBOUND_MAX_PARSE_ATTEMPTS`` (``failed``, with the error, for support to re-run after a fix).
"""

import datetime as dt
import functools
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from core import inbound_mail
from core.db import server_binding_cursor
from core.emails.inbound import unknown_sender_reply
from core.emails.reminders import reminder_day
from core.localtime import zone_for
from core.models import InboundMessage, InboundToken, Team
from core.replies import body_texts, reply_lines, reply_text
from core.rows import InsertPlan, Row, insert_unless_present
from core.selectors.people import user_for_email
from core.services.dispatch import hand_out
from core.services.entries import entry_create

log = logging.getLogger(__name__)
Outcome = InboundMessage.Outcome
Enqueue = Callable[[int], object]  # enqueue(inbound_id): hand one owed parse to a worker
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_SUBJECT_DATE = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class WebhookToken:
    """A signed post's single-use token (Mailgun's), with a digest of every field the post carried."""

    esp: str
    token: str
    digest: str
    expires_at: dt.datetime


class InboundTokenReused(ValueError):
    """A signed post's token was already accepted with different content: a captured signature."""


def inbound_store(
    *,
    esp: str,
    mime: bytes,
    enqueue: Enqueue,
    esp_fields: dict | None = None,
    token: WebhookToken | None = None,
    received_at: dt.datetime | None = None,
) -> int | None:
    """Store one posted email and owe its parsing; returns the new message's id, or None when nothing
    new was stored: its Message-ID is stored already, or this exact post (same token, same fields) was
    handled before. Raises ``InboundTokenReused`` for a token accepted before with other content.

    The token is written in the same transaction as the message (on PostgreSQL the same statement): a
    failure (database trouble, the request answered 5xx) frees it for the provider's retry."""
    now, esp_fields = timezone.now(), esp_fields or {}
    # Who, to where and about what, from the headers alone: the inbound log shows them before a worker
    # has parsed the message (it then writes the exact values).
    head = inbound_mail.headers(mime)
    head.envelope_recipient = esp_fields.get("envelope_recipient")
    message = Row(
        InboundMessage,
        message_id=inbound_mail.message_id(head, mime),
        received_at=received_at or now,
        esp=esp,
        from_email=inbound_mail.sender_preview(head)[:320],
        to_email=inbound_mail.team_recipient(head)[:320],
        subject=inbound_mail.subject_preview(head)[:998],
        mime=mime,
        esp_fields=esp_fields,
        parse_dispatched_at=now,
    )
    if token is not None and connection.vendor == "postgresql":
        inbound_id = _store_in_one_statement(_token_row(token), message)
    else:
        with transaction.atomic():
            if token is not None and not _token_first_use(token):
                return None
            inbound_id = insert_unless_present(message)
    if inbound_id is not None:
        transaction.on_commit(lambda: inbound_dispatch(ids=[inbound_id], enqueue=enqueue))
    return inbound_id


def _store_in_one_statement(token: Row, message: Row) -> int | None:
    """PostgreSQL: the token and the message in one statement, atomic by itself (no BEGIN and COMMIT
    round trips, the webhook's main cost after parsing moved out); the message only if the token is new.
    Its two dozen parameters are bound by the server, not quoted into the SQL in Python (core/db.py)."""
    with server_binding_cursor(connection) as cursor:
        cursor.execute(_one_statement_sql(token.plan, message.plan), [*token.params, *message.params])
        fresh, inbound_id = cursor.fetchone()
    if not fresh and not _exact_retry(token):
        raise InboundTokenReused(f"{token.values['esp']} token already used for another post")
    return inbound_id


@functools.cache
def _one_statement_sql(token: InsertPlan, message: InsertPlan) -> str:
    return (
        f"WITH token AS (INSERT INTO {token.table} ({', '.join(token.columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(token.columns))}) ON CONFLICT DO NOTHING RETURNING 1), "
        f"message AS (INSERT INTO {message.table} ({', '.join(message.columns)}) "
        f"SELECT {', '.join(['%s'] * len(message.columns))} WHERE EXISTS (SELECT 1 FROM token) "
        f"ON CONFLICT DO NOTHING RETURNING {message.pk_column}) "
        "SELECT EXISTS (SELECT 1 FROM token), (SELECT * FROM message)"
    )


def _token_row(token: WebhookToken) -> Row:
    return Row(InboundToken, esp=token.esp, token=token.token[:255], digest=token.digest, expires_at=token.expires_at)


def _token_first_use(token: WebhookToken) -> bool:
    """True the first time; False for an exact retry of a post already handled; raises for other content."""
    row = _token_row(token)
    if insert_unless_present(row) is not None:
        return True
    if _exact_retry(row):
        return False
    raise InboundTokenReused(f"{token.esp} token already used for another post")


def _exact_retry(row: Row) -> bool:
    return InboundToken.objects.filter(
        esp=row.values["esp"], token=row.values["token"], digest=row.values["digest"]
    ).exists()


def inbound_dispatch(*, ids: Iterable[int], enqueue: Enqueue) -> int:
    """Hand owed parses to the workers. The first failure (broker down) stops the loop: the messages
    stay owed and the sweeper hands them out once the broker is back. Returns how many were handed."""
    return hand_out(ids, enqueue=enqueue, what="inbound parses")


def inbound_sweep(*, enqueue: Enqueue, now: dt.datetime | None = None, limit: int = 1000) -> dict:
    """Hand out again every stored email whose parse was dispatched long ago and is still owed."""
    now = now or timezone.now()
    lost = Q(parse_dispatched_at__lt=now - dt.timedelta(seconds=settings.INBOUND_REDISPATCH_AFTER_SECONDS))
    with transaction.atomic():
        owed = InboundMessage.objects.filter(lost | Q(parse_dispatched_at__isnull=True), outcome=Outcome.RECEIVED)
        if connection.vendor == "postgresql":
            owed = owed.select_for_update(skip_locked=True)  # a message being parsed is locked: skipped
        ids = list(owed.order_by("parse_dispatched_at").values_list("pk", flat=True)[:limit])
        InboundMessage.objects.filter(pk__in=ids).update(parse_dispatched_at=now)
    return {"redispatched": inbound_dispatch(ids=ids, enqueue=enqueue), "owed": len(ids)}


def inbound_parse(*, inbound_id: int) -> InboundMessage | None:
    """Parse one stored email into entries, once. None when there is nothing to do: it was parsed
    already (a redelivered task, a second sweep, support's re-run) or is gone."""
    attempts = _count_attempt(inbound_id)
    if attempts is None:
        return None
    if attempts > settings.INBOUND_MAX_PARSE_ATTEMPTS:
        return _give_up(inbound_id, attempts=attempts)
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.select_for_update().filter(pk=inbound_id, outcome=Outcome.RECEIVED).first()
            if inbound is None:
                return None  # parsed by another run while this one waited for the lock
            _parse(inbound, _message_of(inbound))
    except Exception as error:
        _note_failure(inbound_id, error)
        raise
    return inbound


class InboundParsesFailed(RuntimeError):
    """Some parses of a batch failed (each left owed, its error noted beside it); the others were made."""


def inbound_parse_many(*, inbound_ids: Iterable[int]) -> dict[int, str]:
    """Parse several stored emails in turn (one message from a busy web process): each exactly as
    :func:`inbound_parse`, so a redelivered batch makes nothing twice. One that fails does not stop the
    others; it stays owed for the sweeper, and the batch raises at the end so the failure is seen.
    Returns each id's outcome ("not-owed" for one there was nothing to do for)."""
    outcomes, failed = {}, []
    for inbound_id in inbound_ids:
        try:
            inbound = inbound_parse(inbound_id=inbound_id)
        except Exception as error:
            log.exception("inbound %s: parse failed; left owed for the sweeper", inbound_id)
            outcomes[inbound_id] = "failed"
            failed.append((inbound_id, error))
        else:
            outcomes[inbound_id] = inbound.outcome if inbound else "not-owed"
    if failed:
        ids = ", ".join(str(inbound_id) for inbound_id, _ in failed)
        raise InboundParsesFailed(f"{len(failed)} of {len(outcomes)} parses failed (inbound {ids})") from failed[0][1]
    return outcomes


def _count_attempt(inbound_id: int) -> int | None:
    """Counted before parsing, in its own transaction, so a message that kills its worker every time
    (and so never records an error) is still given up in the end."""
    owed = InboundMessage.objects.filter(pk=inbound_id, outcome=Outcome.RECEIVED)
    if not owed.update(parse_attempts=F("parse_attempts") + 1):
        return None
    return owed.values_list("parse_attempts", flat=True).first()


def _give_up(inbound_id: int, *, attempts: int) -> InboundMessage | None:
    InboundMessage.objects.filter(pk=inbound_id, outcome=Outcome.RECEIVED).update(outcome=Outcome.FAILED)
    log.error("inbound %s: parsing failed %d times; given up (support can parse it again)", inbound_id, attempts - 1)
    return InboundMessage.objects.filter(pk=inbound_id).first()


def _note_failure(inbound_id: int, error: Exception) -> None:
    """What went wrong, kept for support beside the message (the parse itself was rolled back)."""
    try:
        InboundMessage.objects.filter(pk=inbound_id, outcome=Outcome.RECEIVED).update(
            parsed={"parse_error": f"{type(error).__name__}: {error}"[:2000]}
        )
    except Exception:  # the database itself may be what failed; the task's log has the error
        log.exception("inbound %s: could not record the parse error", inbound_id)


def _message_of(inbound: InboundMessage):
    message = inbound_mail.parse(inbound.mime, text=inbound.raw)
    message.envelope_sender = inbound.esp_fields.get("envelope_sender")
    message.envelope_recipient = inbound.esp_fields.get("envelope_recipient")
    if inbound.esp == "mailgun":
        # anymail's verdict for Mailgun's raw-MIME posts: the spam flag Mailgun adds to the headers.
        message.spam_detected = inbound_mail.header(message, "X-Mailgun-Sflag").lower() == "yes"
    else:
        message.spam_detected = inbound.esp_fields.get("spam_detected")
    return message


def _parse(inbound: InboundMessage, message) -> None:
    """Read who, where and what, make the entries, keep the support copy in place of the posted bytes."""
    address, problem = inbound_mail.sender(message)
    inbound.from_email = address[:320]
    inbound.to_email = inbound_mail.team_recipient(message)[:320]
    inbound.subject = inbound_mail.header(message, "Subject")[:998]
    if problem:
        inbound.parsed = {"rejected_because": problem}
        inbound.outcome = Outcome.REJECTED
    else:
        inbound.outcome = _process(inbound, message)
    if inbound.mime is not None:
        inbound.raw, inbound.mime = inbound_mail.support_copy(message), None
    inbound.save()


def inbound_reprocess(*, inbound: InboundMessage, actor, now: dt.datetime | None = None) -> InboundMessage:
    """Parse a stored email again, after what stopped it was fixed (an address verified, a membership
    added, a parser bug fixed), or now when no worker has yet.

    Only for messages that created no entries: running one that did would post its lines twice.
    ``actor`` is who asked (support, through the portal, which audits it)."""
    now = now or timezone.now()
    with transaction.atomic():
        inbound = InboundMessage.objects.select_for_update().get(pk=inbound.pk)
        if inbound.outcome == Outcome.ENTRIES_CREATED or inbound.entries_created:
            raise ValueError("This email already created entries: parsing it again would post them twice.")
        if inbound.outcome == Outcome.REJECTED:
            raise ValueError("This email was rejected as unusable (see why): parsing it again cannot change that.")
        if inbound.mime is None and not inbound.raw:
            raise ValueError("The raw message is not stored any more: nothing to parse.")
        if inbound.mime is None and inbound_mail.is_truncated(inbound.raw):
            raise ValueError("Only the first MiB of this email was stored: parsing it again would read part of it.")
        previous = inbound.outcome
        inbound.user = inbound.team = inbound.entry_date = None
        inbound.reply_text, inbound.entries_created = "", 0
        inbound.parsed = {key: value for key, value in inbound.parsed.items() if key == "answered"}
        _parse(inbound, _message_of(inbound))
        inbound.parsed = {**inbound.parsed, "reprocessed": {"at": now.isoformat(), "previous_outcome": previous}}
        inbound.save(update_fields=["parsed"])
    who = getattr(actor, "pk", actor)
    log.info("inbound %s parsed again by %s: %s → %s", inbound.pk, who, previous, inbound.outcome)
    return inbound


def _process(inbound: InboundMessage, message) -> str:
    """Entries from a usable message; returns the outcome."""
    if inbound_mail.is_automated(message):
        return Outcome.AUTOMATED
    user = user_for_email(inbound.from_email)
    if user is None:
        return Outcome.UNKNOWN_SENDER
    inbound.user = user
    team, outcome = _team_for(user, inbound.to_email)
    if team is None:
        return outcome
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
    inbound.reply_text = inbound_mail.clean(reply_text(text=text, html=html))
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
    return Outcome.ENTRIES_CREATED if made else Outcome.EMPTY


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
