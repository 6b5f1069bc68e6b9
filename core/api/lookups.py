"""The caller's objects by hash id, through the web's selectors; anything else is the original's 401.

Someone else's team, an unknown hash and a numeric id all get the same answer, so the API never says
whether an object exists.
"""

from django.http import Http404

from core.api.errors import no_access
from core.api.params import is_hash
from core.models import Entry, Team
from core.selectors.entries import entry_for_member
from core.selectors.teams import membership_for


def team_for_caller(request, team_hash) -> Team:
    if not is_hash(team_hash):
        raise no_access("team")
    try:
        return membership_for(user=request.user, team_hash=team_hash).team
    except Http404:
        raise no_access("team") from None


def entry_for_caller(request, entry_hash) -> Entry:
    if not is_hash(entry_hash):
        raise no_access("entry")
    try:
        return entry_for_member(entry_hash=entry_hash, user=request.user)
    except Http404:
        raise no_access("entry") from None
