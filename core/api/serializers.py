"""The v2 JSON of users, teams and entries (shared by every v2 endpoint, the hooks' included).

Timestamps are ISO-8601 with milliseconds in the *caller's* time zone (``2018-01-04T21:10:13.084+11:00``),
as the original API wrote them; dates are ``YYYY-MM-DD`` or null.

In a view the context is ``{"request": request}``: the caller is ``request.user`` and links are absolute on
the request's host. Outside a request (a webhook's body) pass ``{"viewer": user, "base_url": "https://…/"}``.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.localtime import zone_for
from core.models import Entry

# The API says "blocked" where the product says "blocker".
STATUS_FOR_KIND = {Entry.Kind.DONE: "done", Entry.Kind.GOAL: "goal", Entry.Kind.BLOCKER: "blocked"}
KIND_FOR_STATUS = {status: kind for kind, status in STATUS_FOR_KIND.items()}
STATUSES = list(KIND_FOR_STATUS)


def viewer_of(context: dict):
    return context["viewer"] if "viewer" in context else context["request"].user


def base_url_of(context: dict) -> str:
    return context["base_url"] if "base_url" in context else context["request"].build_absolute_uri("/")


def caller_time(value, viewer) -> str | None:
    """``value`` in ``viewer``'s time zone, with milliseconds and the UTC offset."""
    if value is None:
        return None
    return value.astimezone(zone_for(viewer.time_zone)).isoformat(timespec="milliseconds")


class AbsoluteLinksHtmlField(serializers.CharField):
    """The stored safe HTML, whose own links (tags, mentions) are site-relative: made absolute, since an API
    client shows them somewhere else (a chat, a launcher, another site)."""

    def to_representation(self, value):
        return value.replace('href="/', f'href="{base_url_of(self.context)}')


@extend_schema_field(OpenApiTypes.DATETIME)
class CallerDateTimeField(serializers.Field):
    def to_representation(self, value):
        return caller_time(value, viewer_of(self.context))


class StatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=STATUSES, **kwargs)

    def to_representation(self, value):
        return STATUS_FOR_KIND[value]


class UserSerializer(serializers.Serializer):
    hash_id = serializers.CharField()
    full_name = serializers.CharField()
    email_address = serializers.EmailField(source="email")


class TeamRefSerializer(serializers.Serializer):
    hash_id = serializers.CharField()
    name = serializers.CharField()


class TeamSerializer(TeamRefSerializer):
    created_at = CallerDateTimeField()
    updated_at = CallerDateTimeField()


class EntrySerializer(serializers.Serializer):
    hash_id = serializers.CharField()
    body = serializers.CharField(source="text")
    body_formatted = AbsoluteLinksHtmlField(source="html", help_text="The body as safe HTML (tags, mentions, links).")
    status = StatusField(source="kind")
    occurred_on = serializers.DateField()
    completed_on = serializers.DateField(allow_null=True, help_text="For a goal: the day it was marked done.")
    archived_at = CallerDateTimeField(allow_null=True)
    created_at = CallerDateTimeField()
    updated_at = CallerDateTimeField()
    team = TeamRefSerializer()
    user = UserSerializer(source="author")


class DeletedEntrySerializer(serializers.Serializer):
    deleted = serializers.BooleanField()
    hash_id = serializers.CharField()
