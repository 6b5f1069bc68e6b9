from django.conf import settings
from django.db import models

from core.hashids import new_hash


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
    occurred_on = models.DateField(help_text="The day in the author's time zone.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["team", "occurred_on"], name="entry_team_day")]
        ordering = ["occurred_on", "created_at"]

    def __str__(self) -> str:
        return self.text[:60]
