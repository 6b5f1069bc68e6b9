"""Workers and queues, per-task statistics, and purging a queue (typed confirmation)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from ops.admin.charts import line_chart
from ops.admin.confirm import admin_render
from ops.roles import SUPERUSER, has_ops_permission
from ops.selectors.celery import known_queues, worker_overview
from ops.selectors.samples import sample_series
from ops.selectors.task_stats import task_stats
from ops.selectors.tasks import queue_depths
from ops.services.tasks import queue_purge


def celery_page(request):
    workers, inspect_error = worker_overview(fresh=request.GET.get("refresh") == "1")
    queues = known_queues() + [q for q in request.GET.getlist("queue") if q]
    try:
        depths, broker_error = queue_depths(list(dict.fromkeys(queues))), ""
    except Exception as error:  # the broker is down: say so, keep the rest of the page
        depths, broker_error = {}, f"{type(error).__name__}: {error}"
    charts = [line_chart("Queue depth (messages waiting)", sample_series("queue.depth")),
              line_chart("Tasks failed per minute", sample_series("tasks.failed"))]
    return admin_render(request, "admin/ops/celery.html", {
        "title": "Workers and queues", "workers": workers, "inspect_error": inspect_error, "depths": depths,
        "broker_error": broker_error, "charts": charts, "can_purge": has_ops_permission(request.user, SUPERUSER),
        "can_revoke": has_ops_permission(request.user, "ops.retry_task"),
    })


def task_stats_page(request):
    charts = [line_chart("Tasks succeeded per minute", sample_series("tasks.succeeded")),
              line_chart("Tasks failed per minute", sample_series("tasks.failed"))]
    return admin_render(request, "admin/ops/task_stats.html", {
        "title": "Tasks in the last 24 hours", "stats": task_stats(), "charts": charts,
    })


class PurgeForm(forms.Form):
    queue = forms.RegexField(regex=r"^[\w.:@-]{1,200}$")
    typed = forms.CharField(label="Type the queue's name to confirm", required=False)

    def clean(self):
        data = super().clean()
        if data.get("queue") and data.get("typed") != data["queue"]:
            raise forms.ValidationError("The typed name does not match the queue: nothing was purged.")
        return data


def queue_purge_view(request):
    form = PurgeForm(request.POST or None, initial={"queue": request.GET.get("queue", "")})
    if request.method == "POST" and form.is_valid():
        try:
            removed = queue_purge(actor=request.user, queue=form.cleaned_data["queue"])
        except Exception as error:  # recorded by the audit log as failed
            messages.error(request, f"Purge failed: {error}")
        else:
            messages.success(request, f"Queue {form.cleaned_data['queue']} purged: {removed} message(s) deleted.")
        return redirect(reverse("admin:ops_celery"))
    queue = request.POST.get("queue") or request.GET.get("queue")
    return admin_render(request, "admin/ops/purge.html", {"title": "Purge a queue", "form": form, "queue": queue})
