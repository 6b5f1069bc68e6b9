"""Members, invitations and team settings: list, invite, change role, remove; name, visibility, carry-over."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.models import Invitation, Membership, OrganizationMembership, Team
from core.selectors.teams import (
    membership_for,
    org_members,
    org_membership_for,
    pending_invitations,
    team_members,
)
from core.services.invitations import invitation_create, invitation_resend
from core.services.teams import (
    can_admin_team,
    membership_remove,
    membership_role_set,
    org_role_set,
    organization_update,
    team_update,
)
from core.web.common import page_panels, posted, run_service
from core.web.forms import InviteForm, OrganizationForm, RoleForm, TeamSettingsForm


def _invitable_teams(user, team):
    return Team.objects.filter(organization=team.organization, is_personal=False, memberships__user=user)


@login_required
@require_http_methods(["GET", "POST"])
def members_view(request, team_hash):
    membership = membership_for(user=request.user, team_hash=team_hash)
    team = membership.team
    form = InviteForm(posted(request), teams_qs=_invitable_teams(request.user, team), initial={"teams": [team]})
    if request.method == "POST" and not team.is_personal and form.is_valid():
        invitation_create(
            organization=team.organization,
            teams=list(form.cleaned_data["teams"]),
            email=form.cleaned_data["email"],
            actor=request.user,
        )
        messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
        return redirect("team_members", team_hash=team.hash_id)
    context = {
        "team": team,
        "membership": membership,
        "is_admin": can_admin_team(user=request.user, team=team),
        "members": team_members(team=team),
        "invitations": pending_invitations(team=team),
        "form": form,
        "roles": Membership.Role.choices,
    }
    return render(request, "core/members.html", context)


@login_required
@require_POST
def member_role_view(request, team_hash, user_hash):
    team = membership_for(user=request.user, team_hash=team_hash).team
    target = get_object_or_404(Membership.objects.select_related("team"), team=team, user__hash_id=user_hash)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role.")
        return redirect("team_members", team_hash=team.hash_id)
    run_service(
        request, lambda: membership_role_set(membership=target, actor=request.user, role=form.cleaned_data["role"])
    )
    return redirect("team_members", team_hash=team.hash_id)


@login_required
@require_POST
def member_remove_view(request, team_hash, user_hash):
    team = membership_for(user=request.user, team_hash=team_hash).team
    target = get_object_or_404(Membership.objects.select_related("team"), team=team, user__hash_id=user_hash)
    if (
        run_service(request, lambda: membership_remove(membership=target, actor=request.user))
        and target.user == request.user
    ):
        return redirect("home")
    return redirect("team_members", team_hash=team.hash_id)


@login_required
@require_POST
def invitation_resend_view(request, team_hash, invitation_id):
    team = membership_for(user=request.user, team_hash=team_hash).team
    invitation = get_object_or_404(Invitation, pk=invitation_id, teams=team)
    if run_service(request, lambda: invitation_resend(invitation=invitation, actor=request.user)):
        messages.success(request, f"Invitation sent again to {invitation.email}.")
    return redirect("team_members", team_hash=team.hash_id)


@login_required
@require_http_methods(["GET", "POST"])
def team_settings_view(request, team_hash):
    team = membership_for(user=request.user, team_hash=team_hash).team
    org_membership = org_membership_for(user=request.user, team=team)
    action = request.POST.get("action", "team")
    initial = {
        "name": team.name,
        "visibility": team.visibility,
        "carry_over_goals": team.carry_over_goals,
        "reminder_prompt": team.reminder_prompt,
    }
    form = TeamSettingsForm(posted(request) if action == "team" else None, initial=initial)
    org_initial = {"name": team.organization.name, "auto_join_domain": team.organization.auto_join_domain}
    org_form = OrganizationForm(posted(request) if action == "organization" else None, initial=org_initial)
    bound = form if action == "team" else org_form
    if request.method == "POST" and bound.is_valid():
        data = bound.cleaned_data
        if action == "team":
            done = run_service(request, lambda: team_update(team=team, actor=request.user, **data))
        else:
            done = run_service(
                request, lambda: organization_update(organization=team.organization, actor=request.user, **data)
            )
        if done:
            messages.success(request, "Saved.")
            return redirect("team_settings", team_hash=team.hash_id)
    context = {
        "team": team,
        "form": form,
        "org_form": org_form,
        "is_admin": can_admin_team(user=request.user, team=team),
        "is_org_admin": bool(org_membership and org_membership.is_admin),
        "org_members": org_members(organization=team.organization)
        if org_membership and org_membership.is_admin
        else [],
        "org_roles": OrganizationMembership.Role.choices,
    }
    context["panels"] = page_panels(request, "team_settings", team=team, is_admin=context["is_admin"])
    return render(request, "core/team_settings.html", context)


@login_required
@require_POST
def org_role_view(request, team_hash, user_hash):
    team = membership_for(user=request.user, team_hash=team_hash).team
    target = get_object_or_404(
        OrganizationMembership.objects.select_related("organization"),
        organization=team.organization,
        user__hash_id=user_hash,
    )
    role = request.POST.get("role", "")
    if role not in OrganizationMembership.Role.values:
        messages.error(request, "Choose a role.")
    elif run_service(request, lambda: org_role_set(org_membership=target, actor=request.user, role=role)):
        messages.success(request, "Saved.")
    return redirect("team_settings", team_hash=team.hash_id)
