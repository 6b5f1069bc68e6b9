"""The operations portal: Django's admin, extended (the site is ``ops.admin.site.OpsAdminSite``).

The admin's autodiscovery imports this package; importing each subject's module registers its
ModelAdmins. Task history and beat schedules replace the stock admins of their packages.
"""

from django.contrib import admin

from ops.admin import audit, deliveries, people, processes, teams, webhooks  # noqa: F401  (they register their admins)


def _replace_stock_admins() -> None:
    import django_celery_beat.admin  # noqa: F401  (registers the stock admins first, so they can be replaced)
    import django_celery_results.admin  # noqa: F401
    from django_celery_beat.models import PeriodicTask
    from django_celery_results.models import TaskResult

    from ops.admin.beat import PeriodicTaskAdmin
    from ops.admin.tasks.admin import TaskResultAdmin

    for model, model_admin in ((TaskResult, TaskResultAdmin), (PeriodicTask, PeriodicTaskAdmin)):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(model, model_admin)


_replace_stock_admins()
