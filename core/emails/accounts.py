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


def invitation_place(invitation: Invitation) -> str:
    """Where someone is invited: "Acme (Rocket, Ops)", or just "Rocket Crew" when the team is named as its
    organization (a new team's organization takes its name), never "Rocket Crew (Rocket Crew)"."""
    organization = invitation.organization.name
    teams = [t.name for t in invitation.teams.order_by("name") if t.name.casefold() != organization.casefold()]
    return f"{organization} ({', '.join(teams)})" if teams else organization


def invitation_message(*, invitation: Invitation) -> EmailMessage:
    place = invitation_place(invitation)
    return _plain_message(
        to=invitation.email,
        subject=f"{invitation.invited_by or 'Someone'} invited you to {place} on iDoneThis",
        template="core/email/invitation.txt",
        context={
            "invitation": invitation,
            "place": place,
            "url": absolute(reverse("invitation", args=[invitation.code])),
        },
    )


def verification_message(*, user: User, email: str, token: str) -> EmailMessage:
    return _plain_message(
        to=email,
        subject="Confirm your email address on iDoneThis",
        template="core/email/verify.txt",
        context={"user": user, "email": email, "url": absolute(reverse("email_verify", args=[token]))},
    )
