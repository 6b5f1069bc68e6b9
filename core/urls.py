from django.contrib.auth import views as auth_views
from django.urls import include, path

from core.web import account_views, entry_views, member_views, team_views, views
from core.web.forms import ThrottledAuthenticationForm

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/signup/", views.signup, name="signup"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/verify/<str:token>/", views.email_verify_view, name="email_verify"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("teams/", views.teams, name="teams"),
    path("teams/new/", views.team_new, name="team_new"),
    path("teams/<str:team_hash>/join/", views.team_join_view, name="team_join"),
    path("invitations/<str:code>/", views.invitation, name="invitation"),
    path("invitations/<str:code>/decline/", views.invitation_decline_anonymous, name="invitation_decline"),
    path("t/<str:team_hash>/", team_views.team_day_view, name="team_day"),
    path("t/<str:team_hash>/calendar/", team_views.team_calendar_view, name="team_calendar"),
    path("t/<str:team_hash>/u/<str:user_hash>/", team_views.person_view, name="person"),
    path("t/<str:team_hash>/tags/<str:tag>/", team_views.tag_view, name="tag"),
    path("t/<str:team_hash>/search/", team_views.search_view, name="search"),
    path("t/<str:team_hash>/stats/", team_views.stats_view, name="stats"),
    path("t/<str:team_hash>/export.csv", team_views.export_view, name="export"),
    path("t/<str:team_hash>/members/", member_views.members_view, name="team_members"),
    path("t/<str:team_hash>/members/<str:user_hash>/role/", member_views.member_role_view, name="member_role"),
    path("t/<str:team_hash>/members/<str:user_hash>/remove/", member_views.member_remove_view, name="member_remove"),
    path(
        "t/<str:team_hash>/invitations/<int:invitation_id>/resend/",
        member_views.invitation_resend_view,
        name="invitation_resend",
    ),
    path("t/<str:team_hash>/settings/", member_views.team_settings_view, name="team_settings"),
    path("t/<str:team_hash>/organization/<str:user_hash>/role/", member_views.org_role_view, name="org_role"),
    path("e/<str:entry_hash>/", entry_views.entry_view, name="entry"),
    path("e/<str:entry_hash>/edit/", entry_views.entry_edit_view, name="entry_edit"),
    path("e/<str:entry_hash>/delete/", entry_views.entry_delete_view, name="entry_delete"),
    path("e/<str:entry_hash>/done/", entry_views.goal_done_view, name="goal_done"),
    path("e/<str:entry_hash>/reopen/", entry_views.goal_reopen_view, name="goal_reopen"),
    path("e/<str:entry_hash>/archive/", entry_views.entry_archive_view, name="entry_archive"),
    path("e/<str:entry_hash>/like/", entry_views.entry_like_view, name="entry_like"),
    path("e/<str:entry_hash>/comments/", entry_views.comment_create_view, name="comment_create"),
    path("c/<str:comment_hash>/edit/", entry_views.comment_edit_view, name="comment_edit"),
    path("c/<str:comment_hash>/delete/", entry_views.comment_delete_view, name="comment_delete"),
    path("c/<str:comment_hash>/like/", entry_views.comment_like_view, name="comment_like"),
    path("u/settings/", account_views.user_settings_view, name="user_settings"),
    path("notifications/", account_views.notifications_view, name="notifications"),
    path("notifications/read/", account_views.notifications_read_view, name="notifications_read"),
]
