"""Celery tasks of the Slack integration: thin adapters that load by id and call one service."""

from celery import shared_task
from django.conf import settings

from idt_slack.oauth import DatabaseStateStore
from idt_slack.services.commands import command_run, commands_sweep
from idt_slack.services.messages import digests_claim_due, message_owe_for_entry, message_send, messages_sweep


def enqueue_command(command_id: int) -> None:
    run_command.apply_async(kwargs={"command_id": command_id}, queue=settings.SLACK_QUEUE)


def enqueue_message(message_id: int) -> None:
    send_message.apply_async(kwargs={"message_id": message_id}, queue=settings.SLACK_QUEUE)


def entry_created_receiver(sender, *, entry_id: int, **kwargs) -> None:
    """core.signals.entry_created: owe the entry's post to its team's channel, if the team has one."""
    message_owe_for_entry(entry_id=entry_id, enqueue=enqueue_message)


@shared_task(name="scheduled.slack_run_command", ignore_result=True)
def run_command(*, command_id: int) -> dict:
    """Create the entry of one ``/done``; safe to run twice (the command row is closed with the entry)."""
    command = command_run(command_id=command_id)
    return {"command": command_id, "status": command.status if command else "not-pending"}


@shared_task(name="scheduled.slack_send_message", ignore_result=True)
def send_message(*, message_id: int) -> dict:
    """Post one owed channel message; claimed first, so a duplicate run posts nothing."""
    message = message_send(message_id=message_id)
    return {"message": message_id, "status": message.status if message else "not-claimed"}


@shared_task(name="scheduled.slack_digests_tick")
def digests_tick() -> int:
    """Every minute: owe the channel digests that are due (each link's own time zone) and dispatch them."""
    return digests_claim_due(enqueue=enqueue_message)


@shared_task(name="scheduled.slack_sweep")
def sweep() -> dict:
    """Every minute: dispatch again the commands and messages whose dispatch was lost; close dead claims;
    forget expired OAuth states."""
    return {
        "messages": messages_sweep(enqueue=enqueue_message),
        "commands": commands_sweep(enqueue=enqueue_command),
        "oauth_states_forgotten": DatabaseStateStore().prune(),
    }
