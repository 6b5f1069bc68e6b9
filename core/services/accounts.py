"""Writes about people: sign-up, profile and preferences, API token, verified email addresses."""

import datetime as dt
import hashlib
import re
import secrets

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.emails.accounts import VERIFY_SALT
from core.models import AlternateEmail, Delivery, Membership, User
from core.permissions import ADD_ADDRESS, CHANGE_EMAILS, CHANGE_PROFILE, REMOVE_ADDRESS, require_self_or_staff
from core.services.deliveries import delivery_owe
from core.services.schedules import (
    membership_emails_pause,
    membership_emails_resume,
    membership_schedule_next,
    user_schedules_refresh,
)
from core.services.teams import domain_auto_join, personal_log_create

NICKNAME_RE = re.compile(r"^[A-Za-z0-9][\w.-]{0,29}(?<!\.)$")
VERIFY_MAX_AGE = dt.timedelta(days=7)


def _free_nickname(base: str) -> str:
    base = re.sub(r"[^\w.-]", "", base)[:24].strip(".-_") or "member"
    nickname, n = base, 1
    while User.objects.filter(nickname__iexact=nickname).exists():
        n += 1
        nickname = f"{base}{n}"
    return nickname


@transaction.atomic
def user_signup(*, email: str, password: str, full_name: str = "", time_zone: str = "UTC") -> User:
    user = User.objects.create_user(
        email=email,
        password=password,
        full_name=full_name,
        time_zone=time_zone,
        nickname=_free_nickname(email.split("@", 1)[0]),
    )
    personal_log_create(user=user)
    email_verification_send(user=user, email=user.email)
    return user


def nickname_validate(*, user: User, nickname: str) -> None:
    """Raise ``ValueError`` for a nickname this person may not take (forms call it to show a field error)."""
    if nickname and not NICKNAME_RE.match(nickname):
        raise ValueError("A nickname is letters, digits, '.', '-' or '_' (up to 30).")
    if nickname and User.objects.filter(nickname__iexact=nickname).exclude(pk=user.pk).exists():
        raise ValueError("That nickname is taken.")


@transaction.atomic
def user_profile_update(*, user: User, actor, full_name: str, nickname: str, time_zone: str) -> User:
    """Changing time zone moves every schedule of this person to their new local times."""
    require_self_or_staff(actor=actor, user_id=user.pk, permission=CHANGE_PROFILE)
    nickname_validate(user=user, nickname=nickname)
    zone_changed = time_zone != user.time_zone
    user.full_name, user.nickname, user.time_zone = full_name, nickname, time_zone
    user.save(update_fields=["full_name", "nickname", "time_zone"])
    if zone_changed:
        user_schedules_refresh(user=user)
    return user


def user_notifications_update(*, user: User, actor, on_comment: bool, on_mention: bool, on_like: bool) -> User:
    require_self_or_staff(actor=actor, user_id=user.pk, permission=CHANGE_PROFILE)
    user.email_on_comment, user.email_on_mention, user.email_on_like = on_comment, on_mention, on_like
    user.save(update_fields=["email_on_comment", "email_on_mention", "email_on_like"])
    return user


@transaction.atomic
def membership_schedule_update(
    *,
    membership: Membership,
    actor,
    reminder_days: str,
    reminder_time: dt.time,
    digest_days: str,
    digest_time: dt.time,
    emails_paused: bool,
) -> Membership:
    require_self_or_staff(actor=actor, user_id=membership.user_id, permission=CHANGE_EMAILS)
    for value in (reminder_time, digest_time):
        if value.minute % 15 or value.second:
            raise ValueError("Times are in 15-minute steps.")
    membership.reminder_days, membership.reminder_time = reminder_days, reminder_time
    membership.digest_days, membership.digest_time = digest_days, digest_time
    membership.save(update_fields=["reminder_days", "reminder_time", "digest_days", "digest_time"])
    # Each of these recomputes next_reminder_at / next_digest_at from the new settings.
    if emails_paused and not membership.emails_paused:
        return membership_emails_pause(membership=membership, actor=actor)
    if membership.emails_paused and not emails_paused:
        return membership_emails_resume(membership=membership, actor=actor)
    return membership_schedule_next(membership=membership)


def api_token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_api_token_reset(*, user: User, actor) -> str:
    """A new API token, returned once; only its digest is stored, so the old one stops working.

    Staff reset a leaked token without seeing the new one: the person resets again to get one.
    """
    require_self_or_staff(actor=actor, user_id=user.pk, permission=CHANGE_PROFILE)
    token = secrets.token_hex(20)
    user.api_token_hash = api_token_digest(token)
    user.save(update_fields=["api_token_hash"])
    return token


def email_verification_send(*, user: User, email: str) -> Delivery:
    """Owe the email with the signed link that proves ``email`` is theirs (sent after commit)."""
    return delivery_owe(kind=Delivery.Kind.VERIFICATION, user=user, to_email=email, payload={"email": email})


def alternate_email_add(*, user: User, actor, email: str) -> AlternateEmail:
    require_self_or_staff(actor=actor, user_id=user.pk, permission=ADD_ADDRESS)
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValueError("That address already belongs to an account.")
    try:
        with transaction.atomic():
            alternate = AlternateEmail.objects.create(user=user, email=email)
    except IntegrityError:
        raise ValueError("That address is already in use.") from None
    email_verification_send(user=user, email=email)
    return alternate


def alternate_email_remove(*, user: User, actor, email: str) -> int:
    require_self_or_staff(actor=actor, user_id=user.pk, permission=REMOVE_ADDRESS)
    deleted, _ = AlternateEmail.objects.filter(user=user, email=email).delete()
    return deleted


@transaction.atomic
def email_verify(*, token: str) -> tuple[User, str]:
    """Mark the address in a signed link verified; then the domain auto-join of organizations applies."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.BadSignature:
        raise ValueError("That link is invalid or has expired.") from None
    user = User.objects.filter(pk=data["u"]).first()
    if user is None:
        raise ValueError("That link is invalid or has expired.")
    now = timezone.now()
    if user.email == data["e"]:
        if not user.email_verified_at:
            user.email_verified_at = now
            user.save(update_fields=["email_verified_at"])
    elif not AlternateEmail.objects.filter(user=user, email=data["e"]).update(verified_at=now):
        raise ValueError("That address is no longer on your account.")
    domain_auto_join(user=user, email=data["e"])
    return user, data["e"]


def password_reset_send(*, user: User, actor) -> Delivery:
    """Owe ``user`` the email with the link to choose a new password: the same email as "Forgotten your
    password?" (its link and token are made when it is sent; sent after commit, swept if lost).

    For support ("I can't log in"): staff never see or set a password; the person sets their own.
    ``actor`` is who asked (the portal audits it)."""
    if not user.is_active or not user.has_usable_password():
        raise ValueError("This account is deactivated or has no password to reset.")
    return delivery_owe(kind=Delivery.Kind.PASSWORD_RESET, user=user, to_email=user.email)
