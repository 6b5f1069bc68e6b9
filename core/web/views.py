"""Home, sign-up, teams, invitations and email verification. Views are thin: validate, authorize,
call one service or selector, render or redirect."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.models import Team
from core.selectors.teams import invitation_for_code, invitation_state, teams_for_user, teams_to_join
from core.services.accounts import email_verify, user_signup
from core.services.invitations import invitation_accept, invitation_decline
from core.services.teams import team_create, team_join
from core.web.common import posted, safe_next
from core.web.forms import SignupForm, TeamForm

BACKEND = "core.auth_backends.UserBackend"


def home(request):
    if not request.user.is_authenticated:
        return render(request, "core/landing.html")
    team = teams_for_user(user=request.user).first()
    if team is None:
        return redirect("team_new")
    return redirect("team_day", team_hash=team.hash_id)


@require_http_methods(["GET", "POST"])
def signup(request):
    form = SignupForm(posted(request), initial={"email": request.GET.get("email", "")})
    if request.method == "POST" and form.is_valid():
        user = user_signup(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            full_name=form.cleaned_data["full_name"],
            time_zone=form.cleaned_data["time_zone"],
        )
        login(request, user, backend=BACKEND)
        return redirect(safe_next(request) or "team_new")
    return render(request, "registration/signup.html", {"form": form, "next": request.GET.get("next", "")})


@login_required
@require_http_methods(["GET", "POST"])
def team_new(request):
    form = TeamForm(posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        team = team_create(owner=request.user, **form.cleaned_data)
        return redirect("team_day", team_hash=team.hash_id)
    return render(request, "core/team_new.html", {"form": form})


@login_required
def teams(request):
    context = {"teams": teams_for_user(user=request.user), "joinable": teams_to_join(user=request.user)}
    return render(request, "core/teams.html", context)


@login_required
@require_POST
def team_join_view(request, team_hash):
    team = get_object_or_404(Team, hash_id=team_hash, organization__memberships__user=request.user)
    try:
        team_join(team=team, user=request.user)
    except PermissionDenied:
        messages.error(request, "That team is by invitation only.")
        return redirect("teams")
    return redirect("team_day", team_hash=team.hash_id)


@require_http_methods(["GET", "POST"])
def invitation(request, code):
    invitation = invitation_for_code(code=code)
    state = invitation_state(invitation)
    if request.method == "POST" and request.user.is_authenticated and state == "pending":
        if request.POST.get("action") == "decline":
            invitation_decline(invitation=invitation)
            messages.info(request, "Invitation declined.")
            return redirect("home")
        memberships = invitation_accept(invitation=invitation, user=request.user)
        messages.success(request, f"Welcome to {invitation.organization}!")
        return redirect("team_day", team_hash=memberships[0].team.hash_id)
    context = {"invitation": invitation, "state": state, "teams": invitation.teams.all()}
    return render(request, "core/invitation.html", context)


@require_POST
def invitation_decline_anonymous(request, code):
    """Someone without an account can say no too: the code in the link is the proof."""
    invitation = invitation_for_code(code=code)
    if invitation_state(invitation) == "pending":
        invitation_decline(invitation=invitation)
    messages.info(request, "Invitation declined.")
    return redirect("home")


def email_verify_view(request, token):
    try:
        user, email = email_verify(token=token)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{email} is verified.")
    return redirect("user_settings" if request.user.is_authenticated else "home")
