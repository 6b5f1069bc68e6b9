"""Who may change whose data: the person themself, team admins, and portal staff holding a permission.

Staff act through the same services as the product; the Django permission their role grants stands
in for "is this person" or "is a team admin". Core only checks; the portal records what staff did.
"""

from django.core.exceptions import PermissionDenied

# The Django permission that lets portal staff make each kind of change.
CHANGE_PROFILE = "core.change_user"  # name, nickname, time zone, notification prefs, API token reset
CHANGE_EMAILS = "core.change_membership"  # email schedule, pause / resume, unthrottle
ADD_ADDRESS = "core.add_alternateemail"
REMOVE_ADDRESS = "core.delete_alternateemail"
ADMIN_TEAM = "core.change_team"  # what a team admin does: settings, roles
REMOVE_MEMBER = "core.delete_membership"
DELETE_ENTRY = "core.delete_entry"


def staff_holds(actor, permission: str) -> bool:
    """An active staff member whose role grants ``permission`` (superusers hold every permission)."""
    return bool(
        actor is not None
        and getattr(actor, "is_active", False)
        and getattr(actor, "is_staff", False)
        and actor.has_perm(permission)
    )


def require_self_or_staff(*, actor, user_id: int, permission: str) -> None:
    """The person themself changes their own data; otherwise only staff holding ``permission``."""
    if actor is not None and getattr(actor, "pk", None) == user_id:
        return
    if not staff_holds(actor, permission):
        raise PermissionDenied("Only the person themself or staff with permission change that.")
