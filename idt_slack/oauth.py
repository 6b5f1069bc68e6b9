"""Slack's OAuth pieces: slack_sdk's URL generators, a database-backed state store, the code exchanges.

Installing uses OAuth v2 (bot scopes); linking a member uses Sign in with Slack (OpenID Connect), whose
user token is used once to learn who they are and then dropped: we keep ids, never a member's token.
"""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from slack_sdk.oauth import AuthorizeUrlGenerator, OpenIDConnectAuthorizeUrlGenerator
from slack_sdk.oauth.state_store import OAuthStateStore

from idt_slack.client import web_client
from idt_slack.models import SlackOAuthState

BOT_SCOPES = ["commands", "chat:write", "chat:write.public", "channels:read"]
MEMBER_SCOPES = ["openid", "profile"]
STATE_SECONDS = 10 * 60


def configured() -> bool:
    return bool(settings.SLACK_CLIENT_ID and settings.SLACK_CLIENT_SECRET and settings.SLACK_SIGNING_SECRET)


def redirect_uri() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("slack_oauth_callback")


class DatabaseStateStore(OAuthStateStore):
    """slack_sdk's state-store interface over a table: a state is issued for one person and purpose, and
    consumed once (a replayed callback finds nothing)."""

    def issue(self, *, purpose: str, user, team=None) -> str:
        state = secrets.token_urlsafe(32)
        expires = timezone.now() + dt.timedelta(seconds=STATE_SECONDS)
        SlackOAuthState.objects.create(state=state, purpose=purpose, user=user, team=team, expires_at=expires)
        return state

    @transaction.atomic
    def take(self, state: str) -> SlackOAuthState | None:
        row = (
            SlackOAuthState.objects.select_for_update(of=("self",))
            .filter(state=state)
            .select_related("team", "user")
            .first()
        )
        if row is None:
            return None
        row.delete()
        return row if row.expires_at > timezone.now() else None

    def consume(self, state: str) -> bool:
        return self.take(state) is not None

    def prune(self) -> int:
        """Forget states nobody came back with (the person closed Slack's page)."""
        return SlackOAuthState.objects.filter(expires_at__lt=timezone.now()).delete()[0]


def install_url(*, state: str) -> str:
    generator = AuthorizeUrlGenerator(
        client_id=settings.SLACK_CLIENT_ID,
        scopes=BOT_SCOPES,
        redirect_uri=redirect_uri(),
        authorization_url=settings.SLACK_OAUTH_URL.rstrip("/") + "/oauth/v2/authorize",
    )
    return generator.generate(state)


def link_url(*, state: str) -> str:
    generator = OpenIDConnectAuthorizeUrlGenerator(
        client_id=settings.SLACK_CLIENT_ID,
        scopes=MEMBER_SCOPES,
        redirect_uri=redirect_uri(),
        authorization_url=settings.SLACK_OAUTH_URL.rstrip("/") + "/openid/connect/authorize",
    )
    return generator.generate(state, nonce=secrets.token_urlsafe(16))


@dataclass(frozen=True)
class BotGrant:
    slack_team_id: str
    slack_team_name: str
    bot_user_id: str
    bot_token: str
    scopes: str


@dataclass(frozen=True)
class MemberIdentity:
    slack_team_id: str
    slack_team_name: str
    slack_user_id: str


def exchange_install_code(code: str) -> BotGrant:
    """oauth.v2.access: the bot token and workspace of a new installation (SlackApiError if refused)."""
    data = (
        web_client()
        .oauth_v2_access(
            client_id=settings.SLACK_CLIENT_ID,
            client_secret=settings.SLACK_CLIENT_SECRET,
            code=code,
            redirect_uri=redirect_uri(),
        )
        .data
    )
    team = data.get("team") or {}
    return BotGrant(
        slack_team_id=team.get("id", ""),
        slack_team_name=team.get("name", ""),
        bot_user_id=data.get("bot_user_id", ""),
        bot_token=data.get("access_token", ""),
        scopes=data.get("scope", ""),
    )


def exchange_link_code(code: str) -> MemberIdentity:
    """openid.connect.token, then openid.connect.userInfo with that user token (used once, not kept)."""
    token = (
        web_client()
        .openid_connect_token(
            client_id=settings.SLACK_CLIENT_ID,
            client_secret=settings.SLACK_CLIENT_SECRET,
            code=code,
            redirect_uri=redirect_uri(),
        )
        .data["access_token"]
    )
    info = web_client(token).openid_connect_userInfo().data
    return MemberIdentity(
        slack_team_id=info.get("https://slack.com/team_id", ""),
        slack_team_name=info.get("https://slack.com/team_name", ""),
        slack_user_id=info.get("https://slack.com/user_id", ""),
    )
