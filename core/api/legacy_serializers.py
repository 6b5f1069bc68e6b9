"""The legacy v0.1 JSON: teams by short name, "dones" with their raw text, tags, likes and comments."""

from django.urls import reverse
from rest_framework import serializers

from core.api.serializers import AbsoluteLinksHtmlField, CallerDateTimeField, caller_time
from core.models import Entry

# raw_text gives back what people typed: the marker in front of goals and blockers.
MARKER_FOR_KIND = {Entry.Kind.GOAL: "[ ] ", Entry.Kind.BLOCKER: "! ", Entry.Kind.DONE: ""}


def absolute(request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


class LegacyTeamSerializer(serializers.Serializer):
    name = serializers.CharField()
    short_name = serializers.CharField(source="slug")
    is_personal = serializers.BooleanField()
    created = CallerDateTimeField(source="created_at")
    updated = CallerDateTimeField(source="updated_at")
    url = serializers.SerializerMethodField()
    dones = serializers.SerializerMethodField()
    permalink = serializers.SerializerMethodField()

    def get_url(self, team) -> str:
        return absolute(self.context["request"], "api_legacy_team", team.slug)

    def get_dones(self, team) -> str:
        return f"{absolute(self.context['request'], 'api_legacy_dones')}?team={team.slug}"

    def get_permalink(self, team) -> str:
        return absolute(self.context["request"], "team_day", team.hash_id)


class LegacyDoneSerializer(serializers.Serializer):
    id = serializers.CharField(source="hash_id")
    created = CallerDateTimeField(source="created_at")
    updated = CallerDateTimeField(source="updated_at")
    raw_text = serializers.SerializerMethodField()
    markedup_text = AbsoluteLinksHtmlField(source="html")
    done_date = serializers.DateField(source="occurred_on")
    owner = serializers.CharField(source="author.nickname")
    team = serializers.SerializerMethodField()
    team_short_name = serializers.CharField(source="team.slug")
    tags = serializers.SerializerMethodField()
    likes = serializers.SerializerMethodField()
    comments = serializers.SerializerMethodField()
    meta_data = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    permalink = serializers.SerializerMethodField()
    is_goal = serializers.SerializerMethodField()
    goal_completed = serializers.SerializerMethodField()

    def get_raw_text(self, entry) -> str:
        return MARKER_FOR_KIND[entry.kind] + entry.text

    def get_team(self, entry) -> str:
        return absolute(self.context["request"], "api_legacy_team", entry.team.slug)

    def get_tags(self, entry) -> list:
        return [{"name": tag.name} for tag in entry.tags.all()]

    def get_likes(self, entry) -> list:
        viewer = self.context["request"].user
        return [
            {"user": like.user.nickname, "created": caller_time(like.created_at, viewer)} for like in entry.likes.all()
        ]

    def get_comments(self, entry) -> list:
        viewer = self.context["request"].user
        return [
            {"id": c.hash_id, "user": c.author.nickname, "text": c.text, "created": caller_time(c.created_at, viewer)}
            for c in entry.comments.all()
        ]

    def get_meta_data(self, entry) -> dict:
        return {}

    def get_url(self, entry) -> str:
        return absolute(self.context["request"], "api_legacy_done", entry.hash_id)

    def get_permalink(self, entry) -> str:
        return absolute(self.context["request"], "entry", entry.hash_id)

    def get_is_goal(self, entry) -> bool:
        return entry.kind == Entry.Kind.GOAL

    def get_goal_completed(self, entry) -> bool:
        return entry.kind == Entry.Kind.GOAL and entry.completed_on is not None


class DoneFilterSerializer(serializers.Serializer):
    """The list's query parameters; a bad one is a 400 naming it."""

    team = serializers.SlugField(required=False, max_length=60)
    owner = serializers.RegexField(r"^[\w.-]{1,30}$", required=False)
    done_date = serializers.RegexField(
        r"^(today|\d{4}-\d{2}-\d{2})$",
        required=False,
        error_messages={"invalid": "Enter a date (YYYY-MM-DD) or today."},
    )
    done_date_after = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
    done_date_before = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
    tags = serializers.CharField(required=False, max_length=500)

    def validate_done_date(self, value):
        if value == "today":
            return value
        return serializers.DateField(input_formats=["%Y-%m-%d"]).to_internal_value(value)


class DoneCreateSerializer(serializers.Serializer):
    raw_text = serializers.CharField(max_length=5000)
    team = serializers.CharField(max_length=60)
    done_date = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
