"""The product's data: people, organizations and teams, memberships, entries, emails in and out."""

from core.models.deliveries import Delivery
from core.models.entries import Entry
from core.models.inbound import InboundMessage
from core.models.people import User
from core.models.teams import Membership, Organization, Team

__all__ = ["Delivery", "Entry", "InboundMessage", "Membership", "Organization", "Team", "User"]
