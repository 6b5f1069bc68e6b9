"""Template helpers of the web app: the header's unread count, the layout's links and small display helpers."""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

from core.selectors.entries import unread_notification_count

register = template.Library()


@register.simple_tag
def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    known = getattr(user, "unread_notifications", None)  # the day page's frame counts before it renders
    return known if known is not None else unread_notification_count(user=user)


@register.filter
def count_of(counts: dict, kind: str) -> int:
    return counts.get(kind, 0)


@register.simple_tag
def path(name: str, *args) -> str:
    """``{% url %}`` for the links every page's layout carries (the header, the team's navigation): each is
    reversed once per process. A path is a function of the URL's name and arguments, the URLconf and the
    script prefix, all of which are in the key."""
    return _reversed(name, tuple(map(str, args)), get_urlconf(), get_script_prefix())


@lru_cache(maxsize=4096)
def _reversed(name: str, args: tuple[str, ...], urlconf, prefix: str) -> str:
    return reverse(name, args=args, urlconf=urlconf)
