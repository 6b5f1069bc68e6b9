"""Failed logins per account name and client address: the login throttle's state, kept where support sees it."""

from django.conf import settings
from django.db import models


class LoginFailure(models.Model):
    """One row per (email as typed, address). Lives in the database, not the cache, so that the throttle
    holds while the cache is down and support can see and lift a lockout."""

    email = models.CharField(max_length=254, help_text="As typed at login, lower-cased (may be no one's account).")
    address = models.CharField(max_length=45, blank=True, help_text="The client's address (from the router).")
    failures = models.PositiveIntegerField(default=0, help_text="Failed tries in the current window.")
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    unlocked_at = models.DateTimeField(null=True, blank=True)
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["email", "address"], name="login_failure_per_email_address")]
        indexes = [models.Index(fields=["last_failed_at"], name="login_failure_last_failed")]

    def __str__(self) -> str:
        return f"{self.email} from {self.address or '?'}: {self.failures}"
