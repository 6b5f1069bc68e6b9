"""An organization's page: its teams and people, and a day and stats across the viewer's teams in it."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core.localtime import today_for
from core.selectors.organizations import (
    organization_day,
    organization_membership_for,
    organization_people,
    organization_stats,
    organization_teams,
)
from core.web.team_views import parse_day

STATS_DAYS = 30


@login_required
def organization_view(request, organization_hash):
    org_membership = organization_membership_for(user=request.user, organization_hash=organization_hash)
    organization = org_membership.organization
    today = today_for(request.user)
    day = parse_day(request, request.GET.get("date")) or today
    teams = organization_teams(organization=organization, viewer=request.user)
    context = {
        "organization": organization,
        "org_membership": org_membership,
        "teams": teams,
        "people": organization_people(organization=organization, teams=teams),
        "day": day,
        "today": today,
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
        "team_days": organization_day(teams=teams, day=day, viewer=request.user),
        "stats": organization_stats(teams=teams, days=STATS_DAYS, today=today),
        "stats_days": STATS_DAYS,
    }
    return render(request, "core/organization.html", context)
