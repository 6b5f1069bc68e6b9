"""The site's URLs plus the baselines the web benchmarks measure against, served by the same waitress
process, through the same middleware, in the same run: a hello view (no query) and a one-query view."""

from django.http import HttpResponse
from django.urls import path

from portal.urls import handler403, handler404, handler500  # noqa: F401
from portal.urls import urlpatterns as site_urlpatterns


def hello(request):
    return HttpResponse(b"hello", content_type="text/plain")


def one_query(request):
    from core.models import Team

    name = Team.objects.order_by("pk").values_list("name", flat=True).first()
    return HttpResponse(name or "", content_type="text/plain")


urlpatterns = [path("bench/hello", hello), path("bench/one-query/", one_query), *site_urlpatterns]
