from django.conf import settings
from django.db import models

from core.hashids import new_hash


class Tag(models.Model):
    team = models.ForeignKey("core.Team", on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=60)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="tag_one_per_team_name")]

    def __str__(self) -> str:
        return f"#{self.name}"


class Entry(models.Model):
    class Kind(models.TextChoices):
        DONE = "done", "Done"
        GOAL = "goal", "Goal"
        BLOCKER = "blocker", "Blocker"

    hash_id = models.CharField(max_length=16, unique=True, default=new_hash, editable=False)
    team = models.ForeignKey("core.Team", on_delete=models.CASCADE, related_name="entries")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.DONE)
    text = models.TextField()
    # Sanitised HTML of ``text`` (tags, mentions and URLs linked), rendered once when written.
    html = models.TextField(blank=True)
    occurred_on = models.DateField(help_text="The day in the author's time zone.")
    # Goals: the day the goal was marked done. Dones: the goal this done completed.
    completed_on = models.DateField(null=True, blank=True)
    goal = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="completions")
    archived_at = models.DateTimeField(null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="entries")
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["team", "occurred_on"], name="entry_team_day"),
            models.Index(fields=["team", "author", "occurred_on"], name="entry_team_author_day"),
            models.Index(fields=["team", "kind", "completed_on"], name="entry_team_open_goals"),
            # The digest's window (entries posted since a time): read as a range, not the team's whole history.
            models.Index(fields=["team", "created_at"], name="entry_team_posted"),
        ]
        ordering = ["occurred_on", "created_at"]
        verbose_name_plural = "entries"

    def __str__(self) -> str:
        return self.text[:60]
