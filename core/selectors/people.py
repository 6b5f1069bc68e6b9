"""Reads about people."""

from django.db.models import Q

from core.models import User


def user_for_email(address: str) -> User | None:
    """The active user an email address belongs to: their primary address or a verified alternate.

    An unverified alternate matches nobody (anyone can type any address into their settings). Should an
    address be one person's primary and another's verified alternate, the primary wins.
    """
    address = (address or "").strip()
    if not address:
        return None
    matches = list(
        User.objects.filter(
            Q(email__iexact=address)
            | Q(alternate_emails__email__iexact=address, alternate_emails__verified_at__isnull=False),
            is_active=True,
        )
        .distinct()
        .order_by("pk")[:2]
    )
    return next((user for user in matches if user.email.lower() == address.lower()), None) or next(iter(matches), None)


def user_for_api_token_digest(*, digest: str) -> User | None:
    """The active user whose API token has this sha256 digest (the API's authentication)."""
    if not digest:
        return None
    return User.objects.filter(api_token_hash=digest, is_active=True).first()
