from django.contrib.auth import views as auth_views
from django.urls import path

from core.web import email_links, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("teams/new/", views.team_new, name="team_new"),
    path("t/<str:team_hash>/", views.team_day_view, name="team_day"),
    path("email/unsubscribe/<str:token>/", email_links.unsubscribe, name="email_unsubscribe"),
    path("email/daily/<str:token>/", email_links.daily_again, name="email_daily_again"),
]
