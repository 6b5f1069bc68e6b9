"""Sent after an entry's transaction commits, so integrations (Slack, webhooks) hear of every new entry
from any source while core imports none of them. Receivers only owe and nudge their own work."""

from django.dispatch import Signal

# Keyword argument: entry_id.
entry_created = Signal()
