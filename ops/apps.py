from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class OpsAdminConfig(admin_apps.AdminConfig):
    """Installs the operations portal as the site behind ``/admin/``."""

    default = False
    default_site = "ops.sites.OpsAdminSite"


class OpsConfig(AppConfig):
    default = True
    name = "ops"
    verbose_name = "Operations"
