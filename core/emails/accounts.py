"""The account emails: an invitation to join, and confirming an email address."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from core.emails.common import absolute
from core.models import Invitation, User


def _plain_message(*, to: str, subject: str, template: str, context: dict) -> EmailMessage:
    body = render_to_string(template, {**context, "site_url": settings.SITE_URL})
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def invitation_message(*, invitation: Invitation) -> EmailMessage:
    return _plain_message(
        to=invitation.email,
        subject=f"{invitation.invited_by or 'Someone'} invited you to {invitation.organization} on iDoneThis",
        template="core/email/invitation.txt",
        context={"invitation": invitation, "url": absolute(reverse("invitation", args=[invitation.code]))},
    )


def verification_message(*, user: User, email: str, token: str) -> EmailMessage:
    return _plain_message(
        to=email,
        subject="Confirm your email address on iDoneThis",
        template="core/email/verify.txt",
        context={"user": user, "email": email, "url": absolute(reverse("email_verify", args=[token]))},
    )
