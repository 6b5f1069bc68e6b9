from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from core.api.errors import not_found as api_not_found
from core.web.inbound import webhook_urlpatterns
from ops.runtime.health import health

urlpatterns = [
    path("health", health, name="health"),
    path("admin/", admin.site.urls),
    # The configured ESP's webhooks only (inbound replies, delivery tracking): see core/web/inbound.py.
    path("anymail/", include((webhook_urlpatterns(), "anymail"))),
    path("api/v2/", include("core.api.urls")),
    path("api/v0.1/", include("core.api.legacy_urls")),
    re_path(r"^api(/|$)", api_not_found),  # an unknown API path is a JSON 404, not the site's page
    path("", include("idt_slack.urls")),
    path("", include("core.urls")),
]

# A database outage answers 503 with a clear page (JSON for APIs), any other error Django's 500.
handler500 = "core.web.unavailable.server_error"
# Error pages in the app's layout (the portal's in the admin's); 500 and CSRF failures use plain templates.
handler404 = "core.web.errors.page_not_found"
handler403 = "core.web.errors.permission_denied"
handler400 = "core.web.errors.bad_request"

if "debug_toolbar" in settings.INSTALLED_APPS:
    urlpatterns.append(path("__debug__/", include("debug_toolbar.urls")))
