"""Login throttling per account name and client address, for the product's and the admin's login forms.

Behind Heroku's router every request arrives from the router; waitress (``--trusted-proxy``) puts
the client's address from ``X-Forwarded-For`` into ``REMOTE_ADDR``, so keying on account + address
never locks everyone out together, and one attacker cannot lock a victim out from everywhere.
The state is in the database (see ``core/services/logins.py`` for why not the cache).
"""

from django import forms

from core.selectors.logins import login_is_locked
from core.services.logins import login_failure_record, login_success_record

THROTTLED_MESSAGE = "Too many failed attempts. Try again in a few minutes, or reset your password."


class LoginThrottleMixin:
    """For a Django ``AuthenticationForm``: refuse a locked (account, address) before checking the password."""

    def clean(self):
        email = self.data.get("username", "")
        address = self.request.META.get("REMOTE_ADDR", "") if self.request is not None else ""
        if login_is_locked(email=email, address=address):
            raise forms.ValidationError(THROTTLED_MESSAGE, code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failure_record(email=email, address=address)
            raise
        if self.get_user() is not None:
            login_success_record(email=email, address=address)
        return cleaned
