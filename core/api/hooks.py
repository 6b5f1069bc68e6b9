"""API v2 hooks: a member's outgoing webhooks on their teams (``GET/POST /hooks``, ``GET/PUT/DELETE
/hooks/{id}``). Only the hook's owner sees or changes it; the secret is in the create answer only."""

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
from core.selectors.webhooks import hook_owned_by, hooks_owned_by
from core.services.webhooks import hook_create, hook_delete, hook_update


class HookSerializer(serializers.Serializer):
    id = serializers.CharField(source="hash_id", help_text="The hook's id (opaque).")
    target_url = serializers.URLField()
    created_at = CallerDateTimeField()
    updated_at = CallerDateTimeField()
    team = TeamRefSerializer()
    user = UserSerializer()


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
    },
)


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
            hook = hook_create(actor=request.user, team=team, target_url=target_url)
        except PermissionDenied:
            raise no_access("team") from None
        except ValueError as error:
            raise ApiError(str(error)) from None
        return hook_response(request, hook, CreatedHookSerializer, status.HTTP_201_CREATED)


class HookDetailView(ApiView):
    @extend_schema(summary="One of your webhooks", responses={200: HookSerializer})
    def get(self, request, hook_id):
        return hook_response(request, hook_for_caller(request, hook_id))

    @extend_schema(summary="Change a webhook's target", request=HOOK_FIELDS, responses={200: HookSerializer})
    def put(self, request, hook_id):
        hook = hook_for_caller(request, hook_id)
        target_url = params.text(params.body_of(request), "target_url", required=True)
        try:
            hook = hook_update(hook=hook, actor=request.user, target_url=target_url)
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
