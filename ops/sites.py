"""The operations portal: Django's admin, extended through its supported hooks."""

from django.contrib import admin


class OpsAdminSite(admin.AdminSite):
    site_header = "iDoneThis operations"
    site_title = "iDoneThis ops"
    index_title = "Operations"
