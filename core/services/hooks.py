"""Hooks: a member's outgoing webhooks on a team — add one (its secret shown once), change its target or
events, rotate its secret, pause, resume or delete it. What is sent to them is core/services/webhooks.py.

Hooks belong to the member who added them: any member adds one to their team; only its owner changes,
pauses, rotates or deletes it (the API and the hooks page alike). The secret is encrypted at rest
(core/crypto.py); its plaintext leaves this module only when the hook is created or its secret rotated.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.crypto import reseal, seal
from core.models import Hook, Team, WebhookDelivery
from core.models.webhooks import new_webhook_secret
from core.selectors.teams import user_in_team
from core.webhook_http import TargetRefused, resolve_target

log = logging.getLogger(__name__)

Status = WebhookDelivery.Status
Event = WebhookDelivery.Event


def _validated_url(target_url: str) -> str:
    url = (target_url or "").strip()
    if not url:
        raise ValueError("A webhook needs a target_url.")
    if len(url) > Hook._meta.get_field("target_url").max_length:
        raise ValueError("That target_url is too long.")
    try:
        resolve_target(url)
    except TargetRefused as refused:
        raise ValueError(str(refused)) from None
    return url


def _validated_events(events) -> list[str]:
    if events is None:
        return list(Event.values)
    chosen = [event for event in Event.values if event in set(events)]  # in a stable order
    if not chosen or len(chosen) != len(set(events)):
        raise ValueError(f"Choose at least one event among: {', '.join(Event.values)}.")
    return chosen


class HookAlreadyCreated(Exception):
    """The add form was sent again with the key of a hook it already made (``hook``): nothing new is made,
    and that hook's secret is not shown again."""

    def __init__(self, hook: Hook):
        super().__init__(f"webhook {hook.hash_id} was already added by this form")
        self.hook = hook


def hook_create(
    *, actor, team: Team, target_url: str, events: list[str] | None = None, creation_key: str | None = None
) -> Hook:
    """A hook on a team the actor belongs to (every event unless ``events`` says which). The returned
    hook's ``new_secret`` is its signing secret in plain text, for its owner to copy now: only its
    ciphertext is stored, and it is never shown again.

    ``creation_key`` (the add form's one-time key) makes a re-sent form harmless: when the actor already
    made a hook with it, :class:`HookAlreadyCreated` names that hook and nothing is written."""
    if actor is None or not user_in_team(user_id=actor.pk, team_id=team.pk):
        raise PermissionDenied("Only members of a team add webhooks to it.")
    url = _validated_url(target_url)
    chosen = _validated_events(events)
    secret = new_webhook_secret()
    with transaction.atomic():
        # The team's row lock serializes adds to the team: the limit below holds, and the same form sent
        # twice at once (a double click) finds the first one's hook here rather than at the unique index.
        Team.objects.select_for_update().filter(pk=team.pk).first()
        if creation_key:
            made = Hook.objects.filter(user=actor, creation_key=creation_key).first()
            if made is not None:
                raise HookAlreadyCreated(made)
        if Hook.objects.filter(team=team).count() >= settings.WEBHOOK_MAX_PER_TEAM:
            raise ValueError(f"A team has at most {settings.WEBHOOK_MAX_PER_TEAM} webhooks.")
        try:
            with transaction.atomic():
                hook = Hook.objects.create(
                    team=team,
                    user=actor,
                    target_url=url,
                    events=chosen,
                    secret_encrypted=seal(secret),
                    creation_key=creation_key or None,
                )
        except IntegrityError:
            # Only the same key sent to two teams at once gets here (the lock above is per team).
            made = Hook.objects.filter(user=actor, creation_key=creation_key).first() if creation_key else None
            if made is None:
                raise
            raise HookAlreadyCreated(made) from None
    hook.new_secret = secret
    return hook


def _require_owner(*, hook: Hook, actor) -> None:
    if actor is None or hook.user_id != actor.pk:
        raise PermissionDenied("Only the person who added a webhook changes it.")


def hook_update(*, hook: Hook, actor, target_url: str | None = None, events: list[str] | None = None) -> Hook:
    """Change a hook's target and/or its events (None leaves one as it is)."""
    _require_owner(hook=hook, actor=actor)
    url = _validated_url(target_url) if target_url is not None else hook.target_url
    chosen = _validated_events(events) if events is not None else hook.events
    hook.target_url, hook.events = url, chosen  # both checked first: a refusal leaves the object as it was
    hook.save(update_fields=["target_url", "events", "updated_at"])
    return hook


def hook_secret_rotate(*, hook: Hook, actor) -> Hook:
    """A new signing secret, returned once as ``new_secret``; the old one stops signing at once (deliveries
    still owed are signed with the new one when sent)."""
    _require_owner(hook=hook, actor=actor)
    secret = new_webhook_secret()
    hook.secret_encrypted = seal(secret)
    hook.save(update_fields=["secret_encrypted", "updated_at"])
    hook.new_secret = secret
    log.info("webhook %s: secret rotated by its owner %s", hook.hash_id, actor.pk)
    return hook


def hook_pause(*, hook: Hook, actor) -> Hook:
    """Nothing is owed to a paused hook; what it was owed and not yet sent is cancelled."""
    _require_owner(hook=hook, actor=actor)
    now = timezone.now()
    with transaction.atomic():
        Hook.objects.filter(pk=hook.pk, paused_at__isnull=True).update(paused_at=now, updated_at=now)
        WebhookDelivery.objects.filter(hook_id=hook.pk, status=Status.PENDING).update(
            status=Status.CANCELLED, error="the hook was paused by its owner", finished_at=now
        )
    hook.refresh_from_db(fields=["paused_at", "updated_at"])
    return hook


def hook_resume(*, hook: Hook, actor) -> Hook:
    """Changes from now on are sent again (what happened while paused is not)."""
    _require_owner(hook=hook, actor=actor)
    Hook.objects.filter(pk=hook.pk).update(paused_at=None, updated_at=timezone.now())
    hook.refresh_from_db(fields=["paused_at", "updated_at"])
    return hook


def hook_secrets_reencrypt() -> int:
    """Re-encrypt every hook's secret under the first key (after adding a key, before removing the old
    one: README, "Secrets at rest"). Raises SecretUnreadable, changing nothing more, on a secret no key opens."""
    changed = 0
    for pk, ciphertext in Hook.objects.values_list("pk", "secret_encrypted").iterator(chunk_size=500):
        changed += Hook.objects.filter(pk=pk, secret_encrypted=ciphertext).update(secret_encrypted=reseal(ciphertext))
    return changed


def hook_delete(*, hook: Hook, actor) -> None:
    """Its owner deletes a hook; its deliveries stay in the log, the open ones are cancelled."""
    _require_owner(hook=hook, actor=actor)
    hook_remove(hook_id=hook.pk, status=Status.CANCELLED, why="the hook was deleted by its owner")


@transaction.atomic
def hook_remove(*, hook_id: int, status: str, why: str) -> None:
    """The hook goes; what it was owed and not yet sent is closed with ``status`` and ``why`` (its owner
    deleted it, or its receiver answered 410)."""
    WebhookDelivery.objects.filter(hook_id=hook_id, status=Status.PENDING).update(
        status=status, error=why, finished_at=timezone.now()
    )
    Hook.objects.filter(pk=hook_id).delete()
