"""The site's URLs plus a hello view: the baseline the web benchmarks measure against, served by the
same waitress process, through the same middleware, in the same run."""

from django.http import HttpResponse
from django.urls import path

from portal.urls import handler403, handler404, handler500  # noqa: F401
from portal.urls import urlpatterns as site_urlpatterns


def hello(request):
    return HttpResponse(b"hello", content_type="text/plain")


urlpatterns = [path("bench/hello", hello), *site_urlpatterns]
