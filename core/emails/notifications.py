"""The notification email: comments on your entry, mentions and likes, several in one email."""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from core.emails.common import absolute

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
        if self.kind == "like" and self.comment_text:
            return "liked your comment"
        return VERBS.get(self.kind, self.kind)


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
