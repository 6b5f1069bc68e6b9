"""The web dyno for the task history bench: the portal as deployed, plus django-celery-results' stock
admin at ``/stock-admin/``, so both pages are served by the same process over HTTP in the same run."""
# ruff: noqa: I001  (the web dyno's set-up must come before the models are imported)

from portal.wsgi import application  # noqa: F401  (sets Django up, as the web dyno does)

from django.conf import settings  # noqa: E402
from django.contrib import admin  # noqa: E402
from django.urls import path  # noqa: E402
from django_celery_results.admin import TaskResultAdmin as StockTaskResultAdmin  # noqa: E402
from django_celery_results.models import TaskResult  # noqa: E402

from portal.urls import urlpatterns as portal_urlpatterns  # noqa: E402


class StockPage(StockTaskResultAdmin):
    # The portal overrides this model's list template (links to its own task pages); the stock page
    # renders the admin's own, as it would in a project without the portal.
    change_list_template = "admin/change_list.html"


stock_site = admin.AdminSite(name="stock")
stock_site.register(TaskResult, StockPage)
urlpatterns = [path("stock-admin/", stock_site.urls), *portal_urlpatterns]
settings.ROOT_URLCONF = __name__
