"""API v2 endpoints: who am I, teams, entries. Thin: parse → look up the caller's object → one service or
selector (the same the web calls) → the v2 JSON."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from core.api import params
from core.api.base import ApiView
from core.api.errors import ApiError, no_access
from core.api.lookups import entry_for_caller, team_for_caller
from core.api.pagination import HeaderPagination, paginated_response
from core.api.serializers import STATUSES, DeletedEntrySerializer, EntrySerializer, TeamSerializer, UserSerializer
from core.selectors.entries import own_entries_newest_first, team_entries_newest_first
from core.selectors.teams import teams_for_user
from core.services.entries import entry_create, entry_delete, entry_update


def entry_fields(name: str, *, required: bool):
    """The writable fields of an entry: body and team_id are required to create one, optional to change one."""
    return inline_serializer(
        name,
        {
            "body": serializers.CharField(required=required, help_text="Markers apply: [ ] goal, [x] done, ! blocker."),
            "team_id": serializers.CharField(required=required, help_text="A team's hash_id."),
            "occurred_on": serializers.DateField(required=False, help_text="Default: today in your time zone."),
            "status": serializers.ChoiceField(choices=STATUSES, required=False),
        },
    )


ENTRY_FIELDS = entry_fields("EntryChange", required=False)


def entry_response(request, entry) -> Response:
    return Response(EntrySerializer(entry, context={"request": request}).data)


class NoopView(ApiView):
    @extend_schema(summary="The token's owner", responses={200: UserSerializer})
    def get(self, request):
        return Response(UserSerializer(request.user).data)


class TeamListView(ApiView):
    pagination_class = HeaderPagination

    @extend_schema(summary="Your teams", responses={200: TeamSerializer(many=True)})
    def get(self, request):
        return paginated_response(self, request, teams_for_user(user=request.user), TeamSerializer)


class TeamDetailView(ApiView):
    @extend_schema(summary="One of your teams", responses={200: TeamSerializer})
    def get(self, request, team_hash):
        team = team_for_caller(request, team_hash)
        return Response(TeamSerializer(team, context={"request": request}).data)


class TeamEntryListView(ApiView):
    pagination_class = HeaderPagination

    @extend_schema(
        summary="Every member's entries in a team, newest first", responses={200: EntrySerializer(many=True)}
    )
    def get(self, request, team_hash):
        team = team_for_caller(request, team_hash)
        return paginated_response(self, request, team_entries_newest_first(team=team), EntrySerializer)


class EntryListView(ApiView):
    pagination_class = HeaderPagination

    @extend_schema(
        summary="Your own entries, newest first",
        parameters=[OpenApiParameter("team_id", str, description="Only this team's (a team hash_id).")],
        responses={200: EntrySerializer(many=True)},
    )
    def get(self, request):
        team_hash = params.text(request.query_params, "team_id")
        team = team_for_caller(request, team_hash) if team_hash else None
        return paginated_response(
            self, request, own_entries_newest_first(user=request.user, team=team), EntrySerializer
        )

    @extend_schema(
        summary="Post an entry", request=entry_fields("EntryNew", required=True), responses={200: EntrySerializer}
    )
    def post(self, request):
        data = params.body_of(request)
        body = params.text(data, "body", required=True)
        team = team_for_caller(request, params.text(data, "team_id", required=True))
        day, kind = params.date(data, "occurred_on"), params.status(data)
        try:
            entry = entry_create(author=request.user, team=team, text=body, occurred_on=day, kind=kind)
        except ValueError as error:
            raise ApiError(str(error)) from None
        return entry_response(request, entry)


class EntryDetailView(ApiView):
    @extend_schema(summary="One entry", responses={200: EntrySerializer})
    def get(self, request, entry_hash):
        return entry_response(request, entry_for_caller(request, entry_hash))

    @extend_schema(
        summary="Change an entry (PUT, PATCH and POST all do this)",
        description='Any of body, team_id, occurred_on, status. {"status": "done"} on a goal marks it done.',
        request=ENTRY_FIELDS,
        responses={200: EntrySerializer},
    )
    def put(self, request, entry_hash):
        entry = entry_for_caller(request, entry_hash)
        data = params.body_of(request)
        body = params.text(data, "body")
        team_hash = params.text(data, "team_id")
        team = team_for_caller(request, team_hash) if team_hash else None
        day, kind = params.date(data, "occurred_on"), params.status(data)
        try:
            entry = entry_update(entry=entry, actor=request.user, text=body, occurred_on=day, team=team, kind=kind)
        except PermissionDenied:
            raise no_access("entry") from None
        except ValueError as error:
            raise ApiError(str(error)) from None
        return entry_response(request, entry)

    @extend_schema(summary="Change an entry (as PUT)", request=ENTRY_FIELDS, responses={200: EntrySerializer})
    def patch(self, request, entry_hash):
        return self.put(request, entry_hash)

    @extend_schema(
        summary="Change an entry (as PUT)",
        operation_id="entries_update_by_post",
        request=ENTRY_FIELDS,
        responses={200: EntrySerializer},
    )
    def post(self, request, entry_hash):
        return self.put(request, entry_hash)

    @extend_schema(summary="Delete an entry", responses={200: DeletedEntrySerializer})
    def delete(self, request, entry_hash):
        entry = entry_for_caller(request, entry_hash)
        hash_id = entry.hash_id
        try:
            entry_delete(entry=entry, actor=request.user)
        except PermissionDenied:
            raise no_access("entry") from None
        return Response({"deleted": True, "hash_id": hash_id})
