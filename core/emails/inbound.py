"""The answer to an email from an unknown sender."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from core.emails.common import absolute
from core.models import InboundMessage


def unknown_sender_reply(inbound: InboundMessage) -> EmailMessage:
    """A polite answer to someone who emailed a team address from an address we do not know."""
    context = {
        "inbound": inbound,
        "signup_url": absolute("/accounts/signup/"),
        "settings_url": absolute("/u/settings/"),
    }
    return EmailMessage(
        subject=f"Re: {inbound.subject}"[:200],
        body=render_to_string("email/unknown_sender.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[inbound.from_email],
        headers={"Auto-Submitted": "auto-replied", "In-Reply-To": inbound.message_id, "References": inbound.message_id},
    )
