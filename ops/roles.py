"""Who may do what in the portal: permission groups (roles) defined as code, plus the checks views use.

A role is a ``Group`` whose permissions are listed here. ``roles_sync`` creates the groups and adds
the listed permissions (it never removes one a superuser granted by hand); a data migration runs it
and so does every ``migrate`` (post_migrate), so a permission added below reaches its group on the
next release. Superuser-only actions are not permissions at all: they cannot be granted by mistake.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied

SUPPORT = "Support"
DEVELOPER = "Developer"
SUPERUSER = "superuser"  # pseudo-permission: only ``is_superuser`` passes

_SUPPORT_PERMISSIONS = [
    "ops.view_dashboard",
    "ops.view_dynos",
    "ops.view_heartbeat",
    "ops.view_auditrecord",
    "ops.view_database_budget",
    "core.view_user",
    "core.view_organization",
    "core.view_team",
    "core.view_membership",
    "core.view_entry",
    "core.view_delivery",
    "core.view_inboundmessage",
    "core.view_alternateemail",
    # Outgoing webhooks: each team's hooks (never their secrets) and every delivery attempt.
    "core.view_hook",
    "core.view_webhookdelivery",
    # Changes support makes for customers, each through the product's service (core/permissions.py):
    # profile and time zone, notification emails, API token revoke; email schedule, pause / resume,
    # unthrottle. Not roles, team settings, removals or staff flags.
    "core.change_user",
    "core.change_membership",
    "django_celery_beat.view_periodictask",
    "django_celery_beat.view_intervalschedule",
    "django_celery_beat.view_crontabschedule",
    "django_celery_results.view_taskresult",
    "django_celery_results.view_groupresult",
]

# The support tools (find, person, team and inbound pages, and the runbook's actions).
_SUPPORT_TOOLS = [
    "core.view_delivery",
    "core.view_inboundmessage",
    "core.view_invitation",
    "ops.resend_email",
    "ops.unlock_login",
    "ops.reparse_inbound",
    "ops.redeliver_webhook",
]

ROLES: dict[str, list[str]] = {
    SUPPORT: [*_SUPPORT_PERMISSIONS, *_SUPPORT_TOOLS],
    DEVELOPER: [
        *_SUPPORT_PERMISSIONS,
        *_SUPPORT_TOOLS,
        "ops.view_database",
        "ops.cancel_query",
        "ops.end_idle_session",
        "ops.change_formation",
        "ops.view_task_details",
        "ops.retry_task",
        "django_celery_beat.change_periodictask",
        # On call, developers also act as any team's admin (settings, roles, removing a member),
        # manage a person's other addresses and delete an entry. Staff flags stay superuser-only.
        "core.change_team",
        "core.delete_membership",
        "core.add_alternateemail",
        "core.delete_alternateemail",
        "core.delete_entry",
    ],
}


def roles_sync(*, apps=None) -> dict[str, list[str]]:
    """Create each role's group and add its listed permissions; return the codenames not found."""
    if apps is None:
        from django.apps import apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    missing: dict[str, list[str]] = {}
    for role, names in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = {tuple(name.split(".", 1)) for name in names}
        found = [
            p
            for p in Permission.objects.filter(codename__in={c for _, c in wanted}).select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
        group.permissions.add(*found)
        have = {(p.content_type.app_label, p.codename) for p in found}
        missing[role] = sorted(f"{a}.{c}" for a, c in wanted - have)
    return missing


def has_ops_permission(user, permission: str) -> bool:
    if not (user.is_active and user.is_staff):
        return False
    if permission == SUPERUSER:
        return user.is_superuser
    return user.has_perm(permission)


def ops_permission_required(permission: str):
    """Guard a portal view: 403 (not a hidden button) for staff without ``permission``."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_ops_permission(request.user, permission):
                raise PermissionDenied(f"needs {permission}")
            return view(request, *args, **kwargs)

        wrapper.ops_permission = permission
        return wrapper

    return decorator
