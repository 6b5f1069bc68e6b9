"""One entry and what people do to it: edit, delete, mark done / undo, archive, like, comment."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.selectors.entries import comment_for_member, entry_for_member, entry_thread
from core.services.entries import entry_archive, entry_delete, entry_update, goal_complete, goal_reopen
from core.services.notifications import notifications_mark_read
from core.services.social import comment_create, comment_delete, comment_update, like_toggle
from core.services.teams import can_admin_team
from core.web.common import posted, run_service, safe_next
from core.web.forms import CommentForm, EntryEditForm


def _back(request, default: str):
    """Back where the form was (the day, the person page…), when that is one of our own pages."""
    return redirect(safe_next(request) or default)


def _date_or_none(value: str | None):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def entry_view(request, entry_hash):
    entry = entry_for_member(entry_hash=entry_hash, user=request.user)
    # Seeing the entry is reading what was said about it: its notifications stop counting as unread.
    notifications_mark_read(user=request.user, entry=entry)
    return render(request, "core/entry.html", _thread_context(request, entry, CommentForm()))


def _thread_context(request, entry, comment_form) -> dict:
    return {
        "entry": entry,
        "team": entry.team,
        "comment_form": comment_form,
        "can_delete": can_admin_team(user=request.user, team=entry.team),
        **entry_thread(entry=entry, viewer=request.user),
    }


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit_view(request, entry_hash):
    entry = entry_for_member(entry_hash=entry_hash, user=request.user)
    if entry.author_id != request.user.pk:
        raise PermissionDenied
    form = EntryEditForm(posted(request), initial={"text": entry.text, "occurred_on": entry.occurred_on})
    if request.method == "POST" and form.is_valid():
        try:
            entry_update(entry=entry, actor=request.user, **form.cleaned_data)
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            return redirect("entry", entry_hash=entry.hash_id)
    return render(request, "core/entry_edit.html", {"entry": entry, "team": entry.team, "form": form})


@login_required
@require_POST
def entry_delete_view(request, entry_hash):
    entry = entry_for_member(entry_hash=entry_hash, user=request.user)
    day_url = f"{reverse('team_day', args=[entry.team.hash_id])}?date={entry.occurred_on.isoformat()}"
    if run_service(request, lambda: entry_delete(entry=entry, actor=request.user)):
        messages.success(request, "Entry deleted.")
        return redirect(day_url)
    return _back(request, day_url)


@login_required
@require_POST
def goal_done_view(request, entry_hash):
    goal = entry_for_member(entry_hash=entry_hash, user=request.user)
    # Marked from a past day's page, the done belongs to that day; otherwise to the author's today.
    on = _date_or_none(request.POST.get("on"))
    run_service(request, lambda: goal_complete(goal=goal, actor=request.user, on=on))
    return _back(request, reverse("entry", args=[goal.hash_id]))


@login_required
@require_POST
def goal_reopen_view(request, entry_hash):
    goal = entry_for_member(entry_hash=entry_hash, user=request.user)
    run_service(request, lambda: goal_reopen(goal=goal, actor=request.user))
    return _back(request, reverse("entry", args=[goal.hash_id]))


@login_required
@require_POST
def entry_archive_view(request, entry_hash):
    entry = entry_for_member(entry_hash=entry_hash, user=request.user)
    archived = request.POST.get("archived", "1") == "1"
    run_service(request, lambda: entry_archive(entry=entry, actor=request.user, archived=archived))
    return _back(request, reverse("entry", args=[entry.hash_id]))


@login_required
@require_POST
def entry_like_view(request, entry_hash):
    entry = entry_for_member(entry_hash=entry_hash, user=request.user)
    like_toggle(user=request.user, entry=entry)
    return _back(request, reverse("entry", args=[entry.hash_id]))


@login_required
@require_POST
def comment_create_view(request, entry_hash):
    entry = entry_for_member(entry_hash=entry_hash, user=request.user)
    form = CommentForm(request.POST)
    if form.is_valid() and run_service(
        request, lambda: comment_create(entry=entry, author=request.user, **form.cleaned_data)
    ):
        return redirect(reverse("entry", args=[entry.hash_id]) + "#comments")
    return render(request, "core/entry.html", _thread_context(request, entry, form), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit_view(request, comment_hash):
    comment = comment_for_member(comment_hash=comment_hash, user=request.user)
    if comment.author_id != request.user.pk:
        raise PermissionDenied
    form = CommentForm(posted(request), initial={"text": comment.text})
    if request.method == "POST" and form.is_valid():
        try:
            comment_update(comment=comment, actor=request.user, **form.cleaned_data)
        except ValueError as error:
            form.add_error("text", str(error))
        else:
            return redirect(reverse("entry", args=[comment.entry.hash_id]) + "#comments")
    return render(request, "core/comment_edit.html", {"comment": comment, "team": comment.entry.team, "form": form})


@login_required
@require_POST
def comment_delete_view(request, comment_hash):
    comment = comment_for_member(comment_hash=comment_hash, user=request.user)
    run_service(request, lambda: comment_delete(comment=comment, actor=request.user))
    return redirect(reverse("entry", args=[comment.entry.hash_id]) + "#comments")


@login_required
@require_POST
def comment_like_view(request, comment_hash):
    comment = comment_for_member(comment_hash=comment_hash, user=request.user)
    like_toggle(user=request.user, comment=comment)
    return redirect(reverse("entry", args=[comment.entry.hash_id]) + "#comments")
