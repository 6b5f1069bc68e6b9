"""The product's data: people, organizations and teams, memberships, entries, social, emails in and out."""

from core.models.deliveries import Delivery
from core.models.entries import Entry, Tag
from core.models.inbound import InboundMessage, InboundToken
from core.models.people import AlternateEmail, User
from core.models.social import Comment, Like, Notification
from core.models.teams import Invitation, Membership, Organization, OrganizationMembership, Team

__all__ = [
    "AlternateEmail",
    "Comment",
    "Delivery",
    "Entry",
    "InboundMessage",
    "InboundToken",
    "Invitation",
    "Like",
    "Membership",
    "Notification",
    "Organization",
    "OrganizationMembership",
    "Tag",
    "Team",
    "User",
]
