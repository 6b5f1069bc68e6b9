"""The site exactly as production serves it (``portal.wsgi``, production settings), plus one view that
runs a single small query: the same-process baseline the web benchmarks compare a page with.

Served by ``waitress-serve _baseline_wsgi:application`` with ``bench/`` on ``PYTHONPATH``.
"""

from portal.wsgi import application  # noqa: F401,I001 (first: sets Django up; the URL resolver is built on first request)

from django.http import HttpResponse
from django.urls import path

from portal import urls

ONE_QUERY_PATH = "bench/one-query/"


def one_query(request):
    from core.models import Team

    name = Team.objects.order_by("pk").values_list("name", flat=True).first()
    return HttpResponse(name or "", content_type="text/plain")


urls.urlpatterns.insert(0, path(ONE_QUERY_PATH, one_query))
