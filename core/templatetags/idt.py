"""Template helpers of the web app: the header's unread count and small display helpers."""

from django import template

from core.selectors.entries import unread_notification_count

register = template.Library()


@register.simple_tag
def unread_count(user) -> int:
    return unread_notification_count(user=user) if user.is_authenticated else 0


@register.filter
def count_of(counts: dict, kind: str) -> int:
    return counts.get(kind, 0)
