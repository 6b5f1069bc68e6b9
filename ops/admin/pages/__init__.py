"""The portal's own pages, each listed once in ``PAGES`` with the permission that guards it.

``OpsAdminSite.get_urls`` mounts every entry under ``/admin/ops/`` through ``admin_view`` (staff
login) and ``ops_permission_required`` (403 without the permission). A new page is a view in the
module of its subject and a ``Page`` here (and, for an action, a service wrapped in ``audited``).
"""

from collections.abc import Callable
from dataclasses import dataclass

from ops.admin.pages import celery, database, dynos, maintenance, support, webhooks
from ops.admin.tasks import actions as task_actions
from ops.roles import SUPERUSER


@dataclass(frozen=True)
class Page:
    path: str
    view: Callable
    name: str
    permission: str
    title: str = ""  # shown in the dashboard's list of pages when set


PAGES = [
    Page("dynos/", dynos.dynos_page, "ops_dynos", "ops.view_dynos", "Dynos"),
    Page("database/", database.database_page, "ops_database", "ops.view_database_budget", "Database"),
    Page("maintenance/", maintenance.maintenance_page, "ops_maintenance", SUPERUSER, "Maintenance mode"),
    Page("dynos/formation/", dynos.formation_edit, "ops_formation", "ops.change_formation"),
    Page("dynos/heroku/restart/", dynos.heroku_restart_dyno, "ops_heroku_restart", SUPERUSER),
    Page("dynos/heroku/restart-type/", dynos.heroku_restart_type, "ops_heroku_restart_type", SUPERUSER),
    Page("dynos/heroku/scale/", dynos.heroku_scale_type, "ops_heroku_scale", SUPERUSER),
    Page("dynos/heroku/maintenance/", maintenance.heroku_maintenance, "ops_heroku_maintenance", SUPERUSER),
    Page("database/cancel/", database.database_cancel, "ops_database_cancel", "ops.cancel_query"),
    Page("database/end-idle-session/", database.database_end_idle_session, "ops_database_end_idle_session",
         "ops.end_idle_session"),
    Page("database/terminate/", database.database_terminate, "ops_database_terminate", SUPERUSER),
    Page("maintenance/set/", maintenance.maintenance_toggle, "ops_maintenance_set", SUPERUSER),
    Page("celery/", celery.celery_page, "ops_celery", "django_celery_results.view_taskresult",
         "Workers and queues"),
    Page("celery/purge/", celery.queue_purge_view, "ops_queue_purge", SUPERUSER),
    Page("celery/revoke/", task_actions.revoke_by_id_view, "ops_task_revoke_by_id", "ops.retry_task"),
    Page("tasks/stats/", celery.task_stats_page, "ops_task_stats", "django_celery_results.view_taskresult",
         "Tasks in the last 24 hours"),
    # Support tools: find, a person, a team, an inbound email, and the runbook's actions.
    Page("find/", support.find_page, "ops_find", "core.view_user"),
    Page("people/<str:hash_id>/", support.person_page, "ops_person", "core.view_user"),
    Page("teams/<str:hash_id>/", support.team_page, "ops_team", "core.view_team"),
    Page("inbound/<int:pk>/", support.inbound_page, "ops_inbound", "core.view_inboundmessage"),
    Page("support/resend/", support.resend_view, "ops_support_resend", "ops.resend_email"),
    Page("support/emails/", support.emails_change_view, "ops_support_emails", "core.change_membership"),
    Page("support/invitation/", support.invitation_resend_view, "ops_support_invitation", "ops.resend_email"),
    Page("support/password-reset/", support.password_reset_view, "ops_support_password_reset", "ops.resend_email"),
    Page("support/unlock/", support.unlock_view, "ops_support_unlock", "ops.unlock_login"),
    Page("support/reprocess/", support.reprocess_view, "ops_support_reprocess", "ops.reparse_inbound"),
    Page("webhooks/<int:pk>/", webhooks.webhook_delivery_page, "ops_webhook_delivery", "core.view_webhookdelivery"),
    Page("support/redeliver-webhook/", webhooks.redeliver_view, "ops_support_redeliver_webhook",
         "ops.redeliver_webhook"),
]
