"""Writes about in-app notifications. Emailing them (by the member's preferences) is the daily loop's job."""

from django.utils import timezone

from core.models import Notification


def notification_create(*, recipient, kind: str, actor, entry, comment=None) -> Notification | None:
    """Record that ``actor`` did something that concerns ``recipient``; nobody is notified of their own acts."""
    if recipient is None or recipient.pk == actor.pk:
        return None
    return Notification.objects.create(recipient=recipient, kind=kind, actor=actor, entry=entry, comment=comment)


def notifications_mark_read(*, user, entry=None) -> int:
    """Mark ``user``'s unread notifications read: all of them, or those about one entry (once they have seen it)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if entry is not None:
        unread = unread.filter(entry=entry)
    return unread.update(read_at=timezone.now())
