"""Writes about comments and likes; each notifies whom it concerns."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from core.models import Comment, Entry, Like, Notification
from core.services.entries import render_for_team, team_people, validate_entry_text
from core.services.notifications import notification_create
from core.services.teams import can_admin_team
from core.text import nicknames_in

MAX_COMMENT_LENGTH = 5000


def _comment_body(text: str) -> str:
    try:
        return validate_entry_text(text)
    except ValueError as error:
        raise ValueError(str(error).replace("An entry", "A comment")) from None


def _notify_mentions(*, comment: Comment, people, actor, before: set[int]) -> None:
    mentioned = [people[n] for n in nicknames_in(comment.text) if n in people]
    comment.mentions.set(mentioned)
    for user in mentioned:
        if user.pk not in before:
            notification_create(
                recipient=user, kind=Notification.Kind.MENTION, actor=actor, entry=comment.entry, comment=comment
            )


@transaction.atomic
def comment_create(*, entry: Entry, author, text: str) -> Comment:
    body = _comment_body(text)
    people = team_people(team=entry.team)
    comment = Comment.objects.create(
        entry=entry, author=author, text=body, html=render_for_team(team=entry.team, text=body, people=people)
    )
    notification_create(
        recipient=entry.author, kind=Notification.Kind.COMMENT, actor=author, entry=entry, comment=comment
    )
    _notify_mentions(comment=comment, people=people, actor=author, before={entry.author_id})
    return comment


@transaction.atomic
def comment_update(*, comment: Comment, actor, text: str) -> Comment:
    if comment.author_id != actor.pk:
        raise PermissionDenied("Only the author edits a comment.")
    body = _comment_body(text)
    people = team_people(team=comment.entry.team)
    before = set(comment.mentions.values_list("pk", flat=True))
    comment.text, comment.html = body, render_for_team(team=comment.entry.team, text=body, people=people)
    comment.save(update_fields=["text", "html", "updated_at"])
    _notify_mentions(comment=comment, people=people, actor=actor, before=before)
    return comment


def comment_delete(*, comment: Comment, actor) -> None:
    if comment.author_id != actor.pk and not can_admin_team(user=actor, team=comment.entry.team):
        raise PermissionDenied("Only the author or a team admin deletes a comment.")
    comment.delete()


def like_toggle(*, user, entry: Entry | None = None, comment: Comment | None = None) -> bool:
    """Like or unlike; returns whether ``user`` now likes it. Safe when two clicks race."""
    target = {"entry": entry} if entry is not None else {"comment": comment}
    deleted, _ = Like.objects.filter(user=user, **target).delete()
    if deleted:
        return False
    try:
        with transaction.atomic():
            Like.objects.create(user=user, **target)
    except IntegrityError:
        return True  # the other click won; the like exists either way
    owner = entry.author if entry is not None else comment.author
    about = {"entry": entry if entry is not None else comment.entry, "comment": comment}
    # Unlike-and-like-again should not ping the author twice.
    if not Notification.objects.filter(recipient=owner, kind=Notification.Kind.LIKE, actor=user, **about).exists():
        notification_create(recipient=owner, kind=Notification.Kind.LIKE, actor=user, **about)
    return True
