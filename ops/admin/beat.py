"""Beat schedules: django-celery-beat's PeriodicTask admin, extended with next run, last result,
beat's liveness, and audited run-now / pause / resume. Code-defined schedules are read-only here."""

from django import forms
from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django_celery_beat.admin import PeriodicTaskAdmin as StockPeriodicTaskAdmin
from django_celery_results.models import TaskResult

from ops.admin.base import AuditedModelAdmin
from ops.admin.tasks.columns import sent_message, state_badge
from ops.selectors.schedules import beat_status, is_from_code, is_overdue, next_run, schedule_in_words
from ops.services.schedules import schedule_run_now, schedules_set_enabled


class PeriodicTaskAdmin(AuditedModelAdmin, StockPeriodicTaskAdmin):
    # Form edits (add, change, delete) reach the audit log through ``AuditedModelAdmin``; actions through services.
    list_display = ("name", "task", "schedule_words", "next_run_at", "last_run_at", "last_result", "enabled",
                    "origin")
    list_filter = ("enabled", "one_off")
    date_hierarchy = None
    actions = ("run_now", "pause", "resume")
    change_list_template = "admin/django_celery_beat/periodictask/ops_change_list.html"

    def get_queryset(self, request):
        newest = TaskResult.objects.filter(periodic_task_name=OuterRef("name")).order_by("-date_done", "-id")
        return super().get_queryset(request).annotate(
            last_task_pk=Subquery(newest.values("pk")[:1]),
            last_task_status=Subquery(newest.values("status")[:1]),
        )

    def changelist_view(self, request, extra_context=None):
        context = {"beat": beat_status(), **(extra_context or {})}
        return super().changelist_view(request, context)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and is_from_code(obj):
            # Defined in scheduled/schedules.py and rewritten on every release: only `enabled` is ours.
            return [f.name for f in obj._meta.fields if f.name != "enabled"] + ["crontab_translation"]
        return super().get_readonly_fields(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not is_from_code(obj):
            return fieldsets
        return [(title, {**options, "fields": [f for f in options["fields"] if f != "regtask"]})
                for title, options in fieldsets]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and is_from_code(obj):
            # The stock form insists on a task name it may not edit here; only `enabled` is a field.
            kwargs["form"] = forms.ModelForm
            kwargs["fields"] = ["enabled"]
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        if change and is_from_code(obj):
            # Only `enabled` is a field here: pausing or resuming is the schedules service's, as from the list.
            if "enabled" in form.changed_data:
                schedules_set_enabled(actor=request.user, names=[obj.name], enabled=obj.enabled)
            return
        super().save_model(request, obj, form, change)  # a portal-defined schedule: no service defines them

    def has_delete_permission(self, request, obj=None):
        if obj is not None and is_from_code(obj):
            return False
        return super().has_delete_permission(request, obj)

    def has_run_permission(self, request):
        return request.user.has_perm("ops.retry_task")

    @admin.display(description="schedule")
    def schedule_words(self, obj):
        return schedule_in_words(obj)

    @admin.display(description="next run")
    def next_run_at(self, obj):
        when = next_run(obj)
        if isinstance(when, str):
            return when
        shown = timezone.localtime(when).strftime("%Y-%m-%d %H:%M:%S %Z")
        if is_overdue(when):  # due and not sent: beat is down or behind
            return format_html('{} <span class="ops-badge gone" data-overdue>overdue</span>', shown)
        return shown

    @admin.display(description="last result")
    def last_result(self, obj):
        if not obj.last_task_pk:
            return "–"
        url = reverse("admin:django_celery_results_taskresult_change", args=[obj.last_task_pk])
        return format_html('<a href="{}">{}</a>', url, state_badge(obj.last_task_status))

    @admin.display(description="defined in")
    def origin(self, obj):
        return "code" if is_from_code(obj) else "portal"

    @admin.action(description="Run selected schedules now", permissions=["run"])
    def run_now(self, request, queryset):
        for task in queryset[:20]:
            new_id = schedule_run_now(actor=request.user, periodic_task=task)
            self.message_user(request, sent_message(task.task, new_id))

    @admin.action(description="Pause selected schedules", permissions=["change"])
    def pause(self, request, queryset):
        changed = schedules_set_enabled(actor=request.user, names=list(queryset.values_list("name", flat=True)),
                                        enabled=False)
        self.message_user(request, f"{changed} schedule(s) paused; beat picks this up on its next tick.")

    @admin.action(description="Resume selected schedules", permissions=["change"])
    def resume(self, request, queryset):
        changed = schedules_set_enabled(actor=request.user, names=list(queryset.values_list("name", flat=True)),
                                        enabled=True)
        self.message_user(request, f"{changed} schedule(s) resumed.", messages.SUCCESS)
