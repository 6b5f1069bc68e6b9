"""The task pages' columns and detail fields (state badge, pretty JSON, traceback, attempts) and the
link to one task in the history."""

import html
import json

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django_celery_results.models import TaskResult

from ops.runtime.task_arguments import stored_json, task_meta
from ops.selectors.tasks import retry_links

BADGE = {"SUCCESS": "ops-green", "FAILURE": "ops-red", "RETRY": "ops-amber", "REVOKED": "ops-grey",
         "STARTED": "ops-amber"}


def state_badge(status: str):
    # One per row on the history page: plain escaping (what format_html does, minus its lazy wrapper).
    shown = html.escape(str(status))
    return mark_safe(f'<span class="ops-badge {BADGE.get(status, "ops-grey")}" data-state="{shown}">{shown}</span>')


def task_history_url(task_id: str) -> str:
    """The task history filtered to one task id: where a task just sent can be followed."""
    return reverse("admin:django_celery_results_taskresult_changelist") + f"?q={task_id}"


def sent_message(task_name: str, task_id: str):
    return format_html('Sent {} as <a href="{}" data-new-task="{}">{}</a>.', task_name, task_history_url(task_id),
                       task_id, task_id)


@admin.display(description="retries")
def retries(self, obj):
    return task_meta(obj).get("retries", "–")


@admin.display(description="queue")
def queue(self, obj):
    return task_meta(obj).get("queue") or "–"


def _pretty(stored: str | None):
    if stored in (None, ""):
        return "–"
    try:
        text = json.dumps(stored_json(stored), indent=2, ensure_ascii=False, sort_keys=True)
    except ValueError:
        text = stored  # a repr from before exact arguments: shown as stored
    return format_html('<pre class="ops-pre">{}</pre>', text)


@admin.display(description="arguments")
def arguments(self, obj):
    return _pretty(obj.task_args)


@admin.display(description="keyword arguments")
def keyword_arguments(self, obj):
    return _pretty(obj.task_kwargs)


@admin.display(description="result")
def result_json(self, obj):
    return _pretty(obj.result)


@admin.display(description="traceback")
def traceback_text(self, obj):
    return format_html('<pre class="ops-pre" id="traceback">{}</pre>', obj.traceback) if obj.traceback else "–"


@admin.display(description="sent by schedule")
def periodic_task_link(self, obj):
    from django_celery_beat.models import PeriodicTask

    if not obj.periodic_task_name:
        return "–"
    schedule = PeriodicTask.objects.filter(name=obj.periodic_task_name).only("pk").first()
    if schedule is None:
        return obj.periodic_task_name
    url = reverse("admin:django_celery_beat_periodictask_change", args=[schedule.pk])
    return format_html('<a href="{}">{}</a>', url, obj.periodic_task_name)


def _result_link(task_id: str, label: str = ""):
    found = TaskResult.objects.filter(task_id=task_id).only("pk", "status").first()
    if found is None:
        return format_html('<span data-attempt="{}">{}</span> (no result stored yet)', task_id, label or task_id)
    url = reverse("admin:django_celery_results_taskresult_change", args=[found.pk])
    return format_html('<a href="{}" data-attempt="{}">{}</a> {}', url, task_id, label or task_id,
                       state_badge(found.status))


@admin.display(description="other attempts")
def attempts(self, obj):
    links = retry_links(obj.task_id)
    lines = []
    if links["retry_of"]:
        lines.append(format_html("retry of {}", _result_link(links["retry_of"])))
    for new_id, record in links["retried_as"]:
        lines.append(format_html("retried as {} by {} at {}", _result_link(new_id), record.actor_label,
                                 f"{record.created_at:%Y-%m-%d %H:%M:%S}"))
    if not lines:
        return "–"
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((line,) for line in lines)))
