"""Bases the portal's model pages share.

``ReadOnlyAdmin``: history nobody edits, on tables that may be big.

``AuditedModelAdmin``: edits made through the admin's own forms go to the ops audit log too, beside
Django's LogEntry. Only what changed is recorded (the admin's change message: field names, never
their values), so a password or token edited in a form never reaches the log.
"""

import json

from django.contrib import admin

from ops.services.audit import audit_record

DELETIONS_NAMED = 20  # a bulk delete names this many objects and counts the rest


def _target(obj) -> str:
    return f"{obj._meta.verbose_name} {obj.pk}: {obj}"


def _message(message) -> object:
    if isinstance(message, str):
        try:
            return json.loads(message)
        except ValueError:
            return message
    return message


class AuditedModelAdmin:
    """Mixin for a ``ModelAdmin`` (before ``admin.ModelAdmin`` in the bases)."""

    def _action(self, verb: str) -> str:
        return f"{self.model._meta.app_label}.{self.model._meta.model_name}.{verb}"

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        audit_record(actor=request.user, action=self._action("add"), target=_target(obj),
                     parameters={"change": _message(message)})
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        audit_record(actor=request.user, action=self._action("change"), target=_target(obj),
                     parameters={"change": _message(message)})
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        objects = list(queryset[: DELETIONS_NAMED + 1])
        named = [_target(obj) for obj in objects[:DELETIONS_NAMED]]
        target = named[0] if len(objects) == 1 else f"{queryset.count()} {self.model._meta.verbose_name_plural}"
        audit_record(actor=request.user, action=self._action("delete"), target=target, parameters={"objects": named})
        return entries


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False  # big tables: never count them whole

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
