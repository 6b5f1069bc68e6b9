"""API v2 hooks: a member's outgoing webhooks on their teams (``GET/POST /hooks``, ``GET/PUT/DELETE
/hooks/{id}``, ``POST /hooks/{id}/rotate_secret``). Only the hook's owner sees or changes it; the secret is
in the create and rotate answers only (it is stored encrypted). ``events`` and ``paused`` were added after
the first release: optional on input, so earlier clients send what they always sent."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from core.api import params
from core.api.base import ApiView
from core.api.errors import ApiError, no_access
from core.api.lookups import team_for_caller
from core.api.pagination import HeaderPagination, paginated_response
from core.api.serializers import CallerDateTimeField, TeamRefSerializer, UserSerializer
from core.models import WebhookDelivery
from core.selectors.webhooks import hook_owned_by, hooks_owned_by
from core.services.hooks import hook_create, hook_delete, hook_pause, hook_resume, hook_secret_rotate, hook_update


class HookSerializer(serializers.Serializer):
    id = serializers.CharField(source="hash_id", help_text="The hook's id (opaque).")
    target_url = serializers.URLField()
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookDelivery.Event.values), help_text="The events it is sent."
    )
    paused = serializers.SerializerMethodField(help_text="Paused by its owner: nothing is sent to it.")
    created_at = CallerDateTimeField()
    updated_at = CallerDateTimeField()
    team = TeamRefSerializer()
    user = UserSerializer()

    def get_paused(self, hook) -> bool:
        return hook.paused_at is not None


class CreatedHookSerializer(HookSerializer):
    secret = serializers.CharField(
        source="new_secret",
        help_text="Signs every delivery (X-IDT-Signature-Timestamped: t=<unix>,v1=<HMAC-SHA256 hex of "
        '"<t>.<body>">, and X-IDT-Signature: sha256=<HMAC-SHA256 hex of the body>). '
        "Shown in this answer only: store it now.",
    )


DeletedHookSerializer = inline_serializer(
    "DeletedHook", {"deleted": serializers.BooleanField(), "id": serializers.CharField()}
)
HOOK_FIELDS = inline_serializer(
    "HookInput",
    {
        "target_url": serializers.URLField(help_text="http(s) URL on a public address."),
        "team_id": serializers.CharField(required=False, help_text="A team's hash_id (required on create)."),
        "events": serializers.ListField(
            child=serializers.ChoiceField(choices=WebhookDelivery.Event.values),
            required=False,
            help_text="The events to send (default: all); form fields may repeat it or separate with commas.",
        ),
        "paused": serializers.BooleanField(required=False, help_text="Pause or resume it (PUT/PATCH only)."),
    },
)


def _events(data) -> list[str] | None:
    """``events`` as a JSON list, repeated form fields or one comma-separated field; None when not sent."""
    if "events" not in data:
        return None
    values = data.getlist("events") if hasattr(data, "getlist") else data.get("events")
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ApiError("events must be a list of event names")
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def _paused(data) -> bool | None:
    if "paused" not in data:
        return None
    value = data.get("paused")
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    raise ApiError("paused must be true or false")


def hook_for_caller(request, hook_id):
    hook = hook_owned_by(user=request.user, hook_hash=hook_id) if params.is_hash(hook_id) else None
    if hook is None:
        raise no_access("webhook")
    return hook


def hook_response(request, hook, serializer=HookSerializer, code=status.HTTP_200_OK) -> Response:
    return Response(serializer(hook, context={"request": request}).data, status=code)


class HookListView(ApiView):
    pagination_class = HeaderPagination

    @extend_schema(summary="Your webhooks", responses={200: HookSerializer(many=True)})
    def get(self, request):
        return paginated_response(self, request, hooks_owned_by(user=request.user), HookSerializer)

    @extend_schema(summary="Add a webhook to a team", request=HOOK_FIELDS, responses={201: CreatedHookSerializer})
    def post(self, request):
        data = params.body_of(request)
        target_url = params.text(data, "target_url", required=True)
        team = team_for_caller(request, params.text(data, "team_id", required=True))
        try:
            hook = hook_create(actor=request.user, team=team, target_url=target_url, events=_events(data))
        except PermissionDenied:
            raise no_access("team") from None
        except ValueError as error:
            raise ApiError(str(error)) from None
        return hook_response(request, hook, CreatedHookSerializer, status.HTTP_201_CREATED)


class HookDetailView(ApiView):
    @extend_schema(summary="One of your webhooks", responses={200: HookSerializer})
    def get(self, request, hook_id):
        return hook_response(request, hook_for_caller(request, hook_id))

    @extend_schema(
        summary="Change a webhook's target, events or pause",
        description="Any of target_url, events and paused; at least one (target_url when none is sent).",
        request=HOOK_FIELDS,
        responses={200: HookSerializer},
    )
    def put(self, request, hook_id):
        hook = hook_for_caller(request, hook_id)
        data = params.body_of(request)
        events, paused = _events(data), _paused(data)
        target_url = params.text(data, "target_url", required=events is None and paused is None)
        try:
            if target_url is not None or events is not None:
                hook = hook_update(hook=hook, actor=request.user, target_url=target_url, events=events)
            if paused is not None:
                hook = (hook_pause if paused else hook_resume)(hook=hook, actor=request.user)
        except PermissionDenied:
            raise no_access("webhook") from None
        except ValueError as error:
            raise ApiError(str(error)) from None
        return hook_response(request, hook)

    @extend_schema(summary="Change a webhook's target (as PUT)", request=HOOK_FIELDS, responses={200: HookSerializer})
    def patch(self, request, hook_id):
        return self.put(request, hook_id)

    @extend_schema(summary="Delete a webhook", responses={200: DeletedHookSerializer})
    def delete(self, request, hook_id):
        hook = hook_for_caller(request, hook_id)
        try:
            hook_delete(hook=hook, actor=request.user)
        except PermissionDenied:
            raise no_access("webhook") from None
        return Response({"deleted": True, "id": hook_id})


class HookSecretRotateView(ApiView):
    @extend_schema(
        summary="Rotate a webhook's secret",
        description="A new signing secret, in this answer only; the old one stops signing at once.",
        request=None,
        responses={200: CreatedHookSerializer},
    )
    def post(self, request, hook_id):
        hook = hook_for_caller(request, hook_id)
        try:
            hook = hook_secret_rotate(hook=hook, actor=request.user)
        except PermissionDenied:
            raise no_access("webhook") from None
        return hook_response(request, hook, CreatedHookSerializer)
