"""An entry's integrations hear of it after the commit, and one that fails (the database dropped right after
the commit, as in the database drill) never fails the write: the request that posted it is not a 500."""

import pytest

from core.models import Entry
from core.services.entries import entry_create
from core.signals import entry_created

pytestmark = pytest.mark.django_db(transaction=True)  # a real commit runs the hooks as in production


def test_a_receiver_that_fails_after_the_commit_never_fails_the_write(alice, team, caplog):
    heard = []

    def failing(sender, entry_id, **kwargs):
        heard.append(entry_id)
        raise RuntimeError("the database went away")

    entry_created.connect(failing)
    try:
        entry = entry_create(author=alice, team=team, text="shipped it")
    finally:
        entry_created.disconnect(failing)
    assert heard == [entry.pk] and Entry.objects.filter(pk=entry.pk).exists()
    assert "announce_entry" in caplog.text and "the database went away" in caplog.text
