"""A team's pages: day, calendar, person, tag, search, stats, export."""

import csv
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from core.localtime import today_for
from core.models import Membership
from core.selectors import entries as entry_selectors
from core.selectors.day_sections import day_sections
from core.selectors.insights import EXPORT_COLUMNS, entry_search, export_rows, team_stats
from core.selectors.teams import membership_for
from core.services.entries import entries_create_from_lines
from core.web.charts import stacked_columns
from core.web.common import posted
from core.web.day_page import day_page_html, sections_html
from core.web.forms import EntryForm, ExportForm, blank_entry_form_fields, entry_form_fields

STATS_PERIODS = (7, 30, 90)
# Pages go a day or a month either way, so the very first and last dates Python knows stay out of reach.
_IN_RANGE = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))


def parse_day(request, value: str | None) -> dt.date | None:
    """A YYYY-MM-DD from the query string; a bad one is reported and ignored rather than a 500."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not _IN_RANGE[0] <= day <= _IN_RANGE[1]:
        messages.error(request, f"“{value[:20]}” is not a date we can show (YYYY-MM-DD); showing today.")
        return None
    return day


@login_required
@require_http_methods(["GET", "POST"])
def team_day_view(request, team_hash):
    today = today_for(request.user)
    day = parse_day(request, request.GET.get("date")) or today
    page = day_sections(team_hash=team_hash, day=day, viewer=request.user)
    # A GET's blank form is made only if the page's frame is rendered (day_page_html).
    form = EntryForm(posted(request), initial={"occurred_on": day}) if request.method == "POST" else None
    if form is not None and form.is_valid():
        on = form.cleaned_data["occurred_on"] or day
        try:
            entries_create_from_lines(
                author=request.user, team=page.team, text=form.cleaned_data["text"], occurred_on=on
            )
        except ValueError as error:
            form.add_error("text", str(error))
        else:
            return redirect(f"{request.path}?date={on.isoformat()}")
    sections = sections_html(page=page, request=request, day=day, today=today)
    # A blank form is the same for everyone on this day: its HTML is made once (blank_entry_form_fields).
    fields = entry_form_fields(form) if form is not None else blank_entry_form_fields(day)
    html = day_page_html(request=request, page=page, day=day, today=today, form=form, fields=fields, sections=sections)
    return HttpResponse(html)


@login_required
def team_calendar_view(request, team_hash):
    team = membership_for(user=request.user, team_hash=team_hash).team
    today = today_for(request.user)
    raw = request.GET.get("month")
    month = _month_from(raw)
    if raw and month is None:
        messages.error(request, "That is not a month (YYYY-MM); showing this month.")
    month = month or today.replace(day=1)
    context = {
        "team": team,
        "month": month,
        "weeks": entry_selectors.team_calendar(team=team, month=month),
        "today": today,
        "previous": (month - dt.timedelta(days=1)).replace(day=1),
        "next": (month + dt.timedelta(days=32)).replace(day=1),
    }
    return render(request, "core/team_calendar.html", context)


def _month_from(value: str | None) -> dt.date | None:
    try:
        month = dt.datetime.strptime(value, "%Y-%m").date() if value else None
    except ValueError:
        return None
    return month if month and _IN_RANGE[0] <= month <= _IN_RANGE[1] else None


@login_required
def person_view(request, team_hash, user_hash):
    team = membership_for(user=request.user, team_hash=team_hash).team
    member = get_object_or_404(Membership.objects.select_related("user"), team=team, user__hash_id=user_hash).user
    entries = entry_selectors.person_entries(team=team, author=member, viewer=request.user)
    page = entry_selectors.entries_page(queryset=entries, page=request.GET.get("page"))
    return render(request, "core/person.html", {"team": team, "person": member, "page": page})


@login_required
def tag_view(request, team_hash, tag):
    team = membership_for(user=request.user, team_hash=team_hash).team
    entries = entry_selectors.tag_entries(team=team, tag=tag, viewer=request.user)
    page = entry_selectors.entries_page(queryset=entries, page=request.GET.get("page"))
    return render(request, "core/tag.html", {"team": team, "tag": tag.lower(), "page": page})


@login_required
def search_view(request, team_hash):
    team = membership_for(user=request.user, team_hash=team_hash).team
    query = request.GET.get("q", "")
    results = entry_search(team=team, query=query, viewer=request.user)
    return render(request, "core/search.html", {"team": team, "query": query, "results": results})


@login_required
def stats_view(request, team_hash):
    team = membership_for(user=request.user, team_hash=team_hash).team
    days = int(request.GET.get("days", 30)) if request.GET.get("days", "30").isdigit() else 30
    days = days if days in STATS_PERIODS else 30
    stats = team_stats(team=team, days=days, today=today_for(request.user))
    context = {"team": team, "stats": stats, "period": days, "periods": STATS_PERIODS}
    return render(
        request, "core/stats.html", {**context, "columns": stacked_columns(stats["days"]), "chart_width": days * 10}
    )


class _Echo:
    """csv.writer writes into this and gets the line back, so rows stream without a buffer."""

    def write(self, value):
        return value


@login_required
def export_view(request, team_hash):
    team = membership_for(user=request.user, team_hash=team_hash).team
    form = ExportForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        return HttpResponseBadRequest(f"Bad export range: {errors}", content_type="text/plain")
    end = form.cleaned_data["end"] or today_for(request.user)
    start = form.cleaned_data["start"] or dt.date(2000, 1, 1)
    writer = csv.writer(_Echo())
    rows = (writer.writerow(row) for row in _with_header(export_rows(team=team, start=start, end=end)))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{team.slug}-{start}-{end}.csv"'
    return response


def _with_header(rows):
    yield EXPORT_COLUMNS
    yield from rows
