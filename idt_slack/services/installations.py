"""A team's Slack installation and its members' links: connect, choose the channel and digest time,
disable on a broken link, disconnect (the token is deleted)."""

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from slack_sdk.errors import SlackApiError

from core.localtime import zone_for
from core.models import Team
from core.schedule import next_occurrence
from core.selectors.teams import teams_for_user
from core.services.teams import can_admin_team
from idt_slack.client import CHANNEL_ERRORS, web_client
from idt_slack.crypto import token_decrypt, token_encrypt
from idt_slack.models import SlackInstallation, SlackMember, SlackMessage
from idt_slack.oauth import BotGrant, MemberIdentity

log = logging.getLogger(__name__)
State = SlackInstallation.State


def _require_admin(*, actor, team: Team) -> None:
    if not can_admin_team(user=actor, team=team):
        raise PermissionDenied("Only a team admin connects Slack or changes its settings.")


def digest_next_at(installation: SlackInstallation, *, after: dt.datetime) -> dt.datetime | None:
    """The one rule for the channel digest: the next chosen weekday at the chosen time, in the link's zone."""
    if not installation.posts:
        return None
    zone = zone_for(installation.time_zone)
    return next_occurrence(zone=zone, days=installation.digest_days, at=installation.digest_time, after=after)


def _reschedule(installation: SlackInstallation, *, now: dt.datetime | None = None) -> None:
    installation.next_digest_at = digest_next_at(installation, after=now or timezone.now())
    installation.save(update_fields=["next_digest_at"])


@transaction.atomic
def installation_connect(*, team: Team, actor, grant: BotGrant) -> SlackInstallation:
    """Store a new (or renewed) installation from Slack's OAuth answer; the token is encrypted at once."""
    _require_admin(actor=actor, team=team)
    if not grant.bot_token or not grant.slack_team_id:
        raise ValueError("Slack did not return a bot token for the workspace.")
    installation, _ = SlackInstallation.objects.select_for_update().get_or_create(
        team=team, defaults={"slack_team_id": grant.slack_team_id, "time_zone": actor.time_zone}
    )
    if installation.slack_team_id != grant.slack_team_id:  # another workspace: the old channel means nothing
        installation.channel_id, installation.channel_name, installation.channel_set_at = "", "", None
    installation.slack_team_id, installation.slack_team_name = grant.slack_team_id, grant.slack_team_name
    installation.bot_user_id, installation.scopes = grant.bot_user_id, grant.scopes
    installation.bot_token_encrypted = token_encrypt(grant.bot_token)
    installation.installed_by, installation.installed_at = actor, timezone.now()
    installation.state, installation.last_error, installation.last_error_at = State.ACTIVE, "", None
    installation.save()
    _reschedule(installation)
    return installation


def channels_for(*, installation: SlackInstallation) -> list[tuple[str, str]]:
    """The workspace's public channels (id, name) the bot may post to, from conversations.list."""
    client = web_client(token_decrypt(installation.bot_token_encrypted))
    channels, cursor = [], None
    for _page in range(10):  # 2,000 channels at most: enough to choose from, bounded
        data = client.conversations_list(types="public_channel", exclude_archived=True, limit=200, cursor=cursor).data
        channels += [(c["id"], c["name"]) for c in data.get("channels", [])]
        cursor = (data.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return sorted(channels, key=lambda c: c[1])


@transaction.atomic
def installation_channel_set(*, installation: SlackInstallation, actor, channel_id: str, channel_name: str):
    """Post to this channel from now on; a link disabled by a channel error works again."""
    _require_admin(actor=actor, team=installation.team)
    if installation.state == State.DISCONNECTED or not installation.bot_token_encrypted:
        raise ValueError("Connect Slack again first.")
    if installation.state == State.DISABLED and installation.last_error.split(":")[0] not in CHANNEL_ERRORS:
        raise ValueError("Slack refused our token: connect Slack again first.")
    installation.channel_id, installation.channel_name = channel_id, channel_name.lstrip("#")
    installation.channel_set_at, installation.state = timezone.now(), State.ACTIVE
    installation.save(update_fields=["channel_id", "channel_name", "channel_set_at", "state"])
    _reschedule(installation)
    return installation


@transaction.atomic
def installation_digest_update(
    *, installation: SlackInstallation, actor, digest_time: dt.time, digest_days: str, time_zone: str
) -> SlackInstallation:
    _require_admin(actor=actor, team=installation.team)
    installation.digest_time, installation.digest_days, installation.time_zone = digest_time, digest_days, time_zone
    installation.save(update_fields=["digest_time", "digest_days", "time_zone"])
    _reschedule(installation)
    return installation


def installation_disable(*, installation_id: int, code: str, detail: str = "") -> bool:
    """Slack said the link is broken (revoked token, archived or missing channel): stop using it, say why,
    and close what it still owed. True if this call disabled it."""
    reason = f"{code}: {detail}"[:500] if detail else code
    now = timezone.now()
    with transaction.atomic():
        changed = SlackInstallation.objects.filter(pk=installation_id, state=State.ACTIVE).update(
            state=State.DISABLED, last_error=reason, last_error_at=now, next_digest_at=None
        )
        SlackMessage.objects.filter(installation_id=installation_id, status=SlackMessage.Status.PENDING).update(
            status=SlackMessage.Status.SKIPPED, error=f"link disabled: {code}"
        )
    if changed:
        log.warning("Slack link %s disabled: %s", installation_id, reason)
    return bool(changed)


def installation_error_record(*, installation_id: int, error: str) -> None:
    SlackInstallation.objects.filter(pk=installation_id).update(last_error=error[:500], last_error_at=timezone.now())


def installation_disconnect(*, installation: SlackInstallation, actor) -> SlackInstallation:
    """Revoke the bot token at Slack (best effort) and delete ours; nothing is posted any more."""
    _require_admin(actor=actor, team=installation.team)
    token = token_decrypt(installation.bot_token_encrypted)
    if token:
        try:
            web_client(token).auth_revoke()
        except (SlackApiError, OSError) as error:  # our copy goes either way; Slack may already have dropped it
            log.info("auth.revoke for Slack link %s failed: %s", installation.pk, error)
    with transaction.atomic():
        SlackInstallation.objects.filter(pk=installation.pk).update(
            bot_token_encrypted="", state=State.DISCONNECTED, next_digest_at=None, channel_id="", channel_name=""
        )
        SlackMessage.objects.filter(installation=installation, status=SlackMessage.Status.PENDING).update(
            status=SlackMessage.Status.SKIPPED, error="disconnected"
        )
    installation.refresh_from_db()
    return installation


def member_link(*, user, identity: MemberIdentity) -> SlackMember:
    """Link the person's Slack user (learned through Sign in with Slack) to them; a Slack user already
    linked to someone else stays theirs."""
    if not identity.slack_user_id or not identity.slack_team_id:
        raise ValueError("Slack did not say who you are.")
    taken = SlackMember.objects.filter(slack_team_id=identity.slack_team_id, slack_user_id=identity.slack_user_id)
    if taken.exclude(user=user).exists():
        raise ValueError("That Slack account is already linked to another iDoneThis account.")
    try:
        with transaction.atomic():
            member, _ = SlackMember.objects.update_or_create(
                user=user,
                slack_team_id=identity.slack_team_id,
                defaults={"slack_user_id": identity.slack_user_id, "slack_team_name": identity.slack_team_name},
            )
    except IntegrityError as error:  # linked by someone else at the same instant
        raise ValueError("That Slack account is already linked to another iDoneThis account.") from error
    return member


def member_unlink(*, member: SlackMember, actor) -> None:
    if member.user_id != actor.pk:
        raise PermissionDenied("Only you unlink your Slack account.")
    member.delete()


def member_default_team_set(*, member: SlackMember, actor, team: Team | None) -> SlackMember:
    if member.user_id != actor.pk:
        raise PermissionDenied("Only you choose your default team.")
    if team is not None and not teams_for_user(user=actor).filter(pk=team.pk).exists():
        raise ValueError("You are not in that team.")
    member.default_team = team
    member.save(update_fields=["default_team"])
    return member
