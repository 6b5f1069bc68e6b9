"""v2 lists: bare JSON arrays paged by ``page`` and ``per_page``, described by headers.

``Link`` (first/prev/next/last, absolute URLs), ``X-Total``, ``X-Per-Page`` and ``X-Page`` — what the
original API sent. A page past the end is an empty array (its headers still tell where the data is),
not an error; a page or per_page that is not a positive whole number is a 400.
"""

from django.core.paginator import EmptyPage, Paginator
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from core.api.errors import ApiError

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
# Larger page numbers are surely past the end; capping them keeps the arithmetic small.
MAX_PAGE = 1_000_000

HEADERS = {
    "Link": 'first, prev, next and last pages: <url>; rel="first", …',
    "X-Total": "the number of items in every page",
    "X-Per-Page": "items per page",
    "X-Page": "this page's number (from 1)",
}


def positive_int(request, name: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ApiError(f"{name} must be a positive whole number")
    return min(int(raw), maximum)


class HeaderPagination(BasePagination):
    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.per_page = positive_int(request, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
        self.page = positive_int(request, "page", 1, MAX_PAGE)
        self.paginator = Paginator(queryset, self.per_page)
        try:
            return list(self.paginator.page(self.page).object_list)
        except EmptyPage:
            return []

    def get_paginated_response(self, data):
        return Response(data, headers=self.headers())

    def headers(self) -> dict:
        last = max(1, self.paginator.num_pages)
        links = {"first": 1, "prev": self.page - 1 if self.page > 1 else None}
        links["next"] = self.page + 1 if self.page < last else None
        links["last"] = last
        url = self.request.build_absolute_uri()
        link = ", ".join(
            f'<{replace_query_param(url, "page", number)}>; rel="{rel}"'
            for rel, number in links.items()
            if number is not None
        )
        return {
            "Link": link,
            "X-Total": str(self.paginator.count),
            "X-Per-Page": str(self.per_page),
            "X-Page": str(self.page),
        }

    def get_paginated_response_schema(self, schema):
        # ``schema`` is already the list's array: the page is that array, its paging is in the headers.
        return schema

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number, from 1 (a page past the end is an empty array).",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": "per_page",
                "in": "query",
                "required": False,
                "description": f"Items per page (default {DEFAULT_PER_PAGE}, at most {MAX_PER_PAGE}).",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]


def paginated_response(view, request, queryset, serializer_class):
    """A page of ``queryset`` as the bare array, with its headers."""
    paginator = HeaderPagination()
    page = paginator.paginate_queryset(queryset, request, view)
    return paginator.get_paginated_response(serializer_class(page, many=True, context={"request": request}).data)
