"""Task history: django-celery-results' TaskResult admin, replaced so it stays fast at millions of rows.

What makes the stock page slow on a big table, and what this one does instead:
- two ``COUNT(*)`` per page → the planner's estimate (``pg_class.reltuples``) when unfiltered; when
  filtered an exact count up to ``EXACT_UP_TO`` rows, beyond that the planner's estimate for the
  filter (``EXPLAIN``); pages only up to ``MAX_ROWS`` rows (filter to go further);
- ``date_hierarchy`` and ``SELECT DISTINCT`` filter choices → fixed choices (states, registered tasks,
  schedules, workers from heartbeats) and time ranges;
- sorting anything → one ordering (newest first), served by the indexes of migration 0011;
- loading every column → the large ones (arguments, result, traceback) only on the detail page.
"""

import html
import re

from django.contrib import admin
from django.urls import path
from django.utils import timezone
from django.utils.safestring import mark_safe

from ops.admin.base import FilterErrorsExplained, SecretLookupsRefused
from ops.admin.paging import BoundedPaginator
from ops.admin.tasks import actions as task_actions
from ops.admin.tasks import columns, filters

UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)
LIST_FIELDS = ("id", "task_id", "task_name", "periodic_task_name", "status", "worker", "date_created",
               "date_started", "date_done", "meta")


def _when(value, zone=None) -> str:
    """``%m-%d %H:%M:%S`` in the page's time zone (formatted by hand: strftime was 150 calls a page)."""
    if not value:
        return "–"
    t = value.astimezone(zone or timezone.get_current_timezone())
    return f"{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"


TIMES = ("date_created", "date_started", "date_done")


def _shown(value) -> str:
    """A cell's text as ``lean_result_list`` shows it: escaped, "–" when empty."""
    return "–" if value is None or value == "" else html.escape(str(value))


DETAILS = ("task_args", "task_kwargs", "result", "traceback")  # shown with ops.view_task_details only


class TaskResultAdmin(FilterErrorsExplained, SecretLookupsRefused, admin.ModelAdmin):
    list_display = ("short_id", "task_name", "state", "worker", "received", "started", "done", "duration",
                    "retries")
    list_display_links = ("short_id",)
    list_filter = (filters.StateFilter, filters.TaskNameFilter, filters.PeriodicTaskFilter, filters.WorkerFilter,
                   filters.DoneWithinFilter)
    search_fields = ("task_id",)  # the real search is get_search_results
    search_help_text = "A task id (exact), or text in the arguments (last 7 days unless a date range is chosen)."
    ordering = ("-date_done", "-id")
    sortable_by = ()  # one ordering, newest first, which the indexes serve (a mixed ASC/DESC sort would not)
    paginator = BoundedPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    list_max_show_all = 0
    actions = (task_actions.retry_selected, task_actions.revoke_selected)
    change_form_template = "admin/ops/taskresult_change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).only(*LIST_FIELDS)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if UUID.match(term) or not request.user.has_perm("ops.view_task_details"):
            return queryset.filter(task_id=term), False
        return filters.arguments_containing(request, queryset, term), False

    def hidden_lookups(self, request) -> set[str]:
        return set() if request.user.has_perm("ops.view_task_details") else set(DETAILS)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/retry/", wrap(task_actions.retry_view), name="ops_task_retry"),
            path("<path:object_id>/revoke/", wrap(task_actions.revoke_view), name="ops_task_revoke"),
            *super().get_urls(),
        ]

    def get_fieldsets(self, request, obj=None):
        state = ("task_id", "task_name", "state", "worker", "queue", "retries", "periodic_task", "date_created",
                 "date_started", "date_done", "duration", "attempts")
        if not request.user.has_perm("ops.view_task_details"):
            return [(None, {"fields": state})]
        details = ("arguments", "keyword_arguments", "result_json", "traceback_text")
        return [(None, {"fields": state}), ("Arguments, result, traceback", {"fields": details})]

    def get_readonly_fields(self, request, obj=None):
        return [f for _, options in self.get_fieldsets(request, obj) for f in options["fields"]]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        can = {"retry": self.has_retry_permission(request)}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "can": can})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # retention deletes, in batches

    def has_retry_permission(self, request):
        return request.user.has_perm("ops.retry_task")

    # --- columns (plain string formatting: the admin's per-cell machinery is the page's main cost) --
    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle" aria-label="Select all">'))
    def action_checkbox(self, obj):
        # The primary key is an integer: nothing to escape (and 50 format_html calls a page saved).
        return mark_safe(f'<input type="checkbox" name="_selected_action" value="{int(obj.pk)}" '
                         'class="action-select" aria-label="Select this task">')

    def prepare_lean_rows(self, rows):
        """Once per page (``lean_result_list``): the three times of every row in the page's time zone,
        looked up once rather than 150 times."""
        zone = timezone.get_current_timezone()
        for obj in rows:
            obj.shown_times = tuple(_when(getattr(obj, name), zone) for name in TIMES)

    ROW = ("action_checkbox", "short_id", "task_name", "state", "worker", "received", "started", "done", "duration",
           "retries")

    def lean_row(self, obj, link: str, names: list, links: set) -> str | None:
        """A row as ``lean_result_list`` renders it cell by cell, in one format (50 rows a page, ten cells
        each: the cell-by-cell path was a fifth of the page's Python time). Only for this page's own
        columns (with or without the checkbox, which comes with the actions); None otherwise.
        ``tests/ops/test_task_history.py`` checks both give the same markup."""
        layout = tuple(names)
        if layout not in (self.ROW, self.ROW[1:]) or set(links) != {"short_id"}:
            return None
        received, started, done = getattr(obj, "shown_times", None) or tuple(_when(getattr(obj, n)) for n in TIMES)
        checkbox = (f'<td class="action-checkbox"><input type="checkbox" name="_selected_action" value="{int(obj.pk)}" '
                    'class="action-select" aria-label="Select this task"></td>') if layout == self.ROW else ""
        return (
            f'<tr>{checkbox}<th class="field-short_id"><a href="{link}">{_shown(self.short_id(obj))}</a></th>'
            f'<td class="field-task_name">{_shown(obj.task_name)}</td>'
            f'<td class="field-state">{columns.state_badge(obj.status)}</td>'
            f'<td class="field-worker">{_shown(obj.worker)}</td>'
            f'<td class="field-received">{received}</td><td class="field-started">{started}</td>'
            f'<td class="field-done">{done}</td><td class="field-duration">{_shown(self.duration(obj))}</td>'
            f'<td class="field-retries">{_shown(columns.task_meta(obj).get("retries", "–"))}</td></tr>'
        )

    def _time(self, obj, index: int) -> str:
        shown = getattr(obj, "shown_times", None)
        return shown[index] if shown else _when(getattr(obj, TIMES[index]))

    @admin.display(description="received")
    def received(self, obj):
        return self._time(obj, 0)

    @admin.display(description="started")
    def started(self, obj):
        return self._time(obj, 1)

    @admin.display(description="done")
    def done(self, obj):
        return self._time(obj, 2)

    @admin.display(description="task id")
    def short_id(self, obj):
        return obj.task_id[:8] + "…"

    @admin.display(description="state")
    def state(self, obj):
        return columns.state_badge(obj.status)

    @admin.display(description="duration")
    def duration(self, obj):
        if not obj.date_started or obj.status not in ("SUCCESS", "FAILURE"):
            return "–"
        return f"{(obj.date_done - obj.date_started).total_seconds():.2f} s"

    periodic_task = columns.periodic_task_link
    attempts = columns.attempts
    arguments = columns.arguments
    keyword_arguments = columns.keyword_arguments
    result_json = columns.result_json
    traceback_text = columns.traceback_text
    retries = columns.retries
    queue = columns.queue
