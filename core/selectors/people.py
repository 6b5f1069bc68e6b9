"""Reads about people."""

from core.models import User


def user_for_email(address: str) -> User | None:
    """The active user an email address belongs to.

    Only primary addresses so far: verified alternate addresses are the web app's model (issue 3);
    when it exists, match ``verified`` alternates here too (one query with ``Q(...) | Q(...)``).
    """
    if not address:
        return None
    return User.objects.filter(email__iexact=address.strip(), is_active=True).first()
