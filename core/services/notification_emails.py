"""Emailing in-app notifications (comment on your entry, mention, like), batched per recipient.

A busy thread must not send twenty emails: a recipient's pending notifications wait until the burst
settles (nothing new for ``QUIET``) or the oldest has waited ``MAX_WAIT``, then go out as one email.

The in-app ``Notification`` model (recipient, kind, actor, entry, comment, created_at, emailed_at) and
the ``User.email_on_<kind>`` preferences belong to the web app (issue 3). Until they are merged,
``notifications_email_due`` finds no model and sends nothing; the batching rule and the email itself
are plain functions over :class:`NotificationItem`, tested here.
"""

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.emails.common import absolute

QUIET = dt.timedelta(minutes=5)
MAX_WAIT = dt.timedelta(minutes=30)
VERBS = {"comment": "commented on your entry", "mention": "mentioned you", "like": "liked your entry"}


@dataclass(frozen=True)
class NotificationItem:
    """What one line of a notification email needs; built from a Notification row."""

    kind: str
    actor_name: str
    entry_text: str
    entry_url: str
    comment_text: str = ""

    @property
    def verb(self) -> str:
        return VERBS.get(self.kind, self.kind)


def notification_batch_is_due(*, oldest: dt.datetime, newest: dt.datetime, now: dt.datetime) -> bool:
    """Send once the burst has settled, or when the first one has waited long enough."""
    return now - newest >= QUIET or now - oldest >= MAX_WAIT


def notification_batch_message(*, recipient, items: list[NotificationItem]) -> EmailMultiAlternatives | None:
    if not items:
        return None
    if len(items) == 1:
        subject = f"{items[0].actor_name} {items[0].verb}"
    else:
        actors = sorted({item.actor_name for item in items})
        who = ", ".join(actors[:2]) + (f" and {len(actors) - 2} more" if len(actors) > 2 else "")
        subject = f"{len(items)} new notifications from {who}"
    context = {"recipient": recipient, "items": items, "settings_url": absolute("/u/settings/")}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("email/notifications.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"X-Auto-Response-Suppress": "OOF, AutoReply"},
    )
    message.attach_alternative(render_to_string("email/notifications.html", context), "text/html")
    return message


def notifications_email_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Claim each due recipient's pending notifications (compare-and-set on ``emailed_at``), email them."""
    try:
        notification_model = apps.get_model("core", "Notification")
    except LookupError:
        return 0  # the web app's model is not in this build yet
    now = now or timezone.now()
    sent = 0
    for recipient_id in _recipients_with_pending(notification_model, now=now, limit=limit):
        with transaction.atomic():
            pending = notification_model.objects.filter(recipient_id=recipient_id, emailed_at__isnull=True)
            if connection.vendor == "postgresql":
                pending = pending.select_for_update(skip_locked=True, of=("self",))
            rows = list(pending.select_related("recipient", "actor", "entry", "comment").order_by("created_at"))
            if not rows or not notification_batch_is_due(
                oldest=rows[0].created_at, newest=rows[-1].created_at, now=now
            ):
                continue
            claimed = notification_model.objects.filter(pk__in=[n.pk for n in rows], emailed_at__isnull=True)
            if not claimed.update(emailed_at=now):
                continue
            recipient = rows[0].recipient
            wanted = [n for n in rows if getattr(recipient, f"email_on_{n.kind}", False)]
            message = notification_batch_message(recipient=recipient, items=[_item(n) for n in wanted])
        if message is not None:
            message.send()  # after commit: a crash here loses one batch rather than sending it twice
            sent += 1
    return sent


def _recipients_with_pending(notification_model, *, now: dt.datetime, limit: int) -> list[int]:
    recent = notification_model.objects.filter(emailed_at__isnull=True, created_at__gte=now - dt.timedelta(days=2))
    return list(recent.values_list("recipient_id", flat=True).distinct()[:limit])


def _item(notification) -> NotificationItem:
    return NotificationItem(
        kind=notification.kind,
        actor_name=notification.actor.display_name,
        entry_text=notification.entry.text,
        entry_url=absolute(f"/e/{notification.entry.hash_id}/"),
        comment_text=notification.comment.text if notification.comment_id else "",
    )
