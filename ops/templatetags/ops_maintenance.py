"""``{% maintenance_banner %}``: on every portal page while the app's maintenance mode is on."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html

from ops.selectors.maintenance import maintenance_state

register = template.Library()


@register.simple_tag(takes_context=True)
def maintenance_banner(context) -> str:
    state = maintenance_state()  # remembered per process for a moment: no query on most pages
    if not state.get("enabled"):
        return ""
    user = getattr(context.get("request"), "user", None)
    try:
        url = reverse("admin:ops_maintenance") if getattr(user, "is_superuser", False) else ""
    except NoReverseMatch:
        url = ""
    started = parse_datetime(state.get("since") or "")
    since = f" since {started:%Y-%m-%d %H:%M} UTC" if started else ""
    by = f" by {state['by']}" if state.get("by") else ""
    message = f" Visitors see: “{state['message']}”" if state.get("message") else ""
    link = format_html(' <a href="{}">Turn it off…</a>', url) if url else ""
    return format_html(
        '<div class="ops-maintenance-banner" id="maintenance-banner" role="alert">Maintenance mode is ON{}{}: '
        "the app answers 503 to everyone outside the portal.{}{}</div>",
        since,
        by,
        message,
        link,
    )
