"""Email content, composed as ready-to-send Django messages: the reminder and the digest (``compose``),
notification batches, invitations, address verification and password reset (``compose_delivery``, for
an owed delivery), and the answer to unknown senders. Services decide when to send and record it; what
an email says is decided here."""

import datetime as dt

from core.models import Delivery, Membership


def compose(*, membership: Membership, kind: str, local_date: dt.date, late_by: dt.timedelta | None = None):
    """The reminder or digest for this member and day, or None when there is nothing worth sending."""
    from core.emails.digests import digest_message
    from core.emails.reminders import reminder_message

    if kind == Delivery.Kind.REMINDER:
        return reminder_message(membership=membership, local_date=local_date)
    return digest_message(membership=membership, local_date=local_date, late_by=late_by)


def compose_delivery(*, delivery: Delivery, now: dt.datetime):
    """The message an owed delivery stands for, or None when nothing should go out (any more)."""
    from core.emails import accounts
    from core.services.notification_emails import notification_delivery_message

    kind = delivery.kind
    if kind in (Delivery.Kind.REMINDER, Delivery.Kind.DIGEST):
        membership = delivery.membership
        # Unsubscribed or deactivated after the tick owed this: nothing goes out.
        if membership.emails_paused or not membership.user.is_active:
            return None
        late_by = now - delivery.due_at if delivery.due_at else None
        return compose(membership=membership, kind=kind, local_date=delivery.local_date, late_by=late_by)
    composers = {
        Delivery.Kind.NOTIFICATIONS: notification_delivery_message,
        Delivery.Kind.INVITATION: accounts.invitation_message,
        Delivery.Kind.VERIFICATION: accounts.verification_message,
        Delivery.Kind.PASSWORD_RESET: accounts.password_reset_message,
    }
    return composers[kind](delivery=delivery)
