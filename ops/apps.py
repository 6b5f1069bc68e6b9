from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


class OpsAdminConfig(admin_apps.AdminConfig):
    """Installs the operations portal as the site behind ``/admin/``."""

    default = False
    default_site = "ops.admin.site.OpsAdminSite"

    def ready(self) -> None:
        # Importing ``ops.admin`` registers the portal's ModelAdmins on ``admin.site``, which creates the
        # site from ``ops.admin.site``. Done before autodiscovery first touches ``admin.site``, the site is
        # created once, here, and the registrations land on it (not on a first instance replaced later).
        import ops.admin  # noqa: F401

        super().ready()


def _sync_roles(sender, using="default", **_kwargs) -> None:
    # Runs after each app's post_migrate (permissions appear app by app) and after a test flush,
    # so the groups always hold every listed permission that exists.
    from ops.roles import roles_sync

    roles_sync()


class OpsConfig(AppConfig):
    default = True
    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, dispatch_uid="ops.roles_sync")
