"""Like and comment counts per entry, for the digest: one aggregate query per call."""

from django.db.models import Count

from core.models import Entry


def entry_reaction_counts(*, entry_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{entry id: (likes, comments)} for the given entries (zero counts included)."""
    if not entry_ids:
        return {}
    rows = (
        Entry.objects.filter(pk__in=entry_ids)
        .annotate(like_count=Count("likes", distinct=True), comment_count=Count("comments", distinct=True))
        .values_list("pk", "like_count", "comment_count")
    )
    return {pk: (likes, comments) for pk, likes, comments in rows}
