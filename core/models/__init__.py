"""The product's data: people, organizations and teams, memberships, entries."""

from core.models.entries import Entry
from core.models.people import User
from core.models.teams import Membership, Organization, Team

__all__ = ["Entry", "Membership", "Organization", "Team", "User"]
