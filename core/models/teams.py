import datetime as dt

from django.conf import settings
from django.db import models

from core.hashids import new_hash


class Organization(models.Model):
    hash_id = models.CharField(max_length=16, unique=True, default=new_hash, editable=False)
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    hash_id = models.CharField(max_length=16, unique=True, default=new_hash, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    is_personal = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Team admin"
        MEMBER = "member", "Member"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    # The member's email schedule, in their own time zone. Days are weekday digits, Monday = 0.
    reminder_days = models.CharField(max_length=7, default="01234")
    reminder_time = models.TimeField(default=dt.time(17, 0))
    digest_days = models.CharField(max_length=7, default="01234")
    digest_time = models.TimeField(default=dt.time(8, 30))
    emails_paused = models.BooleanField(default=False)
    # Inactivity throttle: after 7 days without entries the member gets one reminder and one digest
    # a week (their first chosen day) until they post again or ask for daily emails again.
    emails_throttled = models.BooleanField(default=False)
    emails_restored_at = models.DateTimeField(null=True, blank=True)
    # When the next ones are due (UTC); null when nothing is scheduled. The beat tick reads these.
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    next_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="membership_one_per_user_team")]
        indexes = [
            models.Index(fields=["next_reminder_at"], name="membership_next_reminder"),
            models.Index(fields=["next_digest_at"], name="membership_next_digest"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"
