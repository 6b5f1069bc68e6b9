"""Email content, composed as ready-to-send Django messages: the reminder and the digest (``compose``),
notification batches, invitations and address verification, and the answer to unknown senders.
Services decide when to send and record it; what an email says is decided here."""

import datetime as dt

from core.models import Delivery, Membership


def compose(*, membership: Membership, kind: str, local_date: dt.date):
    """The message for this delivery, or None when there is nothing worth sending."""
    from core.emails.digests import digest_message
    from core.emails.reminders import reminder_message

    if kind == Delivery.Kind.REMINDER:
        return reminder_message(membership=membership, local_date=local_date)
    return digest_message(membership=membership, local_date=local_date)
