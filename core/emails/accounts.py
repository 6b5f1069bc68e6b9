"""Account emails: invitations, address verification and password reset, composed when they are sent.

Composed at send time from ids, so a retried or swept send carries a fresh link and the stored row
holds no secret (the reset token is made here, never written down).
"""

from email.utils import make_msgid

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.emails.common import absolute
from core.models import Delivery, Invitation

VERIFY_SALT = "core.email-verify"


def _message(*, to: str, subject: str, body: str) -> EmailMessage:
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": make_msgid(domain=settings.INBOUND_DOMAIN)},
    )


def invitation_place(invitation: Invitation) -> str:
    """Where someone is invited: "Acme (Rocket, Ops)", or just "Rocket Crew" when the team is named as its
    organization (a new team's organization takes its name), never "Rocket Crew (Rocket Crew)"."""
    organization = invitation.organization.name
    teams = [t.name for t in invitation.teams.order_by("name") if t.name.casefold() != organization.casefold()]
    return f"{organization} ({', '.join(teams)})" if teams else organization


def invitation_message(*, delivery: Delivery) -> EmailMessage | None:
    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(pk=delivery.payload.get("invitation"))
        .first()
    )
    if invitation is None or invitation.accepted_at or invitation.declined_at:
        return None  # deleted or answered before it went out
    place = invitation_place(invitation)
    context = {
        "invitation": invitation,
        "place": place,
        "url": absolute(reverse("invitation", args=[invitation.code])),
        "site_url": settings.SITE_URL,
    }
    return _message(
        to=invitation.email,
        subject=f"{invitation.invited_by or 'Someone'} invited you to {place} on iDoneThis",
        body=render_to_string("core/email/invitation.txt", context),
    )


def verification_token(*, user_id: int, email: str) -> str:
    return signing.dumps({"u": user_id, "e": email}, salt=VERIFY_SALT)


def verification_message(*, delivery: Delivery) -> EmailMessage | None:
    user, email = delivery.user, delivery.payload.get("email") or delivery.to_email
    if user is None:
        return None
    token = verification_token(user_id=user.pk, email=email)
    context = {"user": user, "email": email, "url": absolute(reverse("email_verify", args=[token]))}
    return _message(
        to=email,
        subject="Confirm your email address on iDoneThis",
        body=render_to_string("core/email/verify.txt", context),
    )


def password_reset_message(*, delivery: Delivery) -> EmailMessage | None:
    user = delivery.user
    if user is None or not user.is_active or not user.has_usable_password():
        return None
    protocol, _, domain = settings.SITE_URL.rstrip("/").partition("://")
    context = {
        "email": user.email,
        "user": user,
        "domain": domain,
        "site_name": "iDoneThis",
        "protocol": protocol,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    subject = "".join(render_to_string("registration/password_reset_subject.txt", context).splitlines())
    body = render_to_string("registration/password_reset_email.html", context)
    return _message(to=user.email, subject=subject, body=body)
