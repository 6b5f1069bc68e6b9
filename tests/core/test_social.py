"""Likes, comments and notifications."""

import pytest
from django.core.exceptions import PermissionDenied

from core.models import Like, Notification
from core.selectors.entries import entry_thread, unread_notification_count
from core.services.entries import entry_create
from core.services.notifications import notifications_mark_read
from core.services.social import comment_create, comment_delete, comment_update, like_toggle


def test_it_toggles_a_like_and_notifies_the_author_once(alice, bob, team):
    entry = entry_create(author=alice, team=team, text="shipped")
    assert like_toggle(user=bob, entry=entry) is True
    assert like_toggle(user=bob, entry=entry) is False
    assert not Like.objects.exists()
    like_toggle(user=bob, entry=entry)
    assert Notification.objects.filter(recipient=alice, kind="like", actor=bob).count() == 1


def test_it_does_not_notify_people_of_their_own_likes(alice, team):
    entry = entry_create(author=alice, team=team, text="shipped")
    like_toggle(user=alice, entry=entry)
    assert not Notification.objects.exists()


def test_it_likes_comments(alice, bob, team):
    comment = comment_create(entry=entry_create(author=alice, team=team, text="shipped"), author=bob, text="nice")
    like_toggle(user=alice, comment=comment)
    thread = entry_thread(entry=comment.entry, viewer=alice)
    assert thread["comments"][0].like_count == 1 and thread["comments"][0].liked
    assert Notification.objects.filter(recipient=bob, kind="like", comment=comment).exists()


def test_it_comments_and_notifies_the_author_and_the_mentioned(nicknamed, team):
    alice, bob, _ = nicknamed
    entry = entry_create(author=alice, team=team, text="shipped")
    comment_create(entry=entry, author=bob, text="great work @alice")
    # alice is the author *and* mentioned: one notification, for the comment.
    assert list(Notification.objects.values_list("recipient__email", "kind")) == [("alice@example.com", "comment")]
    assert unread_notification_count(user=alice) == 1
    notifications_mark_read(user=alice)
    assert unread_notification_count(user=alice) == 0


def test_it_lets_only_the_author_edit_a_comment_and_admins_delete(alice, bob, team):
    comment = comment_create(entry=entry_create(author=bob, team=team, text="x"), author=bob, text="first")
    with pytest.raises(PermissionDenied):
        comment_update(comment=comment, actor=alice, text="hijack")
    comment_update(comment=comment, actor=bob, text="second <b>bold</b>")
    assert "&lt;b&gt;" in comment.html
    comment_delete(comment=comment, actor=alice)


def test_it_refuses_an_empty_comment(alice, team):
    with pytest.raises(ValueError, match="A comment needs some text"):
        comment_create(entry=entry_create(author=alice, team=team, text="x"), author=alice, text="   ")


def test_it_counts_reactions_per_entry_for_the_digest(alice, bob, team, django_assert_max_num_queries):
    from core.selectors.entries import entry_reaction_counts

    liked = entry_create(author=alice, team=team, text="liked")
    quiet = entry_create(author=alice, team=team, text="quiet")
    like_toggle(user=bob, entry=liked)
    comment_create(entry=liked, author=bob, text="nice")
    comment_create(entry=liked, author=alice, text="thanks")
    with django_assert_max_num_queries(2):
        assert entry_reaction_counts(entry_ids=[liked.pk, quiet.pk]) == {liked.pk: (1, 2)}
