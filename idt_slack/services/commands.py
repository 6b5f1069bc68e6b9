"""``/done`` from Slack: answered at once (who, which team, is the text usable), the entry written by a
worker through core's entry service. The command's key (Slack's ``trigger_id``) is unique, so Slack's
retries and a replayed request find the command already stored and create nothing."""

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from slack_sdk.webhook import WebhookClient

from core.localtime import today_for
from core.models import Team
from core.selectors.teams import teams_for_user
from core.services.dispatch import hand_out
from core.services.entries import entry_create, parse_marker, validate_entry_text
from idt_slack.models import SlackCommand, SlackInstallation, SlackMember

log = logging.getLogger(__name__)
Enqueue = Callable[[int], object]
GOT_IT = "Got it!"
_TEAM_PREFIX = re.compile(r"^#([\w-]+)\s+(.*)$", re.DOTALL)
Status = SlackCommand.Status


@dataclass(frozen=True)
class Answer:
    text: str
    command: SlackCommand | None = None


def _settings_link() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("user_settings") + "#slack"


def linked_teams(*, member: SlackMember) -> list[Team]:
    """The person's teams that are connected to the Slack workspace the command came from."""
    connected = SlackInstallation.objects.filter(slack_team_id=member.slack_team_id).exclude(
        state=SlackInstallation.State.DISCONNECTED
    )
    return list(teams_for_user(user=member.user).filter(slack_installation__in=connected))


def _pick_team(*, member: SlackMember, text: str) -> tuple[Team | None, str, str]:
    """(team, text without a leading #team-slug, why none was picked)."""
    teams = linked_teams(member=member)
    if not teams:
        return None, text, "None of your iDoneThis teams is connected to this Slack workspace."
    match = _TEAM_PREFIX.match(text)
    if match:
        chosen = next((t for t in teams if t.slug == match.group(1).lower()), None)
        if chosen:
            return chosen, match.group(2), ""
    if len(teams) == 1:
        return teams[0], text, ""
    if member.default_team_id and any(t.pk == member.default_team_id for t in teams):
        return next(t for t in teams if t.pk == member.default_team_id), text, ""
    slugs = ", ".join(f"#{t.slug}" for t in teams)
    return None, text, f"You are in several teams here: start with one of {slugs}, or set a default team in settings."


def command_receive(*, key: str, payload: dict, enqueue: Enqueue) -> Answer:
    """Decide the answer to one ``/done`` within Slack's 3 seconds; owe the entry to a worker."""
    existing = SlackCommand.objects.filter(key=key).first()
    if existing:  # Slack retried, or the same request came again: nothing new
        return Answer(GOT_IT, existing)
    member = (
        SlackMember.objects.select_related("user")
        .filter(slack_team_id=payload.get("team_id", ""), slack_user_id=payload.get("user_id", ""))
        .first()
    )
    if member is None:
        return Answer(f"Link your Slack account to iDoneThis first: <{_settings_link()}|connect it in your settings>.")
    team, text, why = _pick_team(member=member, text=(payload.get("text") or "").strip())
    if team is None:
        return Answer(why)
    try:
        validate_entry_text(parse_marker(text)[1])
    except ValueError as error:
        return Answer(f"{error} Try `/done shipped the release` (`[ ]` for a goal, `!` for a blocker).")
    return Answer(GOT_IT, _owe(key=key, member=member, team=team, text=text, payload=payload, enqueue=enqueue))


def _owe(*, key: str, member: SlackMember, team: Team, text: str, payload: dict, enqueue: Enqueue) -> SlackCommand:
    try:
        with transaction.atomic():
            command = SlackCommand.objects.create(
                key=key,
                member=member,
                team=team,
                text=text,
                occurred_on=today_for(member.user),
                response_url=(payload.get("response_url") or "")[:500],
            )
            transaction.on_commit(lambda: _dispatch(command.pk, enqueue), robust=True)
    except IntegrityError:  # the same request, arriving twice at once: the other one stored it
        return SlackCommand.objects.get(key=key)
    return command


def _dispatch(command_id: int, enqueue: Enqueue) -> None:
    try:
        enqueue(command_id)
    except Exception as error:  # the broker is down: the sweeper runs it
        log.warning("dispatching Slack command %s failed (%s); left for the sweeper", command_id, error)


def command_run(*, command_id: int) -> SlackCommand | None:
    """Create the command's entry exactly once: the command row is locked and closed in the entry's
    transaction, so a second run (duplicate message, sweeper) finds it done. None if not pending."""
    with transaction.atomic():
        command = (
            SlackCommand.objects.select_for_update(of=("self",))
            .select_related("member__user", "team")
            .filter(pk=command_id, status=Status.PENDING)
            .first()
        )
        if command is None:
            return None
        try:
            with transaction.atomic():
                entry = entry_create(
                    author=command.member.user, team=command.team, text=command.text, occurred_on=command.occurred_on
                )
        except (ValueError, PermissionDenied) as error:
            command.status, command.error = Status.FAILED, str(error)[:500]
            command.save(update_fields=["status", "error"])
            transaction.on_commit(lambda: _tell(command), robust=True)
            return command
        command.status, command.entry = Status.DONE, entry
        command.save(update_fields=["status", "entry"])
    return command


def _tell(command: SlackCommand) -> None:
    """Say in Slack why a ``/done`` made no entry (its response_url is valid for 30 minutes)."""
    if command.response_url:
        WebhookClient(command.response_url, timeout=5).send(
            text=f"Your /done was not saved: {command.error}", response_type="ephemeral"
        )


def commands_sweep(*, enqueue: Enqueue, now: dt.datetime | None = None) -> dict:
    """Run again the commands whose dispatch was lost; give up on those that could not run for an hour;
    forget keys older than SLACK_COMMAND_RETENTION_DAYS (Slack's retries and replays come within minutes)."""
    now = now or timezone.now()
    redispatch = dt.timedelta(seconds=settings.SLACK_REDISPATCH_AFTER_SECONDS)
    pending = SlackCommand.objects.filter(status=Status.PENDING)
    expired = pending.filter(received_at__lt=now - dt.timedelta(hours=1)).update(
        status=Status.FAILED, error="not run within an hour"
    )
    with transaction.atomic():
        ids = list(pending.filter(dispatched_at__lt=now - redispatch).values_list("pk", flat=True)[:500])
        SlackCommand.objects.filter(pk__in=ids).update(dispatched_at=now)
    handed = hand_out(ids, enqueue=enqueue, what="Slack commands")
    old = now - dt.timedelta(days=settings.SLACK_COMMAND_RETENTION_DAYS)
    forgotten, _ = SlackCommand.objects.filter(received_at__lt=old).exclude(status=Status.PENDING).delete()
    return {"redispatched": handed, "expired": expired, "forgotten": forgotten}
