"""Comments, likes and in-app notifications around entries."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.hashids import new_hash


class Comment(models.Model):
    hash_id = models.CharField(max_length=16, unique=True, default=new_hash, editable=False)
    entry = models.ForeignKey("core.Entry", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField()
    html = models.TextField(blank=True)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in_comments")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class Like(models.Model):
    """One person's like of one entry or one comment (exactly one of the two)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes")
    entry = models.ForeignKey("core.Entry", on_delete=models.CASCADE, null=True, blank=True, related_name="likes")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(entry__isnull=False, comment__isnull=True) | Q(entry__isnull=True, comment__isnull=False),
                name="like_entry_xor_comment",
            ),
            models.UniqueConstraint(fields=["user", "entry"], condition=Q(entry__isnull=False), name="like_once_entry"),
            models.UniqueConstraint(
                fields=["user", "comment"], condition=Q(comment__isnull=False), name="like_once_comment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} likes {self.entry or self.comment}"


class Notification(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment", "commented on your entry"
        MENTION = "mention", "mentioned you"
        LIKE = "like", "liked your post"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey("core.Entry", on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set by whoever emails it (the daily-loop's sender), so each is emailed at most once.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["emailed_at", "created_at"], name="notification_to_email"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.get_kind_display()}"
