"""Every channel message (a new entry, the daily digest) exactly as core sends email: owed in the
database first, dispatched as a nudge, claimed (``pending`` → ``sending``) right before the call to
Slack. A lost dispatch is swept; a sender killed between its claim and Slack's answer leaves
``sending``, closed as ``interrupted`` and never re-posted. Slack's refusals that mean the link is
broken disable the link; rate limits and other errors leave the message owed, a bounded number of times.
"""

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from slack_sdk.errors import SlackApiError

from core.localtime import zone_for
from core.models import Entry
from core.services.dispatch import hand_out
from idt_slack.client import DISABLING_ERRORS, error_code, retry_after, web_client
from idt_slack.compose import digest_days, digest_message, entry_message
from idt_slack.crypto import token_decrypt
from idt_slack.models import SlackInstallation, SlackMessage
from idt_slack.services.installations import digest_next_at, installation_disable, installation_error_record

log = logging.getLogger(__name__)
Enqueue = Callable[[int], object]
Status = SlackMessage.Status
Kind = SlackMessage.Kind


def dispatch(*, ids: list[int], enqueue: Enqueue) -> int:
    """Hand owed messages to workers; the first failure (broker down) leaves the rest to the sweeper."""
    return hand_out(ids, enqueue=enqueue, what="Slack messages")


def message_owe_for_entry(*, entry_id: int, enqueue: Enqueue) -> int | None:
    """A new entry: owe its post to the team's channel (once per entry) and dispatch it."""
    entry = Entry.objects.filter(pk=entry_id).select_related("team__slack_installation").first()
    installation = getattr(entry.team, "slack_installation", None) if entry else None
    if installation is None or not installation.posts:
        return None
    now = timezone.now()
    SlackMessage.objects.bulk_create(
        [SlackMessage(installation=installation, kind=Kind.ENTRY, entry=entry, created_at=now, dispatched_at=now)],
        ignore_conflicts=True,
    )
    owed = SlackMessage.objects.filter(installation=installation, kind=Kind.ENTRY, entry=entry, status=Status.PENDING)
    pk = owed.values_list("pk", flat=True).first()
    if pk:
        dispatch(ids=[pk], enqueue=enqueue)
    return pk


def digests_claim_due(*, enqueue: Enqueue, now: dt.datetime | None = None, batch_size: int = 200) -> int:
    """One beat tick: for each link whose digest is due, advance its next time (compare-and-set) and owe
    that local day's digest in the same transaction; dispatch after commit. Returns how many were owed."""
    now = now or timezone.now()
    with transaction.atomic():
        due = SlackInstallation.objects.filter(next_digest_at__lte=now, state=SlackInstallation.State.ACTIVE)
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True)  # two beats at once split the rows
        owed = []
        for installation in due.order_by("next_digest_at")[:batch_size]:
            was_due = installation.next_digest_at
            next_at = digest_next_at(installation, after=max(now, was_due))
            won = SlackInstallation.objects.filter(pk=installation.pk, next_digest_at=was_due).update(
                next_digest_at=next_at
            )
            if won:
                owed.append(_owed_digest(installation, was_due=was_due, now=now))
        SlackMessage.objects.bulk_create(owed, ignore_conflicts=True)  # one per link and local day, never two
        ids = list(
            SlackMessage.objects.filter(
                kind=Kind.DIGEST,
                created_at=now,
                status=Status.PENDING,
                installation_id__in=[m.installation_id for m in owed],
            ).values_list("pk", flat=True)
        )
        if ids:
            transaction.on_commit(lambda: dispatch(ids=ids, enqueue=enqueue))
    return len(ids)


def _owed_digest(installation: SlackInstallation, *, was_due: dt.datetime, now: dt.datetime) -> SlackMessage:
    message = SlackMessage(
        installation=installation,
        kind=Kind.DIGEST,
        local_date=was_due.astimezone(zone_for(installation.time_zone)).date(),
        created_at=now,
        dispatched_at=now,
    )
    if now - was_due > dt.timedelta(hours=settings.SLACK_DIGEST_MAX_LATENESS_HOURS):
        message.status, message.error = Status.SKIPPED, f"late: due at {was_due:%Y-%m-%d %H:%M} UTC"
    return message


def messages_sweep(*, enqueue: Enqueue, now: dt.datetime | None = None, limit: int = 500) -> dict:
    """Dispatch again what was owed and lost; owe posts whose entry signal was lost; close dead claims."""
    now = now or timezone.now()
    claim_timeout = dt.timedelta(seconds=settings.SLACK_CLAIM_TIMEOUT_SECONDS)
    interrupted = SlackMessage.objects.filter(status=Status.SENDING, claimed_at__lt=now - claim_timeout).update(
        status=Status.INTERRUPTED,
        error="interrupted: the sender stopped between its claim and Slack's answer; not posted again",
    )
    missed = _owe_missed_entries(now=now)
    lost = Q(dispatched_at__lt=now - dt.timedelta(seconds=settings.SLACK_REDISPATCH_AFTER_SECONDS))
    with transaction.atomic():
        owed = SlackMessage.objects.filter(lost | Q(dispatched_at__isnull=True), status=Status.PENDING).filter(
            Q(not_before__isnull=True) | Q(not_before__lte=now)
        )
        if connection.vendor == "postgresql":
            owed = owed.select_for_update(skip_locked=True)
        ids = list(owed.order_by("dispatched_at").values_list("pk", flat=True)[:limit])
        SlackMessage.objects.filter(pk__in=ids).update(dispatched_at=now)
    return {"redispatched": dispatch(ids=ids, enqueue=enqueue), "interrupted": interrupted, "missed": missed}


def _owe_missed_entries(*, now: dt.datetime) -> int:
    """Entries of posting teams from the last SLACK_POST_LOOKBACK_MINUTES that have no message: their
    after-commit signal never ran (the process died right after the commit)."""
    since = now - dt.timedelta(minutes=settings.SLACK_POST_LOOKBACK_MINUTES)
    # Entries are picked only after a grace, so this never races the signal of an entry just written.
    until = now - dt.timedelta(seconds=settings.SLACK_REDISPATCH_AFTER_SECONDS)
    installations = {
        i.team_id: i
        for i in SlackInstallation.objects.filter(state=SlackInstallation.State.ACTIVE).exclude(channel_id="")
    }
    if not installations:
        return 0
    has_message = SlackMessage.objects.filter(entry=OuterRef("pk"), kind=Kind.ENTRY)
    entries = Entry.objects.filter(
        team_id__in=installations,
        occurred_on__gte=(since - dt.timedelta(days=2)).date(),  # the (team, occurred_on) index narrows it
        created_at__gte=since,
        created_at__lt=until,
    ).filter(~Exists(has_message))
    owed = [
        SlackMessage(installation=installations[e.team_id], kind=Kind.ENTRY, entry_id=e.pk, created_at=now)
        for e in entries[:500]
        if installations[e.team_id].channel_set_at and e.created_at >= installations[e.team_id].channel_set_at
    ]
    SlackMessage.objects.bulk_create(owed, ignore_conflicts=True)  # dispatched_at empty: swept just below
    return len(owed)


def message_send(*, message_id: int, now: dt.datetime | None = None) -> SlackMessage | None:
    """Compose, claim and post one owed message. None if it is not owed (any more) or must wait."""
    now = now or timezone.now()
    message = (
        SlackMessage.objects.select_related(
            "installation__team", "installation__installed_by", "entry__author", "entry__team"
        )
        .filter(pk=message_id, status=Status.PENDING)
        .first()
    )
    if message is None or (message.not_before and message.not_before > now):
        return None
    installation = message.installation
    if not installation.posts:
        return _close(message, status=Status.SKIPPED, error=f"the Slack link is {installation.state}")
    body = _compose(message)
    if body is None:
        return _close(message, status=Status.SKIPPED, error="nothing to send: nobody posted that day")
    if not _claim(message, channel_id=installation.channel_id, now=now):
        return None
    try:
        response = web_client(token_decrypt(installation.bot_token_encrypted)).chat_postMessage(
            channel=installation.channel_id, **body
        )
    except SlackApiError as error:
        return _refused(message, code=error_code(error), headers=error.response.headers, now=now)
    except OSError as error:  # Slack unreachable: owed again, bounded
        return _again(message, error=f"{type(error).__name__}: {error}", now=now)
    SlackMessage.objects.filter(pk=message.pk).update(
        status=Status.SENT, sent_at=timezone.now(), slack_ts=str(response.get("ts") or "")[:32], error=""
    )
    return _refreshed(message)


def _compose(message: SlackMessage) -> dict | None:
    if message.kind == Kind.ENTRY:
        return entry_message(message.entry)
    installation = message.installation
    days = digest_days(digest_days=installation.digest_days, local_date=message.local_date)
    return digest_message(team=installation.team, days=days, viewer=installation.installed_by)


def _claim(message: SlackMessage, *, channel_id: str, now: dt.datetime) -> bool:
    return bool(
        SlackMessage.objects.filter(pk=message.pk, status=Status.PENDING).update(
            status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1, channel_id=channel_id
        )
    )


def _refused(message: SlackMessage, *, code: str, headers, now: dt.datetime) -> SlackMessage:
    if code in DISABLING_ERRORS:
        SlackMessage.objects.filter(pk=message.pk).update(status=Status.FAILED, error=code)
        installation_disable(installation_id=message.installation_id, code=code)
        return _refreshed(message)
    wait = retry_after(headers) if code == "ratelimited" else 0
    return _again(message, error=code, now=now, wait=wait)


def _again(message: SlackMessage, *, error: str, now: dt.datetime, wait: int = 0) -> SlackMessage:
    """Owed again for the sweeper (after Slack's Retry-After, if it gave one) until the last attempt."""
    attempts = SlackMessage.objects.values_list("attempts", flat=True).get(pk=message.pk)
    final = attempts >= settings.SLACK_MAX_ATTEMPTS
    SlackMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=Status.FAILED if final else Status.PENDING,
        error=error[:500],
        dispatched_at=now,
        not_before=now + dt.timedelta(seconds=wait) if wait else None,
    )
    installation_error_record(installation_id=message.installation_id, error=f"{error} ({now:%Y-%m-%d %H:%M} UTC)")
    return _refreshed(message)


def _close(message: SlackMessage, *, status: str, error: str) -> SlackMessage | None:
    if not SlackMessage.objects.filter(pk=message.pk, status=Status.PENDING).update(status=status, error=error):
        return None
    return _refreshed(message)


def _refreshed(message: SlackMessage) -> SlackMessage:
    message.refresh_from_db()
    return message
