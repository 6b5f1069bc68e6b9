"""The product's data: people, organizations and teams, memberships, entries, social, emails in and out, webhooks."""

from core.models.deliveries import Delivery
from core.models.entries import Entry, Tag
from core.models.inbound import InboundMessage, InboundToken
from core.models.logins import LoginFailure
from core.models.people import AlternateEmail, User
from core.models.social import Comment, Like, Notification
from core.models.teams import Invitation, Membership, Organization, OrganizationMembership, Team
from core.models.webhooks import Hook, WebhookAttempt, WebhookDelivery

__all__ = [
    "AlternateEmail",
    "Comment",
    "Delivery",
    "Entry",
    "Hook",
    "InboundMessage",
    "InboundToken",
    "Invitation",
    "Like",
    "LoginFailure",
    "Membership",
    "Notification",
    "Organization",
    "OrganizationMembership",
    "Tag",
    "Team",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
]
