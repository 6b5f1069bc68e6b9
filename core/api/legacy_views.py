"""The legacy API v0.1: teams by short name and "dones", in its envelope and error shapes.

Same tokens, throttle, services and selectors as v2; only the JSON around them is the old one:
``{"ok": true, "warnings": [], …}``, and errors ``{"ok": false, "detail": …}``.
"""

from django.core.exceptions import PermissionDenied
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.api.base import ApiView
from core.api.errors import client_error
from core.api.legacy_serializers import (
    DoneCreateSerializer,
    DoneFilterSerializer,
    LegacyDoneSerializer,
    LegacyTeamSerializer,
)
from core.api.params import is_hash, is_slug
from core.localtime import today_for
from core.selectors.entries import dones_for_member
from core.selectors.teams import team_for_member_by_slug, teams_for_user
from core.services.entries import entry_create, entry_delete

NO_TEAM = "No team with that short_name found."


def legacy_exception_handler(exc, context):
    exc = client_error(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        response.data = {"ok": False, "detail": "Invalid token"}
    elif isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"ok": False, "detail": "Invalid request data", "errors": errors}
    else:
        detail = response.data.get("detail", "Error") if isinstance(response.data, dict) else "Error"
        response.data = {"ok": False, "detail": str(detail)}
    return response


class EnvelopePagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response(self, data):
        return Response(
            {
                "ok": True,
                "warnings": [],
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )


def result(data, **kwargs) -> Response:
    return Response({"ok": True, "warnings": [], "result": data}, **kwargs)


class LegacyView(ApiView):
    def get_exception_handler(self):
        return legacy_exception_handler

    def page_of(self, queryset, serializer_class) -> Response:
        paginator = EnvelopePagination()
        page = paginator.paginate_queryset(queryset, self.request, self)
        context = {"request": self.request}
        return paginator.get_paginated_response(serializer_class(page, many=True, context=context).data)


class LegacyTeamListView(LegacyView):
    def get(self, request):
        return self.page_of(teams_for_user(user=request.user), LegacyTeamSerializer)


class LegacyTeamDetailView(LegacyView):
    def get(self, request, short_name):
        team = team_for_member_by_slug(user=request.user, slug=short_name) if is_slug(short_name) else None
        if team is None:
            raise exceptions.NotFound()
        return result(LegacyTeamSerializer(team, context={"request": request}).data)


class LegacyDoneListView(LegacyView):
    def get(self, request):
        filters = DoneFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        day = given.get("done_date")
        tags = [t.strip().lstrip("#") for t in given.get("tags", "").split(",") if t.strip().lstrip("#")]
        dones = dones_for_member(
            user=request.user,
            team_slug=given.get("team"),
            owner=given.get("owner"),
            day=today_for(request.user) if day == "today" else day,
            after=given.get("done_date_after"),
            before=given.get("done_date_before"),
            tags=tags,
        )
        return self.page_of(dones, LegacyDoneSerializer)

    def post(self, request):
        fields = DoneCreateSerializer(data=request.data if hasattr(request.data, "get") else {})
        fields.is_valid(raise_exception=True)
        short_name = fields.validated_data["team"]
        team = team_for_member_by_slug(user=request.user, slug=short_name) if is_slug(short_name) else None
        if team is None:
            raise exceptions.ValidationError({"team": [NO_TEAM]})
        try:
            entry = entry_create(
                author=request.user,
                team=team,
                text=fields.validated_data["raw_text"],
                occurred_on=fields.validated_data.get("done_date"),
            )
        except ValueError as error:
            raise exceptions.ValidationError({"raw_text": [str(error)]}) from None
        data = LegacyDoneSerializer(entry, context={"request": request}).data
        return result(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})


class LegacyDoneDetailView(LegacyView):
    def get(self, request, done_id):
        return result(LegacyDoneSerializer(self.done(request, done_id), context={"request": request}).data)

    def delete(self, request, done_id):
        """What its clients' "undo" sent (``DELETE`` on the done's ``url``): 204, as it answered."""
        try:
            entry_delete(entry=self.done(request, done_id), actor=request.user)
        except PermissionDenied as refusal:
            raise exceptions.PermissionDenied(str(refusal)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    def done(self, request, done_id):
        done = dones_for_member(user=request.user).filter(hash_id=done_id).first() if is_hash(done_id) else None
        if done is None:
            raise exceptions.NotFound()
        return done
