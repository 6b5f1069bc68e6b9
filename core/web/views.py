"""The web app's pages. Views are thin: validate, authorize, call one service or selector, render."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.localtime import today_for
from core.selectors.teams import team_day, team_for_member, teams_for_user
from core.services.accounts import user_signup
from core.services.entries import entry_create
from core.services.teams import team_create
from core.web.forms import EntryForm, SignupForm, TeamForm


def home(request):
    if not request.user.is_authenticated:
        return render(request, "core/landing.html")
    team = teams_for_user(user=request.user).first()
    if team is None:
        return redirect("team_new")
    return redirect("team_day", team_hash=team.hash_id)


@require_http_methods(["GET", "POST"])
def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_signup(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            full_name=form.cleaned_data["full_name"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("team_new")
    return render(request, "registration/signup.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def team_new(request):
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        team = team_create(owner=request.user, name=form.cleaned_data["name"])
        return redirect("team_day", team_hash=team.hash_id)
    return render(request, "core/team_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def team_day_view(request, team_hash):
    team = team_for_member(user=request.user, team_hash=team_hash)
    day = _day_from(request.GET.get("date")) or today_for(request.user)
    form = EntryForm(request.POST or None, initial={"occurred_on": day})
    if request.method == "POST" and form.is_valid():
        on = form.cleaned_data["occurred_on"] or day
        try:
            entry_create(author=request.user, team=team, text=form.cleaned_data["text"], occurred_on=on)
        except ValueError as error:
            form.add_error("text", str(error))
        else:
            messages.success(request, "Posted.")
            return redirect(f"{request.path}?date={on.isoformat()}")
    context = {
        "team": team,
        "day": day,
        "members": team_day(team=team, day=day),
        "form": form,
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
    }
    return render(request, "core/team_day.html", context)


def _day_from(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
