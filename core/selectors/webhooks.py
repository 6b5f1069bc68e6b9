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


def hooks_on_team_owned_by(*, user, team: Team):
    """The viewer's hooks on one team (the hooks page): only their owner sees a hook, as in the API."""
    return list(Hook.objects.filter(user=user, team=team).order_by("created_at", "id"))


def hook_on_team_owned_by(*, user, team: Team, hook_hash: str) -> Hook | None:
    """The viewer's own hook on that team; None for anyone else's or an unknown one (not told apart)."""
    return Hook.objects.select_related("team", "user").filter(user=user, team=team, hash_id=hook_hash).first()


def team_hook_count(*, team: Team) -> int:
    """Every member's hooks count toward WEBHOOK_MAX_PER_TEAM (at most that many rows: a cheap count)."""
    return Hook.objects.filter(team=team).count()


def hook_recent_deliveries(*, hook: Hook, limit: int = 20):
    """A hook's newest deliveries for its owner (status, attempts, last answer), newest first."""
    return list(WebhookDelivery.objects.filter(hook=hook).order_by("-created_at", "-id")[:limit])
