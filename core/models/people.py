from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

from core.hashids import new_hash


class EmailUserManager(UserManager):
    """People log in with their email address; there is no separate username."""

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField("email address", unique=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    hash_id = models.CharField(max_length=16, unique=True, default=new_hash, editable=False)
    full_name = models.CharField(max_length=150, blank=True)
    # The @handle teammates use to mention this person; unique case-insensitively when set.
    nickname = models.CharField(max_length=30, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    # Which in-app notifications are also emailed (the daily-loop engineer sends them).
    email_on_comment = models.BooleanField(default=True)
    email_on_mention = models.BooleanField(default=True)
    email_on_like = models.BooleanField(default=False)
    # sha256 of the API token: the token itself is shown once, when it is reset.
    api_token_hash = models.CharField(max_length=64, blank=True, db_index=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = EmailUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("nickname"), name="user_nickname_unique_ci", condition=~models.Q(nickname="")
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.email.split("@", 1)[0]


class AlternateEmail(models.Model):
    """Another address of the same person (entries by email from it count as theirs once verified)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="alternate_emails")
    email = models.EmailField(unique=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.email
