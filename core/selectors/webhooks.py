"""Reads about outgoing webhooks: a person's own hooks, a team's hooks and its delivery log."""

from core.models import Hook, Team, WebhookAttempt, WebhookDelivery


def hooks_owned_by(*, user):
    return Hook.objects.filter(user=user).select_related("team", "user").order_by("-created_at", "-id")


def hook_owned_by(*, user, hook_hash: str) -> Hook | None:
    """The caller's own hook; None for anyone else's (or an unknown one): the two are not told apart."""
    return Hook.objects.select_related("team", "user").filter(user=user, hash_id=hook_hash).first()


def team_hooks(*, team: Team):
    return Hook.objects.filter(team=team).select_related("user").order_by("created_at", "id")


def team_webhook_deliveries(*, team: Team, limit: int = 50):
    """The team's newest deliveries (the index on team and created_at answers it without a count)."""
    return list(
        WebhookDelivery.objects.filter(team=team).select_related("hook__user").order_by("-created_at", "-id")[:limit]
    )


def webhook_delivery_attempts(*, delivery: WebhookDelivery):
    return list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
