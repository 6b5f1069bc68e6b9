import datetime as dt

from django.conf import settings
from django.db import models

from core.hashids import new_hash


class Organization(models.Model):
    hash_id = models.CharField(max_length=16, unique=True, default=new_hash, editable=False)
    name = models.CharField(max_length=120)
    # People who verify an address at this domain join the organization (and its visible teams).
    auto_join_domain = models.CharField(max_length=120, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class OrganizationMembership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="org_memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="org_membership_one_per_user")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization}"

    @property
    def is_admin(self) -> bool:
        return self.role in (self.Role.OWNER, self.Role.ADMIN)


class Team(models.Model):
    class Visibility(models.TextChoices):
        VISIBLE = "visible", "Visible: anyone in the organization may join"
        HIDDEN = "hidden", "Hidden: by invitation only"

    hash_id = models.CharField(max_length=16, unique=True, default=new_hash, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    is_personal = models.BooleanField(default=False)
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.HIDDEN)
    carry_over_goals = models.BooleanField(default=True, help_text="Open goals show on later days until done.")
    reminder_prompt = models.CharField(
        max_length=120, blank=True, help_text='The evening question; empty means "What did you get done?".'
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


def _invitation_code() -> str:
    import secrets

    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """An emailed invitation to an organization and some of its teams; the code in the link is the secret."""

    code = models.CharField(max_length=64, unique=True, default=_invitation_code, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    teams = models.ManyToManyField(Team, related_name="invitations")
    email = models.EmailField()
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    declined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "email"], name="invitation_org_email")]

    def __str__(self) -> str:
        return f"{self.email} to {self.organization}"

    def state(self, now) -> str:
        if self.accepted_at:
            return "accepted"
        if self.declined_at:
            return "declined"
        if self.expires_at <= now:
            return "expired"
        return "pending"
