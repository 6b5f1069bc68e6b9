from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from ops.runtime.health import health

urlpatterns = [
    path("health", health, name="health"),
    path("admin/", admin.site.urls),
    # ESP webhooks (inbound replies), checked by anymail: basic auth + the ESP's signature.
    path("anymail/", include("anymail.urls")),
    path("", include("core.urls")),
]

if "debug_toolbar" in settings.INSTALLED_APPS:
    urlpatterns.append(path("__debug__/", include("debug_toolbar.urls")))
