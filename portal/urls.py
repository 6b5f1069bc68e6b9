from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from core.web.inbound import webhook_urlpatterns
from ops.runtime.health import health

urlpatterns = [
    path("health", health, name="health"),
    path("admin/", admin.site.urls),
    # The configured ESP's webhooks only (inbound replies, delivery tracking): see core/web/inbound.py.
    path("anymail/", include((webhook_urlpatterns(), "anymail"))),
    path("", include("core.urls")),
]

if "debug_toolbar" in settings.INSTALLED_APPS:
    urlpatterns.append(path("__debug__/", include("debug_toolbar.urls")))
