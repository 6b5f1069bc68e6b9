"""What every email we send shares: the team's reply address, signed links and list headers."""

import datetime as dt
from email.utils import make_msgid

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from core.models import Entry, Membership, Team

UNSUBSCRIBE_SALT = "core.emails.unsubscribe"
DAILY_AGAIN_SALT = "core.emails.daily-again"


def entry_icon(entry: Entry) -> str:
    """The entry's marker in an email, in characters every mail client's fonts have (no emoji)."""
    if entry.kind == Entry.Kind.GOAL:
        return "☑" if entry.completed_on else "☐"
    return "⚠" if entry.kind == Entry.Kind.BLOCKER else "✓"


def team_address(team: Team) -> str:
    local = "personal" if team.is_personal else team.slug
    return f"{local}@{settings.INBOUND_DOMAIN}"


def from_header(team: Team) -> str:
    name = team.name.replace('"', "'")
    return f'"{name} (iDoneThis)" <{team_address(team)}>'


def month_day(day: dt.date) -> str:
    return f"{day:%B} {day.day}"


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def signed_link(name: str, *, membership: Membership, salt: str) -> str:
    return absolute(reverse(name, args=[signing.dumps(membership.pk, salt=salt)]))


def links_for(membership: Membership) -> dict:
    """The recipient's own links. Signed, so they work from the inbox without logging in."""
    return {
        "unsubscribe_url": signed_link("email_unsubscribe", membership=membership, salt=UNSUBSCRIBE_SALT),
        "daily_again_url": signed_link("email_daily_again", membership=membership, salt=DAILY_AGAIN_SALT),
        "settings_url": absolute("/u/settings/"),
        "team_url": absolute(f"/t/{membership.team.hash_id}/"),
    }


def build_message(*, membership: Membership, subject: str, text: str, html: str, links: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=from_header(membership.team),
        to=[membership.user.email],
        headers={
            "Message-ID": make_msgid(domain=settings.INBOUND_DOMAIN),
            # RFC 8058 one-click unsubscribe: mailbox providers POST to the link.
            "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Auto-Response-Suppress": "OOF, AutoReply",
        },
    )
    message.attach_alternative(html, "text/html")
    return message
