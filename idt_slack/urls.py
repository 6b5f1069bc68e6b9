"""Slack's endpoints under /slack/ (answered as JSON, 503 JSON in maintenance); people's pages under
/integrations/slack/ (ordinary pages, the maintenance page in maintenance)."""

from django.urls import path

from idt_slack.web import commands, views

urlpatterns = [
    path("slack/commands", commands.commands_view, name="slack_commands"),
    path("slack/commands/", commands.commands_view),
    path("integrations/slack/t/<str:team_hash>/connect/", views.install_start_view, name="slack_install"),
    path("integrations/slack/t/<str:team_hash>/channel/", views.channel_view, name="slack_channel"),
    path("integrations/slack/t/<str:team_hash>/digest/", views.digest_view, name="slack_digest"),
    path("integrations/slack/t/<str:team_hash>/disconnect/", views.disconnect_view, name="slack_disconnect"),
    path("integrations/slack/link/", views.link_start_view, name="slack_link"),
    path("integrations/slack/oauth/callback/", views.oauth_callback_view, name="slack_oauth_callback"),
    path("integrations/slack/links/<int:member_id>/unlink/", views.unlink_view, name="slack_unlink"),
    path("integrations/slack/links/<int:member_id>/default-team/", views.default_team_view, name="slack_default_team"),
]
